import type { AuditRecord } from '../../../lambdas/domain/audit';
import type { BalanceShard, FieldAmounts } from '../../../lambdas/domain/ledger/balances';
import { DEFAULT_PRICING } from '../../../lambdas/domain/ledger/fees';
import type { HomeRegionMarker } from '../../../lambdas/domain/ledger/home-region';
import type { PostedTransaction } from '../../../lambdas/domain/ledger/journal';
import { paymentCaptured, paymentSettled, buildPosting } from '../../../lambdas/domain/ledger/postings';
import { verifySnapshot } from '../../../lambdas/domain/ledger/verification';
import type { LedgerRepairStore } from '../../../lambdas/ports/ledger-store';
import { memoryJournal } from '../../support/memory-journal';
import type { Payment } from '../../../lambdas/domain/payment';
import type { Refund } from '../../../lambdas/domain/refund';
import type { AwaitingSaga, MerchantFlights, SagaStartMarkers } from '../../../lambdas/ports/saga-starts';
import {
  adoptMerchantFlights,
  beginHomeRegionMove,
  callOffHomeRegionMove,
  confirmFenceReplicated,
  countMerchantFlights,
  fenceMerchantLedger,
  repairMerchantBalances,
  switchMerchantHome,
} from '../../../lambdas/use-cases/ledger/move-home-region';

/** The marker's copies as one item with DynamoDB's conditional put (putHomeRegion: epoch compare-and-set). */
class MarkerStore {
  marker: HomeRegionMarker | undefined;
  async getHomeRegion(): Promise<HomeRegionMarker | undefined> {
    return this.marker;
  }
  async putHomeRegion(marker: HomeRegionMarker, expectedEpoch: number): Promise<boolean> {
    if ((this.marker?.epoch ?? 0) !== expectedEpoch) return false;
    this.marker = marker;
    return true;
  }
}

const primary = 'us-east-1';
const secondary = 'us-west-2';
const merchantId = 'mer_moving';
const setup = () => {
  const ledger = new MarkerStore();
  return { ledger, deps: { ledger, primaryRegion: primary, regions: [primary, secondary], now: () => new Date('2026-12-06T12:00:00.000Z') } };
};

describe('a planned home-region move (decision 0024)', () => {
  it('goes begin → fence → switch, one epoch each, and leaves the target home, unfenced, no move under way', async () => {
    // Prepare
    const { ledger, deps } = setup();
    // Act
    const begun = await beginHomeRegionMove(deps, { merchantId, targetRegion: secondary });
    const afterBegin = ledger.marker;
    const fenced = await fenceMerchantLedger(deps, begun);
    const afterFence = ledger.marker;
    await confirmFenceReplicated({ replica: ledger, replicaRegion: secondary }, fenced);
    const switched = await switchMerchantHome(deps, fenced);
    // Assess
    expect(afterBegin).toMatchObject({ region: primary, fenced: false, moveTo: secondary, epoch: 1 });
    expect(afterFence).toMatchObject({ region: primary, fenced: true, moveTo: secondary, epoch: 2 });
    expect(switched).toEqual({ merchantId, fromRegion: primary, targetRegion: secondary, epoch: 3, forced: false });
    expect(ledger.marker).toEqual({ merchantId, region: secondary, fenced: false, epoch: 3, updatedAt: '2026-12-06T12:00:00.000Z' });
  });

  it.each([
    ['a region outside the deployment', 'eu-west-1', undefined],
    ['the current home', primary, undefined],
    ['anywhere while another move is under way', secondary, { merchantId, region: primary, fenced: false, moveTo: secondary, epoch: 4, updatedAt: 'x' }],
  ] as const)('refuses to begin a move to %s, changing nothing', async (_case, target, existing) => {
    const { ledger, deps } = setup();
    ledger.marker = existing;
    await expect(beginHomeRegionMove(deps, { merchantId, targetRegion: target })).rejects.toMatchObject({ name: 'HomeRegionMoveRefused' });
    expect(ledger.marker).toEqual(existing);
  });

  it('stops with HomeRegionMoveConflict, writing nothing, when someone else changed the marker between steps', async () => {
    const { ledger, deps } = setup();
    const begun = await beginHomeRegionMove(deps, { merchantId, targetRegion: secondary });
    ledger.marker = { merchantId, region: primary, fenced: false, epoch: 7, updatedAt: 'another operator' };
    await expect(fenceMerchantLedger(deps, begun)).rejects.toMatchObject({ name: 'HomeRegionMoveConflict' });
    await expect(callOffHomeRegionMove(deps, begun)).resolves.toEqual({ calledOff: false, epoch: 1 });
    expect(ledger.marker).toMatchObject({ epoch: 7, updatedAt: 'another operator' });
  });

  it('calls a fenced move off: back to the old home, unfenced, accepting requests', async () => {
    const { ledger, deps } = setup();
    const fenced = await fenceMerchantLedger(deps, await beginHomeRegionMove(deps, { merchantId, targetRegion: secondary }));
    await expect(callOffHomeRegionMove(deps, fenced)).resolves.toEqual({ calledOff: true, epoch: 3 });
    expect(ledger.marker).toEqual({ merchantId, region: primary, fenced: false, epoch: 3, updatedAt: '2026-12-06T12:00:00.000Z' });
  });

  it('waits (MarkerNotReplicated) until the other region shows the fence', async () => {
    const { ledger, deps } = setup();
    const begun = await beginHomeRegionMove(deps, { merchantId, targetRegion: secondary });
    const replica = new MarkerStore();
    replica.marker = ledger.marker; // the replica has the begin, not yet the fence
    const fenced = await fenceMerchantLedger(deps, begun);
    await expect(confirmFenceReplicated({ replica, replicaRegion: secondary }, fenced)).rejects.toMatchObject({ name: 'MarkerNotReplicated', region: secondary, epoch: 2, seen: 1 });
    replica.marker = ledger.marker;
    await expect(confirmFenceReplicated({ replica, replicaRegion: secondary }, fenced)).resolves.toEqual({ region: secondary, epoch: 2 });
  });
});

describe('a forced move: the home region is lost (decision 0036)', () => {
  it('runs in the surviving region towards itself, takes over a move the lost region had begun, and reads no replica', async () => {
    const { ledger, deps } = setup();
    // The lost primary had begun a planned move (replicated here) that cannot go on.
    ledger.marker = { merchantId, region: primary, fenced: false, moveTo: secondary, epoch: 4, updatedAt: 'lost region' };
    const begun = await beginHomeRegionMove({ ...deps, region: secondary }, { merchantId, targetRegion: secondary, forced: true });
    const fenced = await fenceMerchantLedger(deps, begun);
    const unreadable = { getHomeRegion: async () => Promise.reject(new Error('the lost region does not answer')) };
    const replication = await confirmFenceReplicated({ replica: unreadable, replicaRegion: primary }, fenced);
    const switched = await switchMerchantHome(deps, fenced);
    expect(begun).toEqual({ merchantId, fromRegion: primary, targetRegion: secondary, epoch: 5, forced: true });
    expect(replication).toEqual({ region: primary, epoch: 6, skipped: 'forced' });
    expect(switched).toMatchObject({ targetRegion: secondary, epoch: 7, forced: true });
    expect(ledger.marker).toMatchObject({ region: secondary, fenced: false, epoch: 7 });
  });

  it('is refused anywhere but in the region it moves the merchant to, changing nothing', async () => {
    const { ledger, deps } = setup();
    await expect(beginHomeRegionMove({ ...deps, region: primary }, { merchantId, targetRegion: secondary, forced: true })).rejects.toMatchObject({ name: 'HomeRegionMoveRefused' });
    expect(ledger.marker).toBeUndefined();
  });

  it('a planned move still refuses to begin over one under way', async () => {
    const { ledger, deps } = setup();
    ledger.marker = { merchantId, region: primary, fenced: true, moveTo: secondary, epoch: 4, updatedAt: 'x' };
    await expect(beginHomeRegionMove({ ...deps, region: secondary }, { merchantId, targetRegion: secondary })).rejects.toMatchObject({ name: 'HomeRegionMoveRefused' });
  });
});

describe('the drain', () => {
  const payment = (id: string, merchant: string): AwaitingSaga => ({ kind: 'payment', since: '2026-12-06T11:59:00.000Z', payment: { id, merchantId: merchant } as Payment });
  const flights = (objects: AwaitingSaga[]): MerchantFlights => ({ inFlightOf: async () => objects });
  const markers = (byShard: Record<string, AwaitingSaga[]>): Pick<SagaStartMarkers, 'markedOf'> => ({
    markedOf: async (merchant, shard) => (byShard[shard] ?? []).filter((object) => (object.kind === 'payment' ? object.payment : object.kind === 'refund' ? object.refund : object.payout).merchantId === merchant),
  });
  const deps = (created: AwaitingSaga[], later: Record<string, AwaitingSaga[]>, now = '2026-12-06T12:00:00.000Z') => ({
    flights: flights(created),
    markers: markers(later),
    regions: [primary, secondary],
    lookbackSeconds: 86_400,
    drainTimeoutSeconds: 900,
    now: () => new Date(now),
  });

  it("counts the merchant's creation and later flights in both regions once each, not other merchants'", async () => {
    const result = await countMerchantFlights(
      deps([payment('pay_a', merchantId)], { [`saga#${secondary}#3`]: [payment('pay_b', merchantId), payment('pay_other', 'mer_other')], [`saga#${primary}#0`]: [payment('pay_a', merchantId)] }),
      { merchantId, moveStartedAt: '2026-12-06T11:59:30.000Z' },
    );
    expect(result).toEqual({ inFlight: 2, examples: ['pay_a', 'pay_b'] });
  });

  it('waits for none in a forced move, listing what the lost region left in flight, and never times out', async () => {
    const result = await countMerchantFlights(deps([payment('pay_a', merchantId)], { [`saga#${primary}#1`]: [payment('pay_b', merchantId)] }, '2026-12-06T12:20:00.000Z'), {
      merchantId,
      moveStartedAt: '2026-12-06T12:00:00.000Z',
      forced: true,
    });
    expect(result).toEqual({ inFlight: 0, examples: ['pay_a', 'pay_b'], leftToReconcile: 2 });
  });

  it("adopts, in a forced move, the lost region's flights: one recovery each (a refund with its payment), named as the sweeper names it, none for flights begun after the move began", async () => {
    // Prepare
    const started: unknown[] = [];
    const refund: AwaitingSaga = { kind: 'refund', since: '2026-12-06T11:58:00.000Z', refund: { id: 're_a', merchantId, paymentId: 'pay_a' } as Refund };
    const sinceMove: AwaitingSaga = { kind: 'payment', since: '2026-12-06T12:00:05.000Z', payment: { id: 'pay_new', merchantId } as Payment };
    const listing = deps([payment('pay_a', merchantId), sinceMove], { [`saga#${primary}#2`]: [refund, payment('pay_a', merchantId), payment('pay_other', 'mer_other')] }, '2026-12-06T12:01:00.000Z');
    const workflows = { recover: async (input: unknown) => void started.push(input) };
    // Act
    const result = await adoptMerchantFlights({ ...listing, workflows }, { merchantId, moveStartedAt: '2026-12-06T12:00:00.000Z' });
    // Assess
    expect(result).toEqual({ adopted: 2, examples: ['pay_a', 're_a'] });
    expect(started).toEqual([
      { kind: 'payment', id: 'pay_a', inFlightSince: '2026-12-06T11:59:00.000Z', paymentId: 'pay_a' },
      { kind: 'refund', id: 're_a', inFlightSince: '2026-12-06T11:58:00.000Z', paymentId: 'pay_a' },
    ]);
  });

  it('fails the adoption step when a recovery cannot be started (the step is retried; every start is idempotent)', async () => {
    const workflows = { recover: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'DependencyUnavailable' })) };
    await expect(adoptMerchantFlights({ ...deps([payment('pay_a', merchantId)], {}), workflows }, { merchantId, moveStartedAt: '2026-12-06T12:00:00.000Z' })).rejects.toMatchObject({
      name: 'DependencyUnavailable',
    });
  });

  it('gives up with DrainTimedOut when flights still run after the drain time', async () => {
    await expect(
      countMerchantFlights(deps([payment('pay_a', merchantId)], {}, '2026-12-06T12:20:00.000Z'), { merchantId, moveStartedAt: '2026-12-06T12:00:00.000Z' }),
    ).rejects.toMatchObject({ name: 'DrainTimedOut', inFlight: 1, examples: ['pay_a'] });
  });
});

/** The survivor's ledger as the repair sees it: its journal and balance items, with DynamoDB's conditional update. */
class SurvivorLedger implements LedgerRepairStore {
  readonly shards = new Map<string, BalanceShard>();
  /** Called between the repair's read and its write (another writer, in the conflict case). */
  beforeWrite: () => void = () => undefined;
  constructor(readonly journal: PostedTransaction[], shards: readonly BalanceShard[]) {
    for (const shard of shards) this.shards.set(`${shard.merchantId}/${shard.currency}#${shard.shard}`, { ...shard });
  }
  async merchantJournal(merchantId: string) {
    return this.journal.filter((posted) => posted.transaction.merchantId === merchantId);
  }
  async merchantShards(merchantId: string) {
    return [...this.shards.values()].filter((shard) => shard.merchantId === merchantId).map((shard) => ({ ...shard }));
  }
  async setShardAmounts(merchantId: string, currency: string, shard: number, from: FieldAmounts, to: FieldAmounts) {
    this.beforeWrite();
    const key = `${merchantId}/${currency}#${shard}`;
    const stored = this.shards.get(key) ?? { merchantId, currency, shard, pending: 0, available: 0, reserved: 0 };
    if (stored.pending !== from.pending || stored.available !== from.available || stored.reserved !== from.reserved) return false;
    this.shards.set(key, { ...stored, ...to });
    return true;
  }
  verify() {
    return verifySnapshot({ transactions: this.journal, extraLines: [], balances: [...this.shards.values()] });
  }
}

describe('the balance repair of a forced move (decision 0039)', () => {
  const now = new Date('2026-12-07T10:00:00.000Z');
  const capture = (paymentId: string, amount: number, merchant = merchantId) => (position: Parameters<typeof buildPosting>[2]) =>
    buildPosting(paymentCaptured, { merchantId: merchant, paymentId, channel: 'acq_1', currency: 'EUR', amount, authorizedAmount: amount }, position, now, DEFAULT_PRICING);
  const settle = (paymentId: string) => (position: Parameters<typeof buildPosting>[2]) => buildPosting(paymentSettled, { merchantId, paymentId, settlementId: `cap_${paymentId}` }, position, now);
  /** The lost region's ledger: three postings of the merchant and one of another merchant, each shard after each. */
  const lostRegion = () => {
    const journal = memoryJournal({ shards: 4, random: () => 0.5 });
    journal.post(capture('pay_a', 10_000), 'pay_a', merchantId);
    journal.post(settle('pay_a'), 'pay_a', merchantId);
    journal.post(capture('pay_other', 700, 'mer_other'), 'pay_other', 'mer_other');
    const beforeLast = journal.shards().map((shard) => ({ ...shard }));
    journal.post(capture('pay_b', 537), 'pay_b', merchantId);
    return { journal, beforeLast, transactions: journal.snapshot().transactions };
  };
  const move = { merchantId, fromRegion: primary, targetRegion: secondary, epoch: 2, forced: true };
  const requestedBy = { actor: { type: 'operator' as const, role: 'ops_admin', arn: 'arn:aws:sts::000000000000:assumed-role/xborder-ops-admin-us-west-2/alice' }, requestId: 'req_1' };
  const audit = () => {
    const records: AuditRecord[] = [];
    return { records, append: async (record: AuditRecord) => (records.push(record), { ...record, region: secondary, stripe: 0, seq: records.length, at: '', prev_hash: '', hash: '' }) };
  };

  it('a journal item whose balance update never arrived: the item is set to the journal\'s sum, audited, and a second run changes nothing', async () => {
    // Prepare: the survivor got every journal item, but the last posting's balance update was lost with the region.
    const { transactions, beforeLast } = lostRegion();
    const survivor = new SurvivorLedger([...transactions], beforeLast);
    expect(survivor.verify().differences).toMatchObject([{ kind: 'balance_mismatch' }]);
    const log = audit();
    // Act
    const first = await repairMerchantBalances({ ledger: survivor, audit: log }, { move, requestedBy, executionName: `${merchantId}-epoch-0-forced` });
    const second = await repairMerchantBalances({ ledger: survivor, audit: log }, { move, requestedBy, executionName: `${merchantId}-epoch-0-forced` });
    // Assess: one shard corrected (pending +537 of pay_b), the verifier green, double entry untouched.
    expect(first.corrected).toHaveLength(1);
    expect(first.corrected[0]).toMatchObject({ currency: 'EUR' });
    const payB = transactions.find((posted) => posted.transaction.positionId === 'pay_b')!;
    expect(first.corrected[0]!.journal.pending - first.corrected[0]!.stored.pending).toBe(payB.allocation[0]!.delta.pending);
    expect(first.transactions).toBe(3);
    expect(survivor.verify().differences).toEqual([]);
    expect(survivor.journal).toEqual(transactions);
    expect(second.corrected).toEqual([]);
    expect(log.records).toHaveLength(1);
    expect(log.records[0]).toMatchObject({
      merchant_id: merchantId,
      action: 'ledger.balance_repair',
      actor: requestedBy.actor,
      request_id: 'req_1',
      command_id: `${merchantId}-epoch-0-forced:repair_balances`,
      before: [{ currency: 'EUR', shard: first.corrected[0]!.shard, pending: first.corrected[0]!.stored.pending }],
      after: [{ currency: 'EUR', shard: first.corrected[0]!.shard, pending: first.corrected[0]!.journal.pending }],
    });
  });

  it('the reverse (a balance update whose journal item never arrived): the journal wins, so the posting made again by its payment\'s recovery is counted once', async () => {
    // Prepare: the survivor has every balance update but not pay_b's journal item.
    const { journal, transactions } = lostRegion();
    const withoutLast = transactions.filter((posted) => posted.transaction.positionId !== 'pay_b');
    const survivor = new SurvivorLedger([...withoutLast], journal.shards());
    expect(survivor.verify().differences).toMatchObject([{ kind: 'balance_mismatch' }]);
    // Act
    const repaired = await repairMerchantBalances({ ledger: survivor, audit: audit() }, { move, requestedBy, executionName: 'x' });
    // Assess: the merchant's funds are what its journal says (pay_b not in them); pay_b, posted again after the
    // switch, then adds itself once: the same balances as the lost region had, and the verifier green.
    expect(repaired.corrected).toHaveLength(1);
    expect(survivor.verify().differences).toEqual([]);
    const again = memoryJournal({ shards: 4, random: () => 0.5 });
    again.post(capture('pay_a', 10_000), 'pay_a', merchantId);
    again.post(settle('pay_a'), 'pay_a', merchantId);
    expect((await survivor.merchantShards(merchantId)).filter((shard) => shard.pending || shard.available || shard.reserved)).toEqual(
      again.shards().filter((shard) => shard.merchantId === merchantId),
    );
  });

  it('leaves a consistent ledger and other merchants alone, and writes no audit entry', async () => {
    const { journal, transactions } = lostRegion();
    const survivor = new SurvivorLedger([...transactions], journal.shards());
    const log = audit();
    await expect(repairMerchantBalances({ ledger: survivor, audit: log }, { move, requestedBy, executionName: 'x' })).resolves.toMatchObject({ corrected: [] });
    expect(log.records).toEqual([]);
    expect(survivor.shards).toEqual(new SurvivorLedger([], journal.shards()).shards);
  });

  it("leaves the items of a position missing an earlier transaction as stored and stops with JournalIncomplete (review of 0039: never a negative balance)", async () => {
    // Prepare: the survivor has every balance update and pay_a's settlement (transaction 2), not its capture (1).
    const { journal, transactions } = lostRegion();
    const captureA = transactions.find((posted) => posted.transaction.positionId === 'pay_a' && posted.sequence === 1)!;
    const survivor = new SurvivorLedger(transactions.filter((posted) => posted !== captureA), journal.shards());
    const before = new Map(survivor.shards);
    const log = audit();
    // Act
    const repairing = repairMerchantBalances({ ledger: survivor, audit: log }, { move, requestedBy, executionName: 'x' });
    // Assess: the step fails, naming the item and the gap; nothing written, nothing audited, nothing below zero.
    await expect(repairing).rejects.toMatchObject({ name: 'JournalIncomplete', merchantId, withheld: [{ currency: 'EUR', reason: expect.stringContaining('position pay_a: transactions numbered 2') }] });
    expect(survivor.shards).toEqual(before);
    expect(log.records).toEqual([]);
    expect([...survivor.shards.values()].filter((shard) => shard.pending < 0 || shard.available < 0 || shard.reserved < 0)).toEqual([]);
  });

  it('stops with BalanceRepairConflict when an item changed between its read and the correction (the workflow runs the step again)', async () => {
    const { transactions, beforeLast } = lostRegion();
    const survivor = new SurvivorLedger([...transactions], beforeLast);
    survivor.beforeWrite = () => {
      for (const [key, shard] of survivor.shards) if (shard.merchantId === merchantId) survivor.shards.set(key, { ...shard, available: shard.available + 1 });
    };
    await expect(repairMerchantBalances({ ledger: survivor, audit: audit() }, { move, requestedBy, executionName: 'x' })).rejects.toMatchObject({ name: 'BalanceRepairConflict' });
  });
});
