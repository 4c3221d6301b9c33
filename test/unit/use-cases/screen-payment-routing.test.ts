import { performance } from 'node:perf_hooks';
import { DEFAULT_MERCHANT_ROUTING, type MerchantRouting } from '../../../lambdas/domain/merchant';
import { timelineOf } from '../../../lambdas/domain/payment-timeline';
import { PLATFORM_RISK_RULES } from '../../../lambdas/domain/risk';
import { createPayment } from '../../../lambdas/use-cases/create-payment';
import { SCREENING_DECISION_MEASURE, screenPayment } from '../../../lambdas/use-cases/payment-saga/screen-payment';
import { observeScreeningDecisions } from '../../../bench/lib/screening-timer';
import { InMemoryCardHolds, InMemoryCardVelocity, InMemoryChannelHealth, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';

/**
 * Screen's routing: the merchant's settings and the channels' health decide the plan, recorded on the
 * payment with the reason (domain/routing.ts is tested on its own in test/unit/domain/channel-health.test.ts).
 */
const now = () => new Date('2026-11-21T12:00:00Z');

const screened = async (routing: Partial<MerchantRouting>, health: InMemoryChannelHealth, amount = 5000) => {
  // Prepare: a EUR payment (both channels settle EUR; boreal is cheaper at 50.00)
  const payments = new InMemoryPaymentRepository();
  const holds = new InMemoryCardHolds();
  const { id } = await createPayment(
    { payments, holds, workflows: new RecordingWorkflows(), now },
    { merchantId: 'mer_a', idempotencyKey: 'order-1', requestFingerprint: 'fp-1', amount, currency: 'EUR', captureMethod: 'automatic', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' }, description: null, metadata: {} },
  );
  // Act
  await screenPayment(
    { payments, holds, velocity: new InMemoryCardVelocity(), health, merchantRouting: async () => ({ ...DEFAULT_MERCHANT_ROUTING, ...routing }), riskRules: async () => PLATFORM_RISK_RULES, now, random: () => 0.5 },
    { paymentId: id },
  );
  const payment = (await payments.get(id))!;
  return { payment, event: timelineOf(payment).find((entry) => entry.type === 'payment.screened') };
};

it.each<[string, Partial<MerchantRouting>, Record<string, [number, number]>, Record<string, 'open'>, string, string[], string, boolean]>([
  ['least cost by default, failover on', {}, {}, {}, 'boreal', ['boreal', 'atlas'], 'least_cost', true],
  ['least cost around an open breaker', {}, {}, { boreal: 'open' }, 'atlas', ['atlas'], 'circuit_open_skipped', true],
  ['success rate over cost for a merchant that chose it', { strategy: 'success_rate', explorationShare: 0 }, { atlas: [200, 0.99], boreal: [200, 0.8] }, {}, 'atlas', ['atlas', 'boreal'], 'success_rate', true],
  ['failover off is recorded for the Authorize step', { failover: false }, {}, {}, 'boreal', ['boreal', 'atlas'], 'least_cost', false],
])('%s', async (_case, routing, rates, states, channel, plan, reason, failover) => {
  const health = new InMemoryChannelHealth();
  for (const [name, rate] of Object.entries(rates)) health.rates.set(name, rate);
  for (const [name, state] of Object.entries(states)) health.states.set(name, state);
  const { payment, event } = await screened(routing, health);
  // Assess
  expect(payment).toMatchObject({ channel, route: { plan, failover } });
  expect(event?.data).toMatchObject({ channel, routing_reason: reason });
});

it('records the merchant rule that decided, with the rule-set version, strategy and plan, on the payment and its timeline', async () => {
  // Prepare: a rule sending EUR at or above 10.00 to atlas first (least cost would pick boreal)
  const rules = { version: 4, rules: [{ id: 'eur-atlas', when: { currency: ['EUR'], amount: { EUR: { min: 1_000 } } }, then: { channels: ['atlas', 'boreal'] } }] };
  // Act
  const { payment, event } = await screened({ rules }, new InMemoryChannelHealth());
  // Assess
  expect(payment).toMatchObject({ channel: 'atlas', route: { plan: ['atlas', 'boreal'], failover: true, strategy: 'merchant_rules', reason: 'merchant_rule', rule: { id: 'eur-atlas', version: 4 } } });
  expect(event?.data).toMatchObject({ channel: 'atlas', routing_reason: 'merchant_rule', routing_strategy: 'merchant_rules', routing_rule: 'eur-atlas', routing_rule_set_version: 4, routing_plan: 'atlas,boreal' });
});

it('falls back to the strategy when no rule matches, and says so', async () => {
  const rules = { version: 1, rules: [{ id: 'big-eur', when: { amount: { EUR: { min: 1_000_000 } } }, then: { channels: ['atlas', 'boreal'] } }] };
  const { payment, event } = await screened({ rules }, new InMemoryChannelHealth());
  expect(payment.route).toMatchObject({ plan: ['boreal', 'atlas'], strategy: 'least_cost', reason: 'least_cost' });
  expect(payment.route?.rule).toBeUndefined();
  expect(event?.data).toMatchObject({ routing_strategy: 'least_cost', routing_rule: null, routing_rule_set_version: null });
});

it('times its decision once per screening, as the measure the bench observes, and keeps none of it buffered', async () => {
  // Prepare: the bench's observer of the Screen step's decision measure
  const observed = observeScreeningDecisions();
  try {
    // Act: two screenings
    const { payment } = await screened({}, new InMemoryChannelHealth());
    await screened({ strategy: 'success_rate' }, new InMemoryChannelHealth());
    await new Promise((delivered) => setImmediate(delivered));
    const durations = observed.take();
    // Assess
    expect(payment.status).toBe('processing');
    expect(durations).toHaveLength(2);
    for (const duration of durations) expect(duration).toBeGreaterThanOrEqual(0);
    expect(performance.getEntriesByName(SCREENING_DECISION_MEASURE)).toHaveLength(0);
  } finally {
    observed.stop();
  }
});
