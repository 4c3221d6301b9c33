import { ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSagaStartMarkers } from '../../../lambdas/adapters/dynamodb/saga-start-markers';
import { StepFunctionsWorkflows } from '../../../lambdas/adapters/step-functions/workflows';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import { postSettlement } from '../../../lambdas/use-cases/ledger/postings';
import { sweepUnstartedSagas } from '../../../lambdas/use-cases/sweep-unstarted-sagas';
import { sfnClient } from '../../../lambdas/shared/clients';
import { ledgerPostingDeps } from '../../../lambdas/shared/ledger';
import { scheduledEvent } from '../../../local/schedules';
import { deployment } from '../../../platform/deployment';
import { SAGA_STARTS_INDEX, tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The saga-start sweeper (docs/decisions/0010-saga-start-sweeper.md) against DynamoDB Local, the real
 * payment and refund sagas on the local Step Functions engine and the real handlers: a create whose
 * StartExecution is refused (the Step Functions API is down) leaves its object marked; the sweeper starts
 * its saga once the grace period has passed and never before; the saga's first step removes the marker;
 * a second sweep starts nothing.
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

const item = async (pk: string, sk: string) =>
  (await harness.db.documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk, sk }, ConsistentRead: true }))).Item;

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

const executionArn = (machine: 'payment' | 'refund', id: string) => `${harness.engine.stateMachineArn(machine).replace(':stateMachine:', ':execution:')}:${id}`;
const executionExists = async (machine: 'payment' | 'refund', id: string) => {
  try {
    await harness.engine.describeExecution(executionArn(machine, id));
    return true;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return false;
    throw error;
  }
};

const sweep = (now: Date, graceSeconds = 120) =>
  sweepUnstartedSagas({
    markers: new DynamoDbSagaStartMarkers(harness.db.documentClient, { payments: tableName('payments'), payouts: tableName('payouts') }),
    workflows: new StepFunctionsWorkflows(sfnClient(), { payment: harness.engine.stateMachineArn('payment'), refund: harness.engine.stateMachineArn('refund'), payout: 'unused' }),
    now: () => now,
    region,
    graceSeconds,
    perShardLimit: 100,
    concurrency: 4,
  });

it('starts a payment whose create could not start its saga, only after the grace period, once; the first step removes the marker', async () => {
  // Prepare: the create stores the payment, then StartExecution is refused
  const created = await harness.withStepFunctionsApiDown(() => harness.createPayment(merchant, { amount: 2500, currency: 'USD', payment_method: card(freshCardNumber()) }));
  expect(created.status).toBe(500);
  const [stored] = (await harness.db.documentClient.send(new QueryCommand({
    TableName: tableName('payments'),
    IndexName: 'merchant-objects',
    KeyConditionExpression: 'merchant_type = :type',
    ExpressionAttributeValues: { ':type': `${merchant}#payment` },
  }))).Items ?? [];
  const id = stored?.pk as string;
  const createdAt = new Date(stored?.createdAt as string);
  expect(await item(id, 'payment')).toMatchObject({ status: 'processing', saga_shard: sagaStartShard(region, id), saga_pending_since: stored?.createdAt });
  expect(await indexed(id)).toHaveLength(1);
  expect(await executionExists('payment', id)).toBe(false);

  // Act 1: a sweep inside the grace period
  const early = await sweep(new Date(createdAt.getTime() + 119_000));
  // Assess 1: not touched
  expect(early.started).toEqual([]);
  expect(await executionExists('payment', id)).toBe(false);

  // Act 2: past the grace period
  const due = await sweep(new Date(createdAt.getTime() + 121_000));
  // Assess 2: started with the create path's input, and the saga runs to the end
  expect(due.started).toEqual([{ kind: 'payment', id, since: createdAt.toISOString() }]);
  expect(due.failed).toEqual([]);
  const execution = await harness.finished('payment', id);
  expect(execution.status).toBe('SUCCEEDED');
  expect(JSON.parse(execution.input ?? '{}')).toEqual({ paymentId: id, merchantId: merchant });
  const after = await item(id, 'payment');
  expect(after).toMatchObject({ status: 'succeeded' });
  // (b) the first step's write dropped the marker: out of the index
  expect(after?.saga_shard).toBeUndefined();
  expect(after?.saga_pending_since).toBeUndefined();
  expect(await indexed(id)).toEqual([]);

  // Act 3 / Assess 3: a second sweep starts nothing
  expect((await sweep(new Date(createdAt.getTime() + 600_000))).started).toEqual([]);
  expect((await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('payment') })).executions?.filter((listed) => listed.name === id)).toHaveLength(1);
});

it('leaves no marker behind a payment whose create path started its saga', async () => {
  const created = await harness.createPayment(merchant, { amount: 1200, currency: 'USD', payment_method: card(freshCardNumber()) });
  expect(created.status).toBe(201);
  await harness.finished('payment', created.json.id);
  expect((await item(created.json.id, 'payment'))?.saga_shard).toBeUndefined();
  expect(await indexed(created.json.id)).toEqual([]);
});

it('starts a refund whose create could not start its saga, through the scheduled handler; PostRefundToLedger removes the marker', async () => {
  // Prepare: a settled payment (the refund's ledger posting needs available funds), then a refund whose start is refused
  const payment = await harness.createPayment(merchant, { amount: 5000, currency: 'USD', payment_method: card(freshCardNumber()) });
  await harness.finished('payment', payment.json.id);
  await postSettlement(ledgerPostingDeps(), { merchantId: merchant, paymentId: payment.json.id, settlementId: `settlement-${payment.json.id}` });
  const answer = await harness.withStepFunctionsApiDown(() =>
    harness.api({ method: 'POST', resource: '/v1/refunds' }, merchant, { payment_id: payment.json.id, amount: 1000 }, 'refund-sweeper-1'),
  );
  expect(answer.status).toBe(500);
  const [refundItem] = (await harness.db.documentClient.send(new QueryCommand({
    TableName: tableName('payments'),
    IndexName: 'merchant-objects',
    KeyConditionExpression: 'merchant_type = :type',
    ExpressionAttributeValues: { ':type': `${merchant}#refund` },
  }))).Items ?? [];
  const id = refundItem?.pk as string;
  expect(refundItem).toMatchObject({ status: 'pending', saga_shard: sagaStartShard(region, id) });

  // Act: the scheduled function, as EventBridge invokes it (grace period 0 in this file)
  const result = await harness.lambdas.invoke<{ started: number }>('sweepUnstartedSagas', scheduledEvent('sweepUnstartedSagas', new Date()));

  // Assess
  expect(result).toMatchObject({ started: 1, failed: 0 });
  expect((await harness.finished('refund', id)).status).toBe('SUCCEEDED');
  const after = await item(id, 'refund');
  expect(after).toMatchObject({ status: 'succeeded' });
  expect(after?.saga_shard).toBeUndefined();
  expect(await indexed(id)).toEqual([]);
  expect(await harness.lambdas.invoke('sweepUnstartedSagas', scheduledEvent('sweepUnstartedSagas', new Date()))).toMatchObject({ started: 0 });
});
