import { loadPriceTable } from '../../../bench/lib/cost-model';
import { UNRESERVED } from '../../../platform/functions';
import { type CeilingInput, mixCeilings, scaleCeilings, scaleCeilingsPer } from '../../../bench/lib/scale-ceiling';

/** quota ÷ use per payment, and the first limit reached named as binding. */
const prices = loadPriceTable();
const input: CeilingInput = {
  stepFunctionsTransitions: 10,
  stepFunctionsStarts: 1.2,
  stepFunctionsExpressStarts: 1.5,
  kmsRequests: 0.05,
  dynamoDbTables: { 'xborder-payments': { writeUnits: 40, readUnits: 20 } },
  apiRequests: 3,
  webhookRequests: 1,
  functions: {
    createPayment: { invocations: 1, meanDurationMs: 500, reservedConcurrency: 100 },
    screenPayment: { invocations: 1, meanDurationMs: 50, reservedConcurrency: 10 },
    authorizePayment: { invocations: 2, meanDurationMs: 100, reservedConcurrency: UNRESERVED },
    capturePayment: { invocations: 1, meanDurationMs: 150, reservedConcurrency: UNRESERVED },
  },
  reservedConcurrencyTotal: 200,
  stageRateLimit: 1000,
  webhookRateLimit: 200,
};

it('divides each quota by the use of one payment', () => {
  const { ceilings } = scaleCeilings(input, prices);
  const of = (id: string) => ceilings.find((entry) => entry.id === id)?.payments_per_second;
  expect(of('step_functions_state_transitions')).toBeCloseTo(150, 9);
  expect(of('step_functions_start_execution')).toBeCloseTo(250, 9);
  expect(of('step_functions_express_starts')).toBeCloseTo(4000, 9);
  expect(of('kms_requests')).toBeCloseTo(200_000, 6);
  expect(of('dynamodb_writes:xborder-payments')).toBeCloseTo(1000, 9);
  expect(of('dynamodb_reads:xborder-payments')).toBeCloseTo(2000, 9);
  expect(of('lambda_account_concurrency')).toBeCloseTo(1000 / 0.9, 6);
  // The unreserved functions share what the reservations leave: (1,000 − 200) ÷ (2 × 0.1 s + 0.15 s).
  expect(of('lambda_unreserved_pool')).toBeCloseTo(800 / 0.35, 6);
  expect(ceilings.some((entry) => entry.id === 'lambda_reserved_concurrency:authorizePayment')).toBe(false);
  expect(of('lambda_reserved_concurrency:createPayment')).toBeCloseTo(200, 9);
  expect(of('lambda_reserved_concurrency:screenPayment')).toBeCloseTo(200, 9);
  expect(of('api_stage_throttle')).toBeCloseTo(500, 9); // merchant requests only: 3 − 1 webhook
  expect(of('api_webhook_throttle')).toBeCloseTo(200, 9);
  expect(of('api_gateway_account_requests')).toBeCloseTo(10_000 / 3, 6);
});

it('names the AWS quota that binds first, and the first limit of any kind', () => {
  const result = scaleCeilings(input, prices);
  expect(result.binding_aws_quota?.id).toBe('step_functions_state_transitions');
  expect(result.binding_overall?.id).toBe('step_functions_state_transitions');
  const tight = scaleCeilings({ ...input, functions: { screenPayment: { invocations: 1, meanDurationMs: 200, reservedConcurrency: 10 } } }, prices);
  expect(tight.binding_overall?.id).toBe('lambda_reserved_concurrency:screenPayment');
  expect(tight.binding_overall?.payments_per_second).toBeCloseTo(50, 9);
  expect(tight.binding_aws_quota?.id).toBe('step_functions_state_transitions');
});

it('leaves out what a payment does not use', () => {
  const { ceilings } = scaleCeilings({ ...input, kmsRequests: 0 }, prices);
  expect(ceilings.find((entry) => entry.id === 'kms_requests')?.payments_per_second).toBeNull();
  expect(ceilings.at(-1)?.id).toBe('kms_requests');
});

it('gives the ceilings of another unit (payouts) with keys and wording named after it', () => {
  const payouts = scaleCeilingsPer('payout', input, prices);
  const payments = scaleCeilings(input, prices);
  expect(payouts.unit).toBe('payout');
  expect(payouts.ceilings.map((entry) => entry.id)).toEqual(payments.ceilings.map((entry) => entry.id));
  const transitions = payouts.ceilings.find((entry) => entry.id === 'step_functions_state_transitions');
  expect(transitions?.payouts_per_second).toBeCloseTo(150, 9);
  expect(transitions?.use_per_payout).toBe(10);
  expect(payouts.binding_aws_quota?.id).toBe('step_functions_state_transitions');
  for (const entry of payouts.ceilings) {
    expect(Object.keys(entry).some((key) => key.includes('payment'))).toBe(false);
    expect(entry.what).not.toMatch(/per payment/);
  }
});

it("states the whole mix's ceilings in payments/s and the payouts and conversions that come with them", () => {
  const mix = mixCeilings(input, prices, { payouts: 0.1, conversions: 0.05 });
  const transitions = mix.ceilings.find((entry) => entry?.id === 'step_functions_state_transitions');
  expect(transitions?.payments_per_second).toBeCloseTo(150, 9);
  expect(transitions?.payouts_per_second).toBeCloseTo(15, 9);
  expect(transitions?.conversions_per_second).toBeCloseTo(7.5, 9);
  expect(mix.binding_aws_quota?.payouts_per_second).toBeCloseTo(15, 9);
  expect(mix.per_payment_of_the_mix).toEqual({ payouts: 0.1, conversions: 0.05 });
  // A limit the mix never reaches stays unbounded for every unit.
  const kms = mixCeilings({ ...input, kmsRequests: 0 }, prices, { payouts: 0.1, conversions: 0.05 }).ceilings.find((entry) => entry?.id === 'kms_requests');
  expect(kms).toMatchObject({ payments_per_second: null, payouts_per_second: null, conversions_per_second: null });
});
