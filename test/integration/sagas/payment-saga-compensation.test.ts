import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { tableName } from '../../../platform/tables';
import { suiteDynamoDbEndpoint } from '../../support/dynamodb';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The compensation paths of statemachines/payment.asl.json, forced with faults injected in front of
 * DynamoDB Local (a write refused for good) and by taking an acquirer away. After each: the money is back
 * where it started (or the payment says it is not, loudly), and the ledger balances.
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

const statesOf = async (paymentId: string) => {
  const sfn = new SFNClient({ endpoint: process.env.AWS_ENDPOINT_URL_SFN, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const arn = `${harness.engine.stateMachineArn('payment').replace(':stateMachine:', ':execution:')}:${paymentId}`;
  const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))).events ?? [];
  return events.filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name);
};
const run = async () => {
  const created = await harness.createPayment(merchant, { amount: 2400, currency: 'USD', payment_method: card(freshCardNumber()) });
  const execution = await harness.finished('payment', created.json.id);
  const payment = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id: created.json.id } }, merchant)).json;
  return { id: created.json.id as string, execution, payment };
};
const ledgerIsBalanced = async () => expect((await verifyLedger(harness.db.documentClient, tableName('ledger'))).differences).toEqual([]);
const writes = (needle: string) => (request: Record<string, unknown>) => JSON.stringify(request).includes(needle);

it('refunds the capture at the channel when the ledger posting fails for good', async () => {
  proxy.inject({ operation: 'TransactWriteItems', when: writes(`"TableName":"${tableName('ledger')}"`), error: refusedForGood });
  const { id, payment, execution } = await run();
  expect(execution.status).toBe('SUCCEEDED');
  expect(payment).toMatchObject({ status: 'failed', failure_code: 'processing_error' });
  expect(await statesOf(id)).toEqual(expect.arrayContaining(['Capture', 'PostToLedger', 'RefundCapture', 'FailPayment', 'FailedAndCompensated']));
  expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 2400, refunded: 2400 });
  proxy.clear();
  await ledgerIsBalanced();
});

it('reverses the posting and refunds when completing the payment fails for good', async () => {
  proxy.inject({ operation: 'TransactWriteItems', when: writes('"payment.succeeded"'), error: refusedForGood });
  const { id, payment } = await run();
  expect(payment).toMatchObject({ status: 'failed' });
  expect(await statesOf(id)).toEqual(expect.arrayContaining(['PostToLedger', 'Complete', 'ReverseLedgerPosting', 'RefundCapture', 'FailPayment']));
  expect(await harness.totals('atlas', id)).toMatchObject({ captured: 2400, refunded: 2400 });
  proxy.clear();
  await ledgerIsBalanced();
  const balance = (await harness.api({ method: 'GET', resource: '/v1/balances' }, merchant)).json;
  // The capture's posting and its reversal cancel out: nothing of this payment is pending for the merchant.
  expect(balance.pending.find((entry: { currency: string }) => entry.currency === 'USD')?.amount ?? 0).toBe(0);
});

it('marks the payment requires_attention and fails the execution when a compensation keeps failing', async () => {
  await harness.acquirers.atlas.stop();
  try {
    const { id, payment, execution } = await run();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'CompensationFailed' });
    expect(payment).toMatchObject({ status: 'requires_attention', failure_code: 'requires_attention' });
    expect(await statesOf(id)).toEqual(expect.arrayContaining(['Authorize', 'VoidAuthorization', 'VoidFailed', 'RequiresAttention', 'CompensationFailed']));
    const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchant)).json.data;
    expect(timeline.at(-1)).toMatchObject({ type: 'payment.requires_attention', data: { reason: expect.stringContaining('VoidAuthorization') } });
  } finally {
    await harness.restartAcquirer('atlas');
  }
});

it('finishes a payment whose saga was interrupted mid-capture by a restart: one charge, one capture', async () => {
  const held = (proxy.counts.faulted.TransactWriteItems ?? 0) + 1;
  proxy.inject({ operation: 'TransactWriteItems', when: writes('"payment.captured"'), delayMs: 1_500, times: 1 });
  const created = await harness.createPayment(merchant, { amount: 2600, currency: 'USD', payment_method: card(freshCardNumber()) });
  // The capture happened at the channel and its record is on its way to DynamoDB: stop the engine now.
  while ((proxy.counts.faulted.TransactWriteItems ?? 0) < held) await new Promise((wait) => setTimeout(wait, 10));
  await harness.restartEngine();
  const execution = await harness.finished('payment', created.json.id);
  expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  const payment = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id: created.json.id } }, merchant)).json;
  expect(payment).toMatchObject({ status: 'succeeded', amount_received: 2600 });
  expect(await harness.totals('atlas', created.json.id)).toMatchObject({ approved: 1, captures: 1, captured: 2600 });
  await ledgerIsBalanced();
});
