import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { objectOfItem } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import { postSettlement } from '../../../lambdas/use-cases/ledger/postings';
import { ledgerPostingDeps } from '../../../lambdas/shared/ledger';
import { scheduledEvent } from '../../../local/schedules';
import { deployment } from '../../../platform/deployment';
import { SAGA_STARTS_INDEX, tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The recovery sweeper (docs/decisions/0010-saga-start-sweeper.md, 0011) against DynamoDB Local, the real
 * workflows on the local Step Functions engine and the real handlers: a create whose synchronous run cannot
 * be started (the Step Functions API is down) answers `processing` and leaves its object marked in flight;
 * the sweeper starts its recovery once the grace period has passed and never before; the recovery finishes
 * it and the write that ends it removes the marker; a second sweep starts nothing.
 */
let harness: SagaHarness;
const merchant = 'mer_sweeper_tests';
const region = deployment.primaryRegion;

beforeAll(async () => {
  // The handler reads its grace period once, at load: here a marker is overdue at once.
  process.env.SAGA_START_GRACE_SECONDS = '0';
  harness = await startSagaHarness();
});
afterAll(() => harness.stop());

/** The stored item: its recovery marker attributes, and the payment or refund it holds, as the domain reads it. */
const item = async (pk: string, sk: string) => {
  const stored = (await harness.db.documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk, sk }, ConsistentRead: true }))).Item;
  if (!stored) return undefined;
  const object = objectOfItem(stored);
  return { saga_shard: stored.saga_shard, saga_pending_since: stored.saga_pending_since, ...(object?.kind === 'payment' ? object.payment : object?.refund) } as Record<string, unknown>;
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

/** The recoveries of an object: named by its id and when it went in flight. */
const recoveries = async (id: string) =>
  ((await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('sagaRecovery'), maxResults: 1000 })).executions ?? []).filter((execution) =>
    execution.name?.startsWith(`${id}-`),
  );

it('recovers a payment whose create could not run its workflow, only after the grace period, once; the write that ends it removes the marker', async () => {
  // Prepare: the create stores the payment; its synchronous run cannot be started
  const created = await harness.withStepFunctionsApiDown(() => harness.createPayment(merchant, { amount: 2500, currency: 'USD', payment_method: card(freshCardNumber()) }));
  expect(created).toMatchObject({ status: 201, json: { status: 'processing' } });
  const id = created.json.id as string;
  const stored = await item(id, 'payment');
  const createdAt = new Date(stored?.createdAt as string);
  expect(stored).toMatchObject({ status: 'processing', saga_shard: sagaStartShard(region, id), saga_pending_since: stored?.createdAt });
  expect(await indexed(id)).toHaveLength(1);
  expect(await harness.executions('payment', id)).toEqual([]);

  // Act 1: a sweep inside the grace period
  const early = await harness.sweep(new Date(createdAt.getTime() + 119_000));
  // Assess 1: not touched
  expect(early.started).toEqual([]);
  expect(await recoveries(id)).toEqual([]);

  // Act 2: past the grace period
  const due = await harness.sweep(new Date(createdAt.getTime() + 121_000));
  // Assess 2: its recovery (named by the id and the version it was left at) runs the payment workflow to the end
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

it('recovers a refund whose run could not be started, through the scheduled handler', async () => {
  // Prepare: a settled payment (the refund's ledger posting needs available funds), then a refund whose run cannot start
  const payment = await harness.createPayment(merchant, { amount: 5000, currency: 'USD', payment_method: card(freshCardNumber()) });
  await postSettlement(ledgerPostingDeps(), { merchantId: merchant, paymentId: payment.json.id, settlementId: `settlement-${payment.json.id}` });
  const answer = await harness.withStepFunctionsApiDown(() =>
    harness.api({ method: 'POST', resource: '/v1/refunds' }, merchant, { payment_id: payment.json.id, amount: 1000 }, 'refund-sweeper-1'),
  );
  expect(answer).toMatchObject({ status: 201, json: { status: 'pending' } });
  const id = answer.json.id as string;
  const after0 = await item(id, 'refund');
  expect(after0).toMatchObject({ status: 'pending', saga_shard: sagaStartShard(region, id) });

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
