import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { tableName } from '../../../platform/tables';
import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * Every path of statemachines/payment.asl.json, run from the file by the local engine with the real
 * handlers, DynamoDB Local, the local KMS and the acquirer simulators. Each test checks what a merchant
 * sees (statuses, amounts), what the channel recorded (exactly one charge), and that the ledger balances.
 */
let harness: SagaHarness;
const merchant = 'mer_saga_tests';

beforeAll(async () => {
  harness = await startSagaHarness();
});
afterAll(() => harness.stop());

const pay = async (number: string, extra: Record<string, unknown> = {}) => {
  const created = await harness.createPayment(merchant, { amount: 1999, currency: 'USD', payment_method: card(number), ...extra });
  expect(created.status).toBe(201);
  const execution = await harness.finishedOrWaiting(created.json.id);
  if (execution === 'waiting') throw new Error(`${created.json.id} waits for a capture`);
  const payment = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id: created.json.id } }, merchant)).json;
  return { id: created.json.id as string, payment, execution };
};

/** The execution's history, as the Step Functions console shows it. */
const history = async (paymentId: string) => {
  const sfn = new SFNClient({ endpoint: process.env.AWS_ENDPOINT_URL_SFN, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const arn = `${harness.engine.stateMachineArn('payment').replace(':stateMachine:', ':execution:')}:${paymentId}`;
  const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))).events ?? [];
  return events;
};

const enteredStates = async (paymentId: string) =>
  (await history(paymentId)).filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name);

const ledgerIsBalanced = async () => {
  const report = await verifyLedger(harness.db.documentClient, tableName('ledger'));
  expect(report.differences).toEqual([]);
};

describe('automatic capture', () => {
  it('approves, captures, posts and succeeds: one charge, the ledger balanced', async () => {
    const { id, payment, execution } = await pay(freshCardNumber());
    expect(execution.status).toBe('SUCCEEDED');
    expect(payment).toMatchObject({ status: 'succeeded', amount_capturable: 0, amount_received: 1999, amount_refunded: 0, failure_code: null });
    expect(await enteredStates(id)).toEqual(['Screen', 'ScreeningDecision', 'Route', 'Authorize', 'AuthorizationDecision', 'Capture', 'PostToLedger', 'Complete', 'Succeeded']);
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 1999, captures: 1 });
    const balance = (await harness.api({ method: 'GET', resource: '/v1/balances' }, merchant)).json;
    expect(balance.pending).toEqual(expect.arrayContaining([{ currency: 'USD', amount: expect.any(Number) }]));
    await ledgerIsBalanced();
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc'],
  ])('records the issuer decline of %s as failed %s, without compensation', async (number, code) => {
    const { id, payment, execution } = await pay(number);
    expect(execution.status).toBe('SUCCEEDED');
    expect(payment).toMatchObject({ status: 'failed', failure_code: code, amount_received: 0, amount_capturable: 0 });
    const states = await enteredStates(id);
    expect(states.at(-1)).toBe('Declined');
    expect(states).not.toContain('VoidAuthorization');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 0, declined: 1 });
  });

  it('declines by risk screening before any channel sees the card', async () => {
    const { id, payment } = await pay('4100000000000019');
    expect(payment).toMatchObject({ status: 'failed', failure_code: 'risk_declined' });
    expect(await enteredStates(id)).toEqual(['Screen', 'ScreeningDecision', 'Declined']);
    expect(await harness.totals('atlas', id)).toBeUndefined();
  });

  it('declines the sixth payment with one card inside the velocity window (card_velocity)', async () => {
    const number = freshCardNumber();
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await pay(number)).payment.status).toBe('succeeded');
    const sixth = await pay(number);
    expect(sixth.payment).toMatchObject({ status: 'failed', failure_code: 'risk_declined' });
    const screened = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id: sixth.id } }, merchant)).json.data;
    expect(screened.find((event: { type: string }) => event.type === 'payment.failed').data.risk_reasons).toContain('card_velocity');
  });

  it('retries a transient processing error and then succeeds, charging once', async () => {
    const { id, payment } = await pay('4000000000000119');
    expect(payment).toMatchObject({ status: 'succeeded' });
    const failures = (await history(id)).filter((event) => event.type === 'LambdaFunctionFailed').map((event) => event.lambdaFunctionFailedEventDetails?.error);
    expect(failures).toContain('ChannelUnavailable');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1 });
  });

  it('resolves a channel timeout by retrying with the same key: one authorization, one charge', async () => {
    const { id, payment } = await pay('4000000000000911');
    expect(payment).toMatchObject({ status: 'succeeded' });
    const failures = (await history(id)).filter((event) => event.type === 'LambdaFunctionFailed').map((event) => event.lambdaFunctionFailedEventDetails?.error);
    expect(failures).toContain('ChannelTimeout');
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captures: 1, captured: 1999 });
  });

  it('routes each currency to a channel that settles it (JPY to boreal, 0 decimals; KWD, 3 decimals)', async () => {
    for (const [currency, amount] of [['JPY', 1500], ['KWD', 12345]] as const) {
      const { id, payment } = await pay(freshCardNumber(), { currency, amount });
      expect(payment).toMatchObject({ status: 'succeeded', currency, amount_received: amount });
      expect(await harness.totals('boreal', id)).toMatchObject({ approved: 1, captured: amount });
    }
    await ledgerIsBalanced();
  });

  it('voids the authorization and fails the payment when the capture is refused', async () => {
    const { id, payment } = await pay('4000000000000259');
    expect(payment).toMatchObject({ status: 'failed', failure_code: 'capture_failed', amount_received: 0 });
    const states = await enteredStates(id);
    expect(states).toEqual(expect.arrayContaining(['Capture', 'VoidAuthorization', 'FailPayment', 'FailedAndCompensated']));
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 0, released: 1999 });
  });
});

describe('manual capture', () => {
  const authorize = async (amount = 5000) => {
    const created = await harness.createPayment(merchant, { amount, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
    expect(await harness.finishedOrWaiting(created.json.id)).toBe('waiting');
    return created.json.id as string;
  };
  const get = async (id: string) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchant)).json;
  const capture = (id: string, body: unknown = {}) =>
    harness.api({ method: 'POST', resource: '/v1/payments/{id}/capture', pathParameters: { id } }, merchant, body);
  const cancel = (id: string) => harness.api({ method: 'POST', resource: '/v1/payments/{id}/cancel', pathParameters: { id } }, merchant, {});

  it('waits in requires_capture with the whole amount capturable, then captures it all', async () => {
    const id = await authorize();
    expect(await get(id)).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });
    expect((await capture(id)).status).toBe(200);
    expect((await harness.finished('payment', id)).status).toBe('SUCCEEDED');
    expect(await get(id)).toMatchObject({ status: 'succeeded', amount_capturable: 0, amount_received: 5000 });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 5000, released: 0 });
    expect(await enteredStates(id)).toEqual(expect.arrayContaining(['AwaitCapture', 'Capture', 'PostToLedger', 'Complete', 'Succeeded']));
  });

  it('captures part of the authorization and releases the rest', async () => {
    const id = await authorize(5000);
    expect((await capture(id, { amount_to_capture: 3200 })).status).toBe(200);
    await harness.finished('payment', id);
    expect(await get(id)).toMatchObject({ status: 'succeeded', amount_received: 3200, amount_capturable: 0 });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 3200, released: 1800 });
    await ledgerIsBalanced();
  });

  it('refuses to capture more than authorized (422), and to capture twice (409)', async () => {
    const id = await authorize(5000);
    const tooMuch = await capture(id, { amount_to_capture: 5001 });
    expect(tooMuch).toMatchObject({ status: 422, json: { code: 'amount_too_large', errors: [{ field: 'amount_to_capture' }] } });
    expect(await get(id)).toMatchObject({ status: 'requires_capture', amount_capturable: 5000 });
    expect((await capture(id)).status).toBe(200);
    await harness.finished('payment', id);
    expect(await capture(id)).toMatchObject({ status: 409, json: { code: 'payment_not_capturable' } });
    expect(await harness.totals('atlas', id)).toMatchObject({ captures: 1 });
  });

  it('cancels before capture: the hold is released, and the canceled payment refuses a capture', async () => {
    const id = await authorize(4000);
    const canceled = await cancel(id);
    expect(canceled.status).toBe(200);
    await harness.finished('payment', id);
    expect(await get(id)).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer', amount_capturable: 0, amount_received: 0 });
    expect(await harness.totals('atlas', id)).toMatchObject({ approved: 1, captured: 0, released: 4000 });
    expect(await capture(id)).toMatchObject({ status: 409, json: { code: 'payment_not_capturable' } });
    expect(await cancel(id)).toMatchObject({ status: 409, json: { code: 'payment_not_cancelable' } });
    expect(await enteredStates(id)).toEqual(expect.arrayContaining(['AwaitCapture', 'ReleaseCanceledAuthorization', 'CancelPayment', 'Canceled']));
  });

  it('keeps no CVC once the authorization has answered', async () => {
    const id = await authorize();
    const { Items = [] } = await harness.db.documentClient.send(
      new (await import('@aws-sdk/lib-dynamodb')).ScanCommand({ TableName: tableName('vault') }),
    );
    const held = Items.find((item) => item.pk === id && item.sk === 'cvc');
    expect(held).toBeDefined();
    expect(held).not.toHaveProperty('ciphertext');
  });

  it('tells the whole story in the payment\'s timeline', async () => {
    const id = await authorize(2500);
    await capture(id, { amount_to_capture: 2000 });
    await harness.finished('payment', id);
    const timeline = (await harness.api({ method: 'GET', resource: '/v1/payments/{id}/events', pathParameters: { id } }, merchant)).json;
    expect(timeline.data.map((event: { type: string }) => event.type)).toEqual([
      'payment.created',
      'payment.screened',
      'payment.routed',
      'payment.authorized',
      'payment.requires_capture',
      'payment.capture_requested',
      'payment.captured',
      'payment.succeeded',
    ]);
    expect(JSON.stringify(timeline)).not.toMatch(/4242424242424242|"cvc"/);
  });
});
