import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { objectOfItem } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { scheduledEvent } from '../../../local/schedules';
import { deployment } from '../../../platform/deployment';
import { SAGA_STARTS_INDEX, tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The recovery sweeper (docs/decisions/0010-saga-start-sweeper.md, 0011, 0021) against DynamoDB Local, the
 * real workflows on the local Step Functions engine and the real handlers: a create whose synchronous run
 * cannot be started (the Step Functions API is down) answers `processing` and leaves its object in flight,
 * with no marker (no sparse index write): the sweeper finds it through the merchant's list index, starts its
 * recovery once the grace period has passed and never before; the recovery finishes it; a second sweep
 * starts nothing. A capture request whose run cannot be started (a later flight) is marked in saga-starts
 * and recovered the same way.
 */
let harness: SagaHarness;
const merchant = 'mer_sweeper_tests';
const region = deployment.primaryRegion;

beforeAll(async () => {
  // The handler reads its grace period once, at load: here a flight is overdue at once.
  process.env.SAGA_START_GRACE_SECONDS = '0';
  // The sweeper finds a creation flight through the merchants it knows (their profiles: the harness stores
  // one for each merchant it calls the API for).
  harness = await startSagaHarness();
});
afterAll(() => harness.stop());

/** The stored item: its recovery attributes (marker, writing region), and the payment or refund it holds, as the domain reads it. */
const item = async (pk: string, sk: string) => {
  const stored = (await harness.db.documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk, sk }, ConsistentRead: true }))).Item;
  if (!stored) return undefined;
  const object = objectOfItem(stored);
  return {
    saga_shard: stored.saga_shard,
    saga_pending_since: stored.saga_pending_since,
    rg: stored.rg,
    merchant_type: stored.merchant_type,
    ...(object?.kind === 'payment' ? object.payment : object?.refund),
  } as Record<string, unknown>;
};

/** The saga-starts index entries of one object (eventually consistent: DynamoDB Local updates it at once). */
const indexed = async (id: string) =>
  (
    await harness.db.documentClient.send(
      new QueryCommand({
        TableName: tableName('payments'),
        IndexName: SAGA_STARTS_INDEX,
        KeyConditionExpression: 'saga_shard = :shard',
        FilterExpression: 'pk = :id',
        ExpressionAttributeValues: { ':shard': sagaStartShard(region, id), ':id': id },
      }),
    )
  ).Items ?? [];

/** The object's entry in its merchant's list index (the creation flights' way to the sweeper). */
const listed = async (id: string, merchantType: string) =>
  (
    await harness.db.documentClient.send(
      new QueryCommand({
        TableName: tableName('payments'),
        IndexName: 'merchant-objects',
        KeyConditionExpression: 'merchant_type = :type',
        FilterExpression: 'pk = :id',
        ExpressionAttributeValues: { ':type': merchantType, ':id': id },
      }),
    )
  ).Items ?? [];

/** The recoveries of an object: named by its id and when it went in flight. */
const recoveries = async (id: string) =>
  ((await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('sagaRecovery'), maxResults: 1000 })).executions ?? []).filter((execution) =>
    execution.name?.startsWith(`${id}-`),
  );

it('recovers a payment whose create could not run its workflow, found through its list index, only after the grace period, once', async () => {
  // Prepare: the create stores the payment; its synchronous run cannot be started
  const created = await harness.withStepFunctionsApiDown(() => harness.createPayment(merchant, { amount: 2500, currency: 'USD', payment_method: card(freshCardNumber()) }));
  expect(created).toMatchObject({ status: 201, json: { status: 'processing' } });
  const id = created.json.id as string;
  const stored = await item(id, 'payment');
  const createdAt = new Date(stored?.createdAt as string);
  // In flight since its creation, written in this region, in its merchant's list: no marker, no sparse index entry
  expect(stored).toMatchObject({ status: 'processing', inFlightSince: stored?.createdAt, rg: region, merchant_type: expect.stringMatching(new RegExp(`^${merchant}#payment#[0-3]$`)) });
  expect(stored?.saga_shard).toBeUndefined();
  expect(await indexed(id)).toEqual([]);
  expect(await listed(id, stored?.merchant_type as string)).toHaveLength(1);
  expect(await harness.executions('payment', id)).toEqual([]);

  // Act 1: a sweep inside the grace period
  const early = await harness.sweep(new Date(createdAt.getTime() + 119_000));
  // Assess 1: not touched
  expect(early.started).toEqual([]);
  expect(await recoveries(id)).toEqual([]);

  // Act 2: past the grace period
  const due = await harness.sweep(new Date(createdAt.getTime() + 121_000));
  // Assess 2: its recovery (named by the id and since when it is in flight) runs the payment workflow to the end
  expect(due.window.from < createdAt.toISOString() && createdAt.toISOString() < due.window.to).toBe(true);
  expect(due.started).toEqual([{ kind: 'payment', id, since: createdAt.toISOString() }]);
  expect(due.failed).toEqual([]);
  const recovery = await harness.finished('sagaRecovery', `${id}-${createdAt.getTime()}`);
  expect(recovery.status).toBe('SUCCEEDED');
  expect(JSON.parse(recovery.input ?? '{}')).toEqual({ kind: 'payment', id, paymentId: id });
  const resumed = await harness.finished('payment', `${id}-resume`);
  expect(JSON.parse(resumed.input ?? '{}')).toMatchObject({ paymentId: id, action: 'resume' });
  const after = await item(id, 'payment');
  expect(after).toMatchObject({ status: 'succeeded' });
  expect(after?.saga_shard).toBeUndefined();
  expect(after?.saga_pending_since).toBeUndefined();
  expect(await indexed(id)).toEqual([]);

  // Act 3 / Assess 3: a second sweep starts nothing
  expect((await harness.sweep(new Date(createdAt.getTime() + 600_000))).started).toEqual([]);
  expect(await recoveries(id)).toHaveLength(1);
});

it('leaves no marker behind a payment its run finished, nor behind one waiting for its capture (its window holds it)', async () => {
  const created = await harness.createPayment(merchant, { amount: 1200, currency: 'USD', payment_method: card(freshCardNumber()) });
  expect(created.json.status).toBe('succeeded');
  expect((await item(created.json.id, 'payment'))?.saga_shard).toBeUndefined();
  expect(await indexed(created.json.id)).toEqual([]);
  const manual = await harness.createPayment(merchant, { amount: 1200, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
  expect(manual.json.status).toBe('requires_capture');
  expect((await item(manual.json.id, 'payment'))?.saga_shard).toBeUndefined();
});

it('recovers a refund whose run could not be started, found through its list index, through the scheduled handler', async () => {
  // Prepare: a settled payment (the refund's ledger posting needs available funds), then a refund whose run cannot start
  const payment = await harness.createPayment(merchant, { amount: 5000, currency: 'USD', payment_method: card(freshCardNumber()) });
  await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant, paymentId: payment.json.id, settlementId: `settlement-${payment.json.id}` });
  const answer = await harness.withStepFunctionsApiDown(() =>
    harness.api({ method: 'POST', resource: '/v1/refunds' }, merchant, { payment_id: payment.json.id, amount: 1000 }, 'refund-sweeper-1'),
  );
  expect(answer).toMatchObject({ status: 201, json: { status: 'pending' } });
  const id = answer.json.id as string;
  const after0 = await item(id, 'refund');
  // Refunds are listed per merchant now (written once): the sweeper's way to them; no marker
  expect(after0).toMatchObject({ status: 'pending', rg: region, merchant_type: expect.stringMatching(new RegExp(`^${merchant}#refund#[0-3]$`)) });
  expect(after0?.saga_shard).toBeUndefined();
  expect(await listed(id, after0?.merchant_type as string)).toHaveLength(1);

  // Act: the scheduled function, as EventBridge invokes it (grace period 0 in this file)
  const result = await harness.lambdas.invoke<{ started: number }>('sweepUnstartedSagas', scheduledEvent('sweepUnstartedSagas', new Date()));

  // Assess
  expect(result).toMatchObject({ started: 1, failed: 0 });
  expect((await harness.finished('sagaRecovery', `${id}-${Date.parse(after0?.createdAt as string)}`)).status).toBe('SUCCEEDED');
  const after = await item(id, 'refund');
  expect(after).toMatchObject({ status: 'succeeded' });
  expect(after?.saga_shard).toBeUndefined();
  expect(await indexed(id)).toEqual([]);
  expect(await harness.lambdas.invoke('sweepUnstartedSagas', scheduledEvent('sweepUnstartedSagas', new Date()))).toMatchObject({ started: 0 });
});

it('recovers a capture whose run could not be started (a later flight), through the saga-starts marker', async () => {
  // Prepare: a manual payment waiting for its capture (no marker: nothing to recover)
  const created = await harness.createPayment(merchant, { amount: 3300, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
  expect(created.json.status).toBe('requires_capture');
  const id = created.json.id as string;
  await harness.finished('payment', id);
  expect((await item(id, 'payment'))?.saga_shard).toBeUndefined();

  // Act 1: the capture is recorded, but its run cannot be started (the Step Functions API is down)
  await harness.withStepFunctionsApiDown(() => harness.api({ method: 'POST', resource: '/v1/payments/{id}/capture', pathParameters: { id } }, merchant, {}));

  // Assess 1: in flight since the request, later than its creation: marked in saga-starts
  const requested = await item(id, 'payment');
  const since = requested?.inFlightSince as string;
  expect(requested).toMatchObject({ status: 'processing', saga_shard: sagaStartShard(region, id), saga_pending_since: since });
  expect(since > (requested?.createdAt as string)).toBe(true);
  expect(await indexed(id)).toHaveLength(1);

  // Act 2: a sweep 40 minutes later: the payment's creation is out of the sweep's lookback (30 minutes), so only
  // the marker can lead to it
  const due = await harness.sweep(new Date(Date.parse(since) + 40 * 60_000));
  expect(due.window.from > (requested?.createdAt as string)).toBe(true);

  // Assess 2: its recovery (named by the id and the request's time) captures it; the marker goes
  expect(due.started).toEqual([{ kind: 'payment', id, since }]);
  expect((await harness.finished('sagaRecovery', `${id}-${Date.parse(since)}`)).status).toBe('SUCCEEDED');
  const after = await item(id, 'payment');
  expect(after).toMatchObject({ status: 'succeeded', amountReceived: 3300 });
  expect(after?.saga_shard).toBeUndefined();
  expect(await indexed(id)).toEqual([]);
});
