import type { HomeRegionMarker } from '../../../lambdas/domain/ledger/home-region';
import type { Payment } from '../../../lambdas/domain/payment';
import type { AwaitingSaga, MerchantFlights, OverduePage, SagaStartMarkers } from '../../../lambdas/ports/saga-starts';
import {
  beginHomeRegionMove,
  callOffHomeRegionMove,
  confirmFenceReplicated,
  countMerchantFlights,
  fenceMerchantLedger,
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
  const markers = (byShard: Record<string, AwaitingSaga[]>): SagaStartMarkers => ({
    overdue: async (shard): Promise<OverduePage> => ({ awaiting: byShard[shard] ?? [], more: false }),
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

  it('gives up with DrainTimedOut when flights still run after the drain time', async () => {
    await expect(
      countMerchantFlights(deps([payment('pay_a', merchantId)], {}, '2026-12-06T12:20:00.000Z'), { merchantId, moveStartedAt: '2026-12-06T12:00:00.000Z' }),
    ).rejects.toMatchObject({ name: 'DrainTimedOut', inFlight: 1, examples: ['pay_a'] });
  });
});
