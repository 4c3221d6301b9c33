import { randomUUID } from 'node:crypto';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { acquirerTotals, api, demoMerchants, eventually, runtimeInfo } from '../support/e2e';

/**
 * A scripted merchant over HTTP against `npm start`, with each test card: the statuses reached, the
 * amounts, refusals of illegal transitions, refunds up to the captured amount and not a unit more, exactly
 * one charge per payment at the simulated acquirer, balances settled by the acquirer's webhooks, and a
 * readable Step Functions execution of each payment's workflow run on the local endpoint.
 */
// Pixel Forge: Northwind's payment list is payments-api.test.ts's alone (it counts and pages it), and the
// e2e files run beside each other (jest.config.js `maxWorkers`).
const [pixel, northwind] = demoMerchants() as unknown as [{ api_key: string }, { api_key: string }];
const key = pixel.api_key;
const cardOf = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });
const terminal = ['succeeded', 'failed', 'canceled', 'requires_attention'];

const createAndSettle = async (number: string, extra: Record<string, unknown> = {}, until = terminal) => {
  const created = await api('POST', '/v1/payments', { key, idempotencyKey: randomUUID(), body: { amount: 2500, currency: 'USD', payment_method: cardOf(number), ...extra } });
  expect(created.status).toBe(201);
  // The create answers with the status its synchronous workflow run reached: final, or waiting for a capture.
  expect(until).toContain(created.json.status);
  const settled = await eventually(() => api('GET', `/v1/payments/${created.json.id}`, { key }), (got) => until.includes(got.json.status), 45_000);
  return settled.json;
};

describe('each test card', () => {
  it.each([
    ['4242424242424242', 'succeeded', null],
    ['5555555555554444', 'succeeded', null],
    ['4000000000000002', 'failed', 'card_declined'],
    ['4000000000009995', 'failed', 'insufficient_funds'],
    ['4000000000000119', 'succeeded', null],
    ['4000000000000259', 'failed', 'capture_failed'],
    ['4000000000000911', 'succeeded', null],
    ['4100000000000019', 'failed', 'risk_declined'],
  ])('%s ends %s (%s), charged at most once', async (number, status, code) => {
    const payment = await createAndSettle(number);
    expect(payment).toMatchObject({ status, failure_code: code });
    expect(payment.amount_received).toBe(status === 'succeeded' ? 2500 : 0);
    const totals = await acquirerTotals('atlas', payment.id);
    if (code === 'risk_declined') expect(totals).toBeUndefined();
    else expect(totals?.approved ?? 0).toBeLessThanOrEqual(1);
    if (status === 'succeeded') expect(totals).toMatchObject({ approved: 1, captures: 1, captured: 2500 });
  });
});

describe('manual capture, cancel and refunds', () => {
  it('captures part of a manual payment, refuses a second capture and a cancel, and refunds exactly the captured amount', async () => {
    const authorized = await createAndSettle('4242424242424242', { capture_method: 'manual', amount: 8000 }, ['requires_capture', ...terminal]);
    expect(authorized).toMatchObject({ status: 'requires_capture', amount_capturable: 8000 });

    const overCapture = await api('POST', `/v1/payments/${authorized.id}/capture`, { key, idempotencyKey: randomUUID(), body: { amount_to_capture: 8001 } });
    expect(overCapture).toMatchObject({ status: 422, json: { code: 'amount_too_large' } });
    const captured = await api('POST', `/v1/payments/${authorized.id}/capture`, { key, idempotencyKey: randomUUID(), body: { amount_to_capture: 6000 } });
    expect(captured.status).toBe(200);
    const succeeded = (await eventually(() => api('GET', `/v1/payments/${authorized.id}`, { key }), (got) => got.json.status === 'succeeded')).json;
    expect(succeeded).toMatchObject({ amount_received: 6000, amount_capturable: 0 });
    expect(await api('POST', `/v1/payments/${authorized.id}/capture`, { key, idempotencyKey: randomUUID(), body: {} })).toMatchObject({ status: 409, json: { code: 'payment_not_capturable' } });
    expect(await api('POST', `/v1/payments/${authorized.id}/cancel`, { key, idempotencyKey: randomUUID(), body: {} })).toMatchObject({ status: 409, json: { code: 'payment_not_cancelable' } });
    expect(await acquirerTotals('atlas', authorized.id)).toMatchObject({ approved: 1, captured: 6000, released: 2000 });

    // The acquirer settles the capture by webhook a couple of seconds later: the funds become available.
    await eventually(() => api('GET', '/v1/balances', { key }), (got) => (got.json.available.find((entry: { currency: string }) => entry.currency === 'USD')?.amount ?? 0) > 0);

    const refunds = [];
    for (const amount of [2500, 3500]) {
      const refund = await api('POST', '/v1/refunds', { key, idempotencyKey: randomUUID(), body: { payment_id: authorized.id, amount } });
      expect(refund.status).toBe(201);
      refunds.push((await eventually(() => api('GET', `/v1/refunds/${refund.json.id}`, { key }), (got) => got.json.status !== 'pending')).json);
    }
    expect(refunds.map((refund) => refund.status)).toEqual(['succeeded', 'succeeded']);
    expect(await api('POST', '/v1/refunds', { key, idempotencyKey: randomUUID(), body: { payment_id: authorized.id, amount: 1 } })).toMatchObject({
      status: 409,
      json: { code: 'payment_not_refundable' },
    });
    expect((await api('GET', `/v1/payments/${authorized.id}`, { key })).json).toMatchObject({ amount_received: 6000, amount_refunded: 6000 });
    expect(await acquirerTotals('atlas', authorized.id)).toMatchObject({ refunded: 6000 });
  });

  it('cancels an authorized manual payment: released at the acquirer, refused afterwards', async () => {
    const authorized = await createAndSettle('4242424242424242', { capture_method: 'manual' }, ['requires_capture', ...terminal]);
    expect((await api('POST', `/v1/payments/${authorized.id}/cancel`, { key, idempotencyKey: randomUUID(), body: { cancellation_reason: 'abandoned' } })).status).toBe(200);
    const canceled = (await eventually(() => api('GET', `/v1/payments/${authorized.id}`, { key }), (got) => got.json.status === 'canceled')).json;
    expect(canceled).toMatchObject({ cancellation_reason: 'abandoned', amount_capturable: 0 });
    expect(await acquirerTotals('atlas', authorized.id)).toMatchObject({ approved: 1, captured: 0, released: 2500 });
    expect(await api('POST', '/v1/refunds', { key, idempotencyKey: randomUUID(), body: { payment_id: authorized.id } })).toMatchObject({ status: 409 });
  });
});

describe('what operations see', () => {
  it('lists one workflow run per payment request, named by the payment id, with a readable history', async () => {
    const payment = await createAndSettle('4242424242424242');
    const sfn = new SFNClient({ endpoint: runtimeInfo().sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'ops', secretAccessKey: 'ops' } });
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:xborder-payment';
    const executions = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, nextToken }));
      executions.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    // Express runs: listed here by the local API (in AWS the console lists them from CloudWatch Logs).
    expect(executions.filter((execution) => execution.name === payment.id)).toHaveLength(1);

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: executions.find((execution) => execution.name === payment.id)?.executionArn }));
    const states = (history.events ?? []).filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name);
    expect(states).toEqual(['Action', 'Screen', 'NextStep', 'Authorize', 'NextStep', 'PostToLedger']);
    expect(JSON.stringify(history)).not.toContain('4242424242424242');
  });

  it('shows the payment timeline to its merchant only', async () => {
    const payment = await createAndSettle('4242424242424242');
    const own = await api('GET', `/v1/payments/${payment.id}/events`, { key });
    expect(own.json.data.map((event: { type: string }) => event.type)).toEqual(['payment.created', 'payment.screened', 'payment.authorized', 'payment.succeeded']);
    expect((await api('GET', `/v1/payments/${payment.id}/events`, { key: northwind.api_key })).status).toBe(404);
  });
});
