import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { PLATFORM_RISK_RULES } from '../../../lambdas/domain/risk';
import { tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * Every path of statemachines/payment.asl.json (Express, run synchronously by the API handlers) and of the
 * capture window (statemachines/payment-capture-window.asl.json, Standard), run from the files by the local
 * engine with the real handlers, DynamoDB Local, the local KMS and the acquirer simulators. Each test
 * checks what a merchant sees in the API's answer (no polling: the answer is the run's result), what the
 * channel recorded (exactly one charge), the path the run took, and that the ledger balances.
 */
let harness: SagaHarness;
const merchant = 'mer_saga_tests';

/** A merchant whose own risk rule set (version 1) is the platform's plus a block on BIN 410000. */
const riskMerchant = 'mer_saga_risk_rules';

beforeAll(async () => {
  harness = await startSagaHarness();
  const merchants = new DynamoDbMerchantRepository(harness.db.documentClient, tableName('merchants'));
  await merchants.insertMerchant({ id: riskMerchant, name: 'Risk Rules Ltd', status: 'active', createdAt: new Date().toISOString() });
  const rules = [...PLATFORM_RISK_RULES.rules, { id: 'blocked_bin', when: { bin: { in: ['410000'] } }, score: 100 }];
  await merchants.setRiskRules(riskMerchant, { owner: 'merchant', version: 1, rules, thresholds: PLATFORM_RISK_RULES.thresholds, setAt: new Date().toISOString() }, 0);
});
afterAll(() => harness.stop());

const get = async (id: string) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchant)).json;

/** Create a payment: the answer already holds the status its run reached. */
const pay = async (number: string, extra: Record<string, unknown> = {}) => {
  const created = await harness.createPayment(merchant, { amount: 1999, currency: 'USD', payment_method: card(number), ...extra });
  expect(created.status).toBe(201);
  const run = await harness.finished('payment', created.json.id);
  return { id: created.json.id as string, answer: created.json, run };
};

const ledgerIsBalanced = async () => {
  const report = await verifyLedger(harness.db.documentClient, tableName('ledger'));
  expect(report.differences).toEqual([]);
};

describe('automatic capture', () => {
  it('screens, sells (authorizes and captures in one request: decision 0053), posts and succeeds in one synchronous run: the answer is final, one charge, the ledger balanced', async () => {
    const { id, answer, run } = await pay(freshCardNumber());
    expect(run.status).toBe('SUCCEEDED');
    expect(answer).toMatchObject({ status: 'succeeded', amount_capturable: 0, amount_received: 1999, amount_refunded: 0, failure_code: null });
    expect(await get(id)).toEqual(answer);
    expect(await harness.enteredStates(run.executionArn!)).toEqual([
      'Action',
      'Screen',
      'NextStep',
      'Authorize',
      'NextStep',
      'PostToLedger',
    ]);
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 1999, captures: 1 });
    const balance = (await harness.api({ method: 'GET', resource: '/v1/balances' }, merchant)).json;
    expect(balance.pending).toEqual(expect.arrayContaining([{ currency: 'USD', amount: expect.any(Number) }]));
    await ledgerIsBalanced();
  });

  it('is listed, described and has its history in the Step Functions API, named by the payment id (AWS SDK)', async () => {
    const { id, run } = await pay(freshCardNumber());
    const sfn = new SFNClient({ endpoint: process.env.AWS_ENDPOINT_URL_SFN, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const listed = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: harness.engine.stateMachineArn('payment'), maxResults: 1000 }))).executions ?? [];
    expect(listed.filter((execution) => execution.name === id)).toEqual([expect.objectContaining({ executionArn: run.executionArn, status: 'SUCCEEDED' })]);
    expect(run.executionArn).toMatch(new RegExp(`:express:xborder-payment:${id}:`));
    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: run.executionArn, maxResults: 1000 }))).events ?? [];
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc'],
  ])('answers the issuer decline of %s as failed %s, without compensation', async (number, code) => {
    const { id, answer, run } = await pay(number);
    expect(run.status).toBe('SUCCEEDED');
    expect(answer).toMatchObject({ status: 'failed', failure_code: code, amount_received: 0, amount_capturable: 0 });
    const states = await harness.enteredStates(run.executionArn!);
    expect(states.slice(-3)).toEqual(['Authorize', 'NextStep', 'Finished']);
    expect(states).not.toContain('ReleaseAfterFailure');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 0, declined: 1 });
  });

  it("declines by the merchant's risk rules before any channel sees the card, recording the version that decided", async () => {
    // Prepare: a merchant whose own rule set (version 1) blocks BIN 410000 (beforeAll)
    // Act
    const created = await harness.createPayment(riskMerchant, { amount: 1999, currency: 'USD', payment_method: card('4100000000000019') });
    const run = await harness.finished('payment', created.json.id);
    // Assess
    expect(created.json).toMatchObject({ status: 'failed', failure_code: 'risk_declined' });
    expect(await harness.enteredStates(run.executionArn!)).toEqual(['Action', 'Screen', 'NextStep', 'Finished']);
    expect(await harness.totals('atlas', created.json.id)).toBeUndefined();
    const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id: created.json.id } }, riskMerchant)).json.data;
    expect(timeline.find((event: { type: string }) => event.type === 'payment.failed').data).toMatchObject({ risk_decision: 'decline', risk_reasons: 'blocked_bin', risk_rules: 'merchant/1' });
  });

  it("approves the same card for a merchant on the platform's defaults, which block no card", async () => {
    const { answer } = await pay('4100000000000019');
    expect(answer).toMatchObject({ status: 'succeeded' });
  });

  it('declines the sixth payment with one card inside the velocity window (card_velocity)', async () => {
    const number = freshCardNumber();
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await pay(number)).answer.status).toBe('succeeded');
    const sixth = await pay(number);
    expect(sixth.answer).toMatchObject({ status: 'failed', failure_code: 'risk_declined' });
    const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id: sixth.id } }, merchant)).json.data;
    expect(timeline.find((event: { type: string }) => event.type === 'payment.failed').data).toMatchObject({ risk_reasons: 'card_velocity', risk_rules: 'platform/1' });
  });

  it('retries a transient channel error inside the run and then succeeds, charging once', async () => {
    const { id, answer, run } = await pay('4000000000000119');
    expect(answer).toMatchObject({ status: 'succeeded' });
    const failures = (await harness.history(run.executionArn!)).filter((event) => event.type === 'LambdaFunctionFailed').map((event) => event.lambdaFunctionFailedEventDetails?.error);
    expect(failures).toContain('ChannelUnavailable');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1 });
  });

  it('resolves a channel timeout by retrying with the same key: one authorization, one charge', async () => {
    const { id, answer, run } = await pay('4000000000000911');
    expect(answer).toMatchObject({ status: 'succeeded' });
    const failures = (await harness.history(run.executionArn!)).filter((event) => event.type === 'LambdaFunctionFailed').map((event) => event.lambdaFunctionFailedEventDetails?.error);
    expect(failures).toContain('ChannelTimeout');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 1999 });
  });

  it('routes each currency to a channel that settles it (JPY to boreal, 0 decimals; KWD, 3 decimals)', async () => {
    for (const [currency, amount] of [['JPY', 1500], ['KWD', 12345]] as const) {
      const { id, answer } = await pay(freshCardNumber(), { currency, amount });
      expect(answer).toMatchObject({ status: 'succeeded', currency, amount_received: amount });
      expect(await harness.totals('boreal', id)).toMatchObject({ approved: 1, captured: amount });
    }
    await ledgerIsBalanced();
  });

  it('fails a currency no channel settles, before any channel sees it', async () => {
    const { answer } = await pay(freshCardNumber(), { currency: 'ISK', amount: 1000 });
    expect(answer).toMatchObject({ status: 'failed', failure_code: 'currency_not_supported' });
  });

  it('voids the authorization and fails the payment when the capture is refused', async () => {
    const { id, answer, run } = await pay('4000000000000259');
    expect(answer).toMatchObject({ status: 'failed', failure_code: 'capture_failed', amount_received: 0 });
    expect((await harness.enteredStates(run.executionArn!)).slice(-2)).toEqual(['Capture', 'ReleaseAfterFailure']);
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 0, released: 1999 });
  });
});

describe('manual capture', () => {
  const authorize = async (amount = 5000) => {
    const created = await harness.createPayment(merchant, { amount, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
    expect(created.json).toMatchObject({ status: 'requires_capture', amount_capturable: amount });
    return created.json.id as string;
  };
  const window = (id: string) => harness.engine.describeExecution(`${harness.engine.stateMachineArn('paymentCaptureWindow').replace(':stateMachine:', ':execution:')}:${id}`);
  const capture = (id: string, body: unknown = {}) =>
    harness.api({ method: 'POST', resource: '/v1/payments/{id}/capture', pathParameters: { id } }, merchant, body);
  const cancel = (id: string) => harness.api({ method: 'POST', resource: '/v1/payments/{id}/cancel', pathParameters: { id } }, merchant, {});

  it('waits in requires_capture in a capture window (Standard, named by the id); the capture answers succeeded and closes the window', async () => {
    const id = await authorize();
    expect((await harness.finished('payment', id)).status).toBe('SUCCEEDED');
    expect(await harness.enteredStates((await harness.finished('payment', id)).executionArn!)).toContain('OpenCaptureWindow');
    expect(await window(id)).toMatchObject({ status: 'RUNNING', name: id });
    expect(await get(id)).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });

    const captured = await capture(id);
    expect(captured).toMatchObject({ status: 200, json: { status: 'succeeded', amount_capturable: 0, amount_received: 5000 } });
    const run = await harness.finished('payment', `${id}-capture`);
    expect(await harness.enteredStates(run.executionArn!)).toEqual(['Action', 'CaptureRequested', 'Capture', 'PostToLedger']);
    expect((await harness.engine.waitForExecution((await window(id)).executionArn!)).status).toBe('SUCCEEDED');
    // The window took one state transition: all a manual payment costs in Standard workflows.
    expect((await harness.enteredStates((await window(id)).executionArn!))).toEqual(['AwaitCapture']);
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 5000, released: 0 });
  });

  it('captures part of the authorization and releases the rest', async () => {
    const id = await authorize(5000);
    expect(await capture(id, { amount_to_capture: 3200 })).toMatchObject({ status: 200, json: { status: 'succeeded', amount_received: 3200, amount_capturable: 0 } });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 3200, released: 1800 });
    await ledgerIsBalanced();
  });

  it('refuses to capture more than authorized (422), and to capture twice (409)', async () => {
    const id = await authorize(5000);
    const tooMuch = await capture(id, { amount_to_capture: 5001 });
    expect(tooMuch).toMatchObject({ status: 422, json: { code: 'amount_too_large', errors: [{ field: 'amount_to_capture' }] } });
    expect(await get(id)).toMatchObject({ status: 'requires_capture', amount_capturable: 5000 });
    expect((await capture(id)).status).toBe(200);
    expect(await capture(id)).toMatchObject({ status: 409, json: { code: 'payment_not_capturable' } });
    expect(await harness.totals('atlas', id)).toMatchObject({ captures: 1 });
  });

  it('cancels before capture: the hold is released, the window closes, and the canceled payment refuses a capture', async () => {
    const id = await authorize(4000);
    const canceled = await cancel(id);
    expect(canceled).toMatchObject({ status: 200, json: { status: 'canceled', cancellation_reason: 'requested_by_customer', amount_capturable: 0, amount_received: 0 } });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 0, released: 4000 });
    expect(await capture(id)).toMatchObject({ status: 409, json: { code: 'payment_not_capturable' } });
    expect(await cancel(id)).toMatchObject({ status: 409, json: { code: 'payment_not_cancelable' } });
    const run = await harness.finished('payment', `${id}-cancel`);
    expect(await harness.enteredStates(run.executionArn!)).toEqual(['Action', 'ReleaseAuthorization', 'AfterRelease', 'Finished']);
    expect((await harness.engine.waitForExecution((await window(id)).executionArn!)).status).toBe('SUCCEEDED');
  });

  it.each([
    ['approved', () => freshCardNumber(), 'requires_capture', merchant],
    ['declined by the issuer', () => '4000000000000002', 'failed', merchant],
    ['declined by risk screening, before any authorization', () => '4100000000000019', 'failed', riskMerchant],
  ])('keeps no card number or CVC once the authorization has answered (%s): the hold is a tombstone', async (_case, number, status, owner) => {
    const created = await harness.createPayment(owner, { amount: 1999, currency: 'USD', capture_method: 'manual', payment_method: card(number()) });
    expect(created.json.status).toBe(status);
    const { Items = [] } = await harness.db.documentClient.send(new ScanCommand({ TableName: tableName('cardHolds') }));
    const held = Items.filter((item) => item.pk === created.json.id);
    expect(held).toEqual([expect.objectContaining({ sk: 'hold', fingerprint: expect.stringMatching(/^v1\./), discarded_at: expect.any(String) })]);
    expect(held[0]).not.toHaveProperty('ciphertext');
  });

  it('tells the whole story in the payment\'s timeline, one event per write', async () => {
    const id = await authorize(2500);
    await capture(id, { amount_to_capture: 2000 });
    const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchant)).json;
    expect(timeline.data.map((event: { type: string }) => event.type)).toEqual([
      'payment.created',
      'payment.screened',
      'payment.authorized',
      'payment.requires_capture',
      'payment.capture_requested',
      'payment.succeeded',
    ]);
    expect(timeline.data.at(-1).data).toMatchObject({ amount_received: 2000, amount_released: 500 });
    expect(JSON.stringify(timeline)).not.toMatch(/4242424242424242|"cvc"/);
  });
});
