import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { deriveId } from '../../../lambdas/domain/ids';
import { paymentCaptured } from '../../../lambdas/domain/ledger/postings';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { type DynamoDbFaultProxy, dynamoDbErrors, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { tableName } from '../../../platform/tables';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * What the payment workflow does when a step fails (docs/decisions/0011-express-and-standard-workflows.md):
 * a definite business failure compensates at once (refund the capture, void the hold); anything that may
 * pass (a dependency down, a channel silent, an unknown error) hands the payment over to the Standard
 * recovery, which runs the workflow again for hours and finishes it once the trouble clears, or flags it
 * requires_attention when it never does. Faults are injected in front of DynamoDB Local and by taking an
 * acquirer away. After each: one charge at most, the money where the payment says, the ledger balanced.
 */
let harness: SagaHarness;
let proxy: DynamoDbFaultProxy;
const merchant = 'mer_compensation_tests';
const refusedForGood = { type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'Item size has exceeded the maximum allowed size' };

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
  harness = await startSagaHarness({ dynamoDbEndpoint: proxy.endpoint });
});
afterEach(() => proxy.clear());
afterAll(async () => {
  await harness.stop();
  await proxy.stop();
});

const create = async (merchantId = merchant) => {
  const created = await harness.createPayment(merchantId, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) });
  expect(created.status).toBe(201);
  return { id: created.json.id as string, answer: created.json };
};
const get = async (id: string, merchantId = merchant) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchantId)).json;
const ledgerIsBalanced = async () => expect((await verifyLedger(harness.db.documentClient, tableName('ledger'))).differences).toEqual([]);
const writes = (needle: string) => (request: Record<string, unknown>) => JSON.stringify(request).includes(needle);
/** The write that records a payment's success: one conditional put of the payment (payment-items.ts: `st` is its status). */
const succeeds = (request: Record<string, unknown>) =>
  request.TableName === tableName('payments') && (request.Item as Record<string, { S?: string }> | undefined)?.st?.S === 'succeeded';
/** The payment item as stored (payment-items.ts: `ai` is its authorization id, `v` its version). */
const storedItem = async (id: string) =>
  (await harness.db.documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk: id, sk: 'payment' }, ConsistentRead: true }))).Item;
const timelineTypes = async (id: string, merchantId = merchant) =>
  ((await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchantId)).json.data as { type: string }[]).map((event) => event.type);
/** The recoveries started for a payment (named by its id and when it went in flight). */
const recoveries = async (id: string) =>
  ((await harness.engine.listExecutions({ stateMachineArn: harness.engine.stateMachineArn('sagaRecovery'), maxResults: 1000 })).executions ?? []).filter((execution) =>
    execution.name?.startsWith(`${id}-`),
  );

it('hands a payment whose ledger posting keeps failing over to the recovery, which finishes it once the fault clears: one capture, one posting', async () => {
  proxy.inject({ operation: 'TransactWriteItems', when: writes(`"TableName":"${tableName('ledger')}"`), error: refusedForGood });
  const { id, answer } = await create();
  // Not refunded: an unknown error is not a business failure. The merchant hears `processing`.
  expect(answer).toMatchObject({ status: 'processing' });
  const run = await harness.finished('payment', id);
  expect(run).toMatchObject({ status: 'FAILED', error: 'PaymentNotFinished' });
  expect((await harness.enteredStates(run.executionArn!)).slice(-3)).toEqual(['NextStep', 'PostToLedger', 'HandOver']);
  const [recovery] = await recoveries(id);
  expect(recovery).toMatchObject({ status: 'RUNNING' });

  proxy.clear();
  expect((await harness.engine.waitForExecution(recovery!.executionArn!)).status).toBe('SUCCEEDED');
  expect(await get(id)).toMatchObject({ status: 'succeeded', amount_received: 2400 });
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 2400, refunded: 0 });
  await ledgerIsBalanced();
});

it('retries a throttled DynamoDB inside the run: a short outage costs nothing but time', async () => {
  const throttled = proxy.counts.faulted.PutItem ?? 0;
  proxy.inject({ operation: 'PutItem', when: succeeds, error: dynamoDbErrors.throttled(), times: 8 });
  const { id, answer } = await create();
  expect((proxy.counts.faulted.PutItem ?? 0) - throttled).toBe(8);
  expect(answer).toMatchObject({ status: 'succeeded', amount_received: 2400 });
  expect(await recoveries(id)).toEqual([]);
  await ledgerIsBalanced();
});

it('answers processing while the acquirer is down, and the recovery finishes the payment when it is back: one charge', async () => {
  await harness.acquirers.atlas.stop();
  let id: string;
  try {
    const created = await create();
    id = created.id;
    expect(created.answer).toMatchObject({ status: 'processing' });
    const run = await harness.finished('payment', id);
    expect(run).toMatchObject({ status: 'FAILED', error: 'PaymentNotFinished' });
    expect(await harness.enteredStates(run.executionArn!)).toEqual(expect.arrayContaining(['Authorize', 'ReleaseAfterFailure', 'HandOver']));
  } finally {
    await harness.restartAcquirer('atlas');
  }
  const [recovery] = await recoveries(id);
  expect((await harness.engine.waitForExecution(recovery!.executionArn!)).status).toBe('SUCCEEDED');
  expect(await get(id)).toMatchObject({ status: 'succeeded', amount_received: 2400 });
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1 });
  await ledgerIsBalanced();
});

it('never authorizes without the card: an authorization that finds the hold expired asks the acquirer, and with nothing recorded fails the payment uncharged', async () => {
  const holds = tableName('cardHolds');
  const seen = (proxy.counts.faulted.GetItem ?? 0) + 1;
  // Authorize's read of the hold is held back while the hold expires (a recovery later than a hold lives).
  proxy.inject({ operation: 'GetItem', when: (request) => request.TableName === holds, delayMs: 1_000, times: 1 });
  const answered = harness.createPayment(merchant, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) });
  while ((proxy.counts.faulted.GetItem ?? 0) < seen) await new Promise((wait) => setTimeout(wait, 10));
  const [held] = ((await harness.db.documentClient.send(new ScanCommand({ TableName: holds, FilterExpression: 'attribute_exists(ciphertext)' }))).Items ?? []).filter(
    (item) => item.merchant_id === merchant,
  );
  await harness.db.documentClient.send(
    new UpdateCommand({ TableName: holds, Key: { pk: held?.pk, sk: 'hold' }, UpdateExpression: 'SET expires_at = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }),
  );
  const created = await answered;
  expect(created).toMatchObject({ status: 201, json: { id: held?.pk, status: 'failed', failure_code: 'processing_error', amount_received: 0 } });
  expect(await harness.totals('atlas', created.json.id)).toBeUndefined();
  // The card is gone either way: Authorize discarded the expired hold (the tombstone, no ciphertext), or
  // DynamoDB Local's TTL deleted the expired item before Authorize read it (it reaps expired items in the
  // background, as DynamoDB does, within the second the read is held back; seen under CI load).
  const hold = (await harness.db.documentClient.send(new GetCommand({ TableName: holds, Key: { pk: created.json.id, sk: 'hold' }, ConsistentRead: true }))).Item;
  if (hold) expect(hold).toMatchObject({ discarded_at: expect.any(String) });
  expect(hold ?? {}).not.toHaveProperty('ciphertext');
});

it('flags the payment requires_attention and fails the recovery (the alarm) when hours of runs never finish it', async () => {
  proxy.inject({ operation: 'TransactWriteItems', when: writes(`"TableName":"${tableName('ledger')}"`), error: refusedForGood });
  const { id } = await create();
  const [recovery] = await recoveries(id);
  const closed = await harness.engine.waitForExecution(recovery!.executionArn!);
  expect(closed).toMatchObject({ status: 'FAILED', error: 'RecoveryFailed' });
  // Twenty runs of the workflow (the recovery policy's attempts), each resuming from what the payment records.
  expect((await harness.executions('payment', `${id}-resume`)).length).toBe(21);
  expect(await get(id)).toMatchObject({ status: 'requires_attention', failure_code: 'requires_attention' });
  const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchant)).json.data;
  expect(timeline.at(-1)).toMatchObject({ type: 'payment.requires_attention', data: { reason: expect.stringContaining('Recovery failed') } });
  // Captured once, refunded never: the money is at the channel, and people know.
  expect(await harness.totals('atlas', id)).toMatchObject({ captures: 1, refunded: 0 });
}, 120_000);

it('finishes a payment whose run died with the engine mid-capture: the sweeper starts its recovery; one charge, one capture', async () => {
  const held = (proxy.counts.faulted.PutItem ?? 0) + 1;
  // Held, then refused for good (not retried by the SDK): the run's Lambda, orphaned by the engine's death, cannot finish either.
  proxy.inject({ operation: 'PutItem', when: succeeds, delayMs: 1_500, error: refusedForGood, times: 1 });
  const answered = harness.createPayment(merchant, { amount: 2600, currency: 'USD', payment_method: card(freshCardNumber()) });
  // The capture happened at the channel and the success is on its way to DynamoDB: the engine dies now.
  while ((proxy.counts.faulted.PutItem ?? 0) < held) await new Promise((wait) => setTimeout(wait, 10));
  const refusedAt = Date.now() + 1_600;
  await harness.restartEngine();
  const created = await answered;
  expect(created).toMatchObject({ status: 201, json: { status: 'processing' } });
  const id = created.json.id as string;
  expect(await harness.finished('payment', id)).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  // The orphaned write has been refused by now: the payment is stuck in flight, as after a real crash.
  await new Promise((wait) => setTimeout(wait, Math.max(0, refusedAt - Date.now())));
  expect(await get(id)).toMatchObject({ status: 'processing' });

  // Authorize wrote nothing (an automatic payment's approval travels in the run: decision record 0047), so the
  // payment is stored as screened, unauthorized, with its card hold discarded.
  expect(await storedItem(id)).toMatchObject({ v: 2 });
  expect(await storedItem(id)).not.toHaveProperty('ai');

  const swept = await harness.sweep(new Date(Date.now() + 600_000));
  expect(swept.started).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'payment', id })]));
  const [recovery] = await recoveries(id);
  expect((await harness.engine.waitForExecution(recovery!.executionArn!)).status).toBe('SUCCEEDED');
  expect(await get(id)).toMatchObject({ status: 'succeeded', amount_received: 2600 });
  // The recovery's Authorize took the acquirer's record under the same key: one authorization, recorded once.
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 2600 });
  expect(await timelineTypes(id)).toEqual(['payment.created', 'payment.screened', 'payment.authorized', 'payment.succeeded']);
  await ledgerIsBalanced();
});

it('gives the capture back when the ledger refuses its posting (RefundCapture): the approval carried in the run is what is refunded and recorded', async () => {
  // A capture of another amount already posted under this payment's id: its posting is refused for good (PostingConflictError).
  const idempotencyKey = `refused-${Date.now()}`;
  const id = deriveId('pay', merchant, idempotencyKey);
  await postLedgerEvent(ledgerPostingDeps(), paymentCaptured, { merchantId: merchant, paymentId: id, channel: 'atlas', currency: 'USD', amount: 100, authorizedAmount: 100 });
  const created = await harness.api({ method: 'POST', resource: '/v1/payments' }, merchant, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) }, idempotencyKey);
  expect(created).toMatchObject({ status: 201, json: { id, status: 'failed', failure_code: 'processing_error', amount_received: 0 } });
  const run = await harness.finished('payment', id);
  expect((await harness.enteredStates(run.executionArn!)).slice(-3)).toEqual(['NextStep', 'PostToLedger', 'RefundCapture']);
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 2400, refunds: 1, refunded: 2400 });
  // Authorization and failure in one write: the timeline reads as it did when Authorize wrote its own.
  expect(await storedItem(id)).toMatchObject({ v: 4, ai: expect.any(String) });
  expect(await timelineTypes(id)).toEqual(['payment.created', 'payment.screened', 'payment.authorized', 'payment.failed']);
  expect(await recoveries(id)).toEqual([]);
  await ledgerIsBalanced();
});

it('charges once when two runs of one automatic payment race through Authorize, Capture and PostToLedger (the approval in each run: decision 0047)', async () => {
  // A create whose run could not start (the Step Functions API down): stored screened, its card held. Two runs
  // then race over it, as a create's retry after its first request's lease ran out or was released (0048) runs
  // beside a first run still going, or a recovery beside an orphaned run: neither records the approval before
  // its end (0047), so both authorize (the same key), capture (the same key) and post (the same posting id).
  const created = await harness.withStepFunctionsApiDown(() => harness.createPayment(merchant, { amount: 2700, currency: 'USD', payment_method: card(freshCardNumber()) }));
  expect(created).toMatchObject({ status: 201, json: { status: 'processing' } });
  const id = created.json.id as string;
  const { workflows } = await import('../../../lambdas/wiring/payments');
  const runs = await Promise.all([workflows().runPayment({ paymentId: id, action: 'resume' }), workflows().runPayment({ paymentId: id, action: 'resume' })]);
  expect(runs.map((run) => run.outcome)).toEqual(['finished', 'finished']);
  // Both really went through Authorize (neither found the payment authorized: nothing is recorded before the end).
  const executions = await harness.executions('payment', `${id}-resume`);
  expect(executions).toHaveLength(2);
  for (const execution of executions) expect(await harness.enteredStates(execution.executionArn!)).toContain('Authorize');
  expect(await get(id)).toMatchObject({ status: 'succeeded', amount_received: 2700 });
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 2700, refunds: 0, released: 0 });
  expect(await timelineTypes(id)).toEqual(['payment.created', 'payment.screened', 'payment.authorized', 'payment.succeeded']);
  await ledgerIsBalanced();
});
