import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The payment workflows against time: an authorization that expires before its merchant captures it. The
 * capture window's wait (TimeoutSecondsPath) is scaled down here: a week passes in well under a second.
 */
let harness: SagaHarness;
const merchant = 'mer_timing_tests';

beforeAll(async () => {
  harness = await startSagaHarness({ timeScale: 0.000_001 });
});
afterAll(() => harness.stop());

const get = async (id: string) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchant)).json;

it('releases the hold of a manual payment whose authorization is about to expire uncaptured, through the payment workflow', async () => {
  const created = await harness.createPayment(merchant, { amount: 3100, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
  expect(created.json.status).toBe('requires_capture');
  const window = await harness.finished('paymentCaptureWindow', created.json.id);
  expect(window.status).toBe('SUCCEEDED');
  expect(await harness.enteredStates(window.executionArn!)).toEqual(['AwaitCapture', 'Expire']);
  const expiry = await harness.finished('payment', `${created.json.id}-expire`);
  expect(JSON.parse(expiry.input!)).toMatchObject({ paymentId: created.json.id, action: 'expire', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: window.executionArn });
  expect(await harness.enteredStates(expiry.executionArn!)).toEqual(['Action', 'ReleaseAuthorization', 'AfterRelease', 'Finished']);
  expect(await get(created.json.id)).toMatchObject({ status: 'canceled', cancellation_reason: 'authorization_expired', amount_capturable: 0 });
  expect(await harness.totals('atlas', created.json.id)).toMatchObject({ approved: 1, captured: 0, released: 3100 });
});
