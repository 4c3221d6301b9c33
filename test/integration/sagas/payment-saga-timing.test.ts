import { type SagaHarness, card, freshCardNumber, startSagaHarness } from '../../support/saga-harness';

/**
 * The payment saga against time: an authorization that expires before its merchant captures it (the
 * wait's TimeoutSecondsPath, scaled down here: a week passes in well under a second).
 */
let harness: SagaHarness;
const merchant = 'mer_timing_tests';

beforeAll(async () => {
  harness = await startSagaHarness({ timeScale: 0.000_001 });
});
afterAll(() => harness.stop());

const get = async (id: string) => (await harness.api({ method: 'GET', resource: '/v1/payments/{id}', pathParameters: { id } }, merchant)).json;

it('cancels a manual payment whose authorization expires uncaptured, and releases the hold', async () => {
  const created = await harness.createPayment(merchant, { amount: 3100, currency: 'USD', capture_method: 'manual', payment_method: card(freshCardNumber()) });
  const execution = await harness.finished('payment', created.json.id);
  expect(execution.status).toBe('SUCCEEDED');
  expect(await get(created.json.id)).toMatchObject({ status: 'canceled', cancellation_reason: 'authorization_expired', amount_capturable: 0 });
  expect(await harness.totals('atlas', created.json.id)).toMatchObject({ approved: 1, captured: 0, released: 3100 });
});
