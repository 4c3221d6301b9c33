import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../../platform/tables';
import { DynamoDbReconciliationRepository } from '../../../lambdas/adapters/dynamodb/reconciliation-repository';
import { deriveId } from '../../../lambdas/domain/ids';
import { paymentCaptured } from '../../../lambdas/domain/ledger/postings';
import type { ChannelAuthorization } from '../../../lambdas/ports/card-channel';
import type { SettlementExpectation } from '../../../lambdas/ports/reconciliation-repository';
import type { CardChannelDirectory } from '../../../lambdas/ports/workflows';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { type ChannelEvent, recordChannelEvents } from '../../../lambdas/use-cases/record-channel-event';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * The captures an acquirer announces settled, as its webhook's lists record them (decision 0059), through the real
 * use case, the real ledger and the real repository on DynamoDB Local: one item per list and batch; a list sent
 * again, or an event sent again inside another list, never loses a capture nor lists one twice; items of the
 * earlier shape (one per capture) are still read; and a list whose expectations cannot be stored answers `retry`
 * for its settlements, so the acquirer sends them again.
 */
let db: IsolatedDynamoDb;
let reports: DynamoDbReconciliationRepository;
const channel = 'atlas';
const merchantId = 'mer_expectations';
const authorizations = new Map<string, ChannelAuthorization>();

/** The acquirer's side of the lookup: the authorization a capture belongs to (the simulator's is tested elsewhere). */
const acquirer: CardChannelDirectory = {
  channel: () => ({ getAuthorization: async (id: string) => authorizations.get(id) }) as unknown as ReturnType<CardChannelDirectory['channel']>,
};

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  reports = new DynamoDbReconciliationRepository(db.documentClient, tableName('reconciliation'));
});

let sequence = 0;
/** A captured payment in the ledger and its `capture.settled` event in `batchId`. */
const settledCapture = async (batchId: string, amount: number, currency = 'USD'): Promise<ChannelEvent & { paymentId: string; captureId: string }> => {
  sequence += 1;
  const paymentId = deriveId('pay', 'expectations-test', String(sequence), String(Date.now()));
  const captureId = `cap_${sequence}_${Date.now()}`;
  const authorizationId = `auth_${sequence}_${Date.now()}`;
  authorizations.set(authorizationId, { authorizationId, merchantReference: merchantId, paymentReference: paymentId, captureIds: [captureId] } as unknown as ChannelAuthorization);
  await postLedgerEvent(ledgerPostingDeps(), paymentCaptured, { merchantId, paymentId, channel, currency, amount, authorizedAmount: amount });
  return {
    id: `evt_${sequence}`,
    type: 'capture.settled',
    data: { object: { id: captureId, authorization: authorizationId, amount, currency, settlement_batch: batchId } },
    paymentId,
    captureId,
  };
};

const deliver = (events: readonly ChannelEvent[], at: string, expectations: DynamoDbReconciliationRepository = reports) =>
  recordChannelEvents({ channels: acquirer, ledger: { ...ledgerPostingDeps(), now: () => new Date(at) }, expectations }, { channel, events });

const expectationItems = async (batchId: string) =>
  (
    await db.documentClient.send(
      new QueryCommand({
        TableName: tableName('reconciliation'),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :exp)',
        ExpressionAttributeValues: { ':pk': `batch#${channel}#${batchId}`, ':exp': 'exp#' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

const expected = (batchId: string, event: Awaited<ReturnType<typeof settledCapture>>, announcedAt: string): SettlementExpectation => {
  const { amount, currency } = event.data.object as { amount: number; currency: string };
  return { channel, batchId, captureId: event.captureId, paymentId: event.paymentId, merchantId, amount, currency, announcedAt };
};
const byCapture = (list: readonly SettlementExpectation[]) => [...list].sort((a, b) => a.captureId.localeCompare(b.captureId));

describe('a list of settlements in two batches', () => {
  const usd = 'atlas-usd-9001';
  const eur = 'atlas-eur-9001';
  const first = '2026-12-07T10:00:00.000Z';
  let events: Awaited<ReturnType<typeof settledCapture>>[];

  beforeAll(async () => {
    events = [
      await settledCapture(usd, 1_000),
      await settledCapture(eur, 2_000, 'EUR'),
      await settledCapture(usd, 3_000),
      await settledCapture(usd, 4_000),
      await settledCapture(eur, 5_000, 'EUR'),
      await settledCapture(usd, 6_000),
      await settledCapture(eur, 7_000, 'EUR'),
    ];
  });

  it('is applied and recorded as one item per batch, each listing that batch\'s captures', async () => {
    // Act
    const results = await deliver(events, first);
    // Assess
    expect(results.map((result) => result.outcome)).toEqual(Array(7).fill('applied'));
    expect(await expectationItems(usd)).toHaveLength(1);
    expect(await expectationItems(eur)).toHaveLength(1);
    const [usdItem] = await expectationItems(usd);
    expect(usdItem?.e).toHaveLength(4);
    expect(await reports.listExpectations(channel, usd)).toEqual(byCapture([0, 2, 3, 5].map((index) => expected(usd, events[index]!, first))));
    expect(await reports.listExpectations(channel, eur)).toEqual(byCapture([1, 4, 6].map((index) => expected(eur, events[index]!, first))));
    expect(await reports.hasExpectations(channel, usd)).toBe(true);
    expect(await reports.hasExpectations(channel, 'atlas-usd-never')).toBe(false);
  });

  it('sent again, in another order, is the same items: no capture listed twice', async () => {
    // Act
    const results = await deliver([...events].reverse(), '2026-12-07T10:05:00.000Z');
    // Assess
    expect(results.map((result) => result.outcome)).toEqual(Array(7).fill('applied'));
    expect(await expectationItems(usd)).toHaveLength(1);
    expect(await expectationItems(eur)).toHaveLength(1);
    expect((await reports.listExpectations(channel, usd)).map((expectation) => expectation.captureId).sort()).toEqual(
      [0, 2, 3, 5].map((index) => events[index]!.captureId).sort(),
    );
    expect(await reports.listExpectations(channel, eur)).toHaveLength(3);
  });

  it('an event sent again inside another list is listed once, with its first announcement', async () => {
    // Prepare
    const later = '2026-12-07T11:00:00.000Z';
    const newcomer = await settledCapture(usd, 8_000);
    const resent = events[2]!;
    // Act
    const results = await deliver([newcomer, resent], later);
    // Assess
    expect(results.map((result) => result.outcome)).toEqual(['applied', 'applied']);
    expect(await expectationItems(usd)).toHaveLength(2);
    const listed = await reports.listExpectations(channel, usd);
    expect(listed).toHaveLength(5);
    expect(listed.filter((expectation) => expectation.captureId === resent.captureId)).toEqual([expected(usd, resent, first)]);
    expect(listed.find((expectation) => expectation.captureId === newcomer.captureId)).toEqual(expected(usd, newcomer, later));
  });
});

it('still lists an item of the earlier shape (one per capture), once, beside the new ones, and it announces its batch', async () => {
  // Prepare: what the receiver wrote before decision 0059, for a capture that is then announced again in a list
  const batchId = 'atlas-usd-9002';
  const old = await settledCapture(batchId, 1_500);
  const oldExpectation = expected(batchId, old, '2026-12-06T09:00:00.000Z');
  await db.documentClient.send(
    new PutCommand({ TableName: tableName('reconciliation'), Item: { pk: `batch#${channel}#${batchId}`, sk: `exp#${old.captureId}`, ...oldExpectation } }),
  );
  expect(await reports.hasExpectations(channel, batchId)).toBe(true);
  const other = await settledCapture(batchId, 2_500);
  // Act
  const results = await deliver([old, other], '2026-12-07T12:00:00.000Z');
  // Assess
  expect(results.map((result) => result.outcome)).toEqual(['applied', 'applied']);
  expect(await expectationItems(batchId)).toHaveLength(2);
  expect(await reports.listExpectations(channel, batchId)).toEqual(byCapture([oldExpectation, expected(batchId, other, '2026-12-07T12:00:00.000Z')]));
});

it("answers `retry` for a list's settlements when their expectations cannot be stored, and records them when the list comes again", async () => {
  // Prepare: the same adapter on a table that does not exist, so the write fails as DynamoDB fails it
  const batchId = 'atlas-usd-9003';
  const events = [await settledCapture(batchId, 1_100), await settledCapture(batchId, 2_200)];
  const refund = { id: 'evt_refund', type: 'refund.succeeded', data: { object: { id: 're_1' } } };
  const unreachable = new DynamoDbReconciliationRepository(db.documentClient, 'no-such-table');
  // Act
  const failed = await deliver([events[0]!, refund, events[1]!], '2026-12-07T13:00:00.000Z', unreachable);
  // Assess
  expect(failed).toEqual([
    { id: events[0]!.id, outcome: 'retry', reason: 'temporarily_unavailable', errorName: 'ResourceNotFoundException', paymentId: events[0]!.paymentId },
    { id: 'evt_refund', outcome: 'ignored' },
    { id: events[1]!.id, outcome: 'retry', reason: 'temporarily_unavailable', errorName: 'ResourceNotFoundException', paymentId: events[1]!.paymentId },
  ]);
  expect(await reports.hasExpectations(channel, batchId)).toBe(false);
  // Act: the acquirer sends them again (their postings are already made: a replay that moves nothing)
  const again = await deliver(events, '2026-12-07T13:00:05.000Z');
  // Assess
  expect(again.map((result) => result.outcome)).toEqual(['applied', 'applied']);
  expect(await reports.listExpectations(channel, batchId)).toEqual(byCapture(events.map((event) => expected(batchId, event, '2026-12-07T13:00:05.000Z'))));
});

it('records a bulk load of 120 captures of one batch as three items of at most 50, each well under 400 KB, all listed', async () => {
  // Prepare
  const batchId = 'atlas-usd-9004';
  const announcedAt = '2026-12-07T14:00:00.000Z';
  const loaded: SettlementExpectation[] = Array.from({ length: 120 }, (_, index) => ({
    channel,
    batchId,
    captureId: `cap_bulk_${String(index).padStart(3, '0')}`,
    paymentId: deriveId('pay', 'bulk', String(index)),
    merchantId,
    amount: 100 + index,
    currency: 'USD',
    announcedAt,
  }));
  // Act
  await reports.recordExpectations(loaded);
  await reports.recordExpectations(loaded);
  // Assess
  const items = await expectationItems(batchId);
  expect(items.map((item) => (item.e as unknown[]).length).sort()).toEqual([20, 50, 50]);
  for (const item of items) expect(JSON.stringify(item).length).toBeLessThan(10_000);
  expect(await reports.listExpectations(channel, batchId)).toEqual(loaded);
});
