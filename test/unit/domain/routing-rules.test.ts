import { cardChannels } from '../../../platform/channels';
import { binCountryOf } from '../../../platform/card-bins';
import { routingRulesInput } from '../../../lambdas/contracts/routing-rules';
import type { ChannelHealthView } from '../../../lambdas/domain/channel-health';
import { routePayment } from '../../../lambdas/domain/routing';
import { type RoutingFacts, type RoutingRuleSet, matchingRule, ruleChannels, splitPoint } from '../../../lambdas/domain/routing-rules';
import { fieldErrors } from '../../../lambdas/shared/http/validation';

/**
 * Merchant routing rules (docs/decisions/0027-merchant-routing-rules.md): the first matching rule decides,
 * a split is fixed per payment, the breaker still applies along a rule's order, and a rule set that cannot
 * be used is refused naming the rule and the field.
 */
const rules: RoutingRuleSet = {
  version: 3,
  rules: [
    { id: 'big-eur-to-atlas', when: { currency: ['EUR'], amount: { EUR: { min: 100_000 } } }, then: { channels: ['atlas', 'boreal'] } },
    { id: 'german-visa', when: { cardBrand: ['visa'], binCountry: ['DE'] }, then: { channels: ['boreal', 'atlas'] } },
    { id: 'brl-split', when: { currency: ['BRL'] }, then: { split: [{ channel: 'atlas', weight: 3 }, { channel: 'boreal', weight: 1 }] } },
  ],
};
const facts = (overrides: Partial<RoutingFacts>): RoutingFacts => ({ paymentId: 'pay_1', amount: 5_000, currency: 'EUR', cardBrand: 'visa', binCountry: 'US', ...overrides });

describe('matching', () => {
  it.each<[string, Partial<RoutingFacts>, string | undefined]>([
    ['an amount at the range minimum matches', { amount: 100_000 }, 'big-eur-to-atlas'],
    ['below the minimum it does not: the next rule is tried', { amount: 99_999, binCountry: 'DE' }, 'german-visa'],
    ['a range for another currency never matches', { currency: 'GBP', amount: 500_000 }, undefined],
    ['the first matching rule wins over a later one', { amount: 200_000, binCountry: 'DE' }, 'big-eur-to-atlas'],
    ['brand and BIN country both must hold', { cardBrand: 'mastercard', binCountry: 'DE' }, undefined],
    ['an unknown BIN country never matches a country condition', { binCountry: undefined }, undefined],
    ['a currency list matches its currencies only', { currency: 'BRL' }, 'brl-split'],
  ])('%s', (_case, overrides, ruleId) => {
    expect(matchingRule(rules, facts(overrides))?.id).toBe(ruleId);
  });

  it('reads BIN countries from the table (unknown BIN: none)', () => {
    expect([binCountryOf('427600'), binCountryOf('424242'), binCountryOf('999999')]).toEqual(['DE', 'US', undefined]);
  });
});

describe('volume split', () => {
  const split = rules.rules[2]!;
  const settlesAll = () => true;

  it('sends the same payment to the same channel every time, the other following for failover', () => {
    const first = ruleChannels(split, facts({ currency: 'BRL', paymentId: 'pay_same' }), settlesAll);
    expect(ruleChannels(split, facts({ currency: 'BRL', paymentId: 'pay_same' }), settlesAll)).toEqual(first);
    expect([...first].sort()).toEqual(['atlas', 'boreal']);
  });

  it('shares payments by weight', () => {
    const firsts = Array.from({ length: 4_000 }, (_, index) => ruleChannels(split, facts({ currency: 'BRL', paymentId: `pay_${index}` }), settlesAll)[0]);
    const atlasShare = firsts.filter((channel) => channel === 'atlas').length / firsts.length;
    expect(atlasShare).toBeGreaterThan(0.72);
    expect(atlasShare).toBeLessThan(0.78);
  });

  it('draws from the hash of the payment id, in [0, 1)', () => {
    const points = ['pay_a', 'pay_b', 'pay_c'].map(splitPoint);
    expect(points.every((point) => point >= 0 && point < 1)).toBe(true);
    expect(new Set(points).size).toBe(3);
  });

  it('leaves out a channel that does not settle the currency', () => {
    expect(ruleChannels(split, facts({ currency: 'USD' }), (channel) => channel === 'atlas')).toEqual(['atlas']);
  });
});

describe('routePayment', () => {
  const health = (states: Record<string, ChannelHealthView['state']>) => new Map(Object.entries(states).map(([channel, state]) => [channel, { state }]));

  it.each<[string, Partial<RoutingFacts>, Record<string, ChannelHealthView['state']>, object]>([
    ['a matching list rule replaces least cost (boreal is cheaper for EUR)', { amount: 150_000 }, {}, { channel: 'atlas', candidates: ['atlas', 'boreal'], reason: 'merchant_rule', strategy: 'merchant_rules', rule: { id: 'big-eur-to-atlas', version: 3 } }],
    ['the breaker still applies: an open first channel leaves the plan', { amount: 150_000 }, { atlas: 'open' }, { channel: 'boreal', candidates: ['boreal'], reason: 'circuit_open_skipped', rule: { id: 'big-eur-to-atlas', version: 3 } }],
    ['every channel of the rule open: tried in the rule order anyway', { amount: 150_000 }, { atlas: 'open', boreal: 'open' }, { channel: 'atlas', candidates: ['atlas', 'boreal'], reason: 'all_circuits_open' }],
    ['no rule matches: the merchant strategy decides', { amount: 5_000 }, {}, { channel: 'boreal', candidates: ['boreal', 'atlas'], reason: 'least_cost', strategy: 'least_cost' }],
    ['a split rule records volume_split', { currency: 'BRL', paymentId: 'pay_2' }, {}, { reason: 'volume_split', strategy: 'merchant_rules', rule: { id: 'brl-split', version: 3 } }],
  ])('%s', (_case, overrides, states, expected) => {
    const plan = routePayment(cardChannels, facts(overrides), { strategy: 'least_cost', rules }, { health: health(states), probeShare: 0, random: () => 0.5 });
    expect(plan).toMatchObject(expected);
    if (plan.strategy !== 'merchant_rules') expect(plan.rule).toBeUndefined();
  });
});

describe('validation: 422 naming the rule and the field', () => {
  const errorsOf = (body: unknown) => {
    const parsed = routingRulesInput.safeParse(body);
    return parsed.success ? [] : fieldErrors(parsed.error, body);
  };

  it('accepts the rule set above, as the API spells it', () => {
    expect(
      errorsOf({
        rules: [
          { id: 'big-eur-to-atlas', when: { currency: ['EUR'], amount: { EUR: { min: 100000 } } }, then: { channels: ['atlas', 'boreal'] } },
          { id: 'german-visa', when: { card_brand: ['visa'], bin_country: ['DE'] }, then: { channels: ['boreal', 'atlas'] } },
          { id: 'brl-split', when: { currency: ['BRL'] }, then: { split: [{ channel: 'atlas', weight: 3 }, { channel: 'boreal', weight: 1 }] } },
          { id: 'no-conditions', then: { channels: ['atlas', 'boreal'] } },
        ],
      }),
    ).toEqual([]);
  });

  it.each<[string, unknown, { field: string; message: RegExp }]>([
    ['an unknown channel', { rules: [{ id: 'r1', when: { currency: ['EUR'] }, then: { channels: ['atlas', 'acme'] } }] }, { field: 'rules.0.then.channels.1', message: /^rule 'r1': is not a channel: 'acme'/ }],
    ['an unknown condition field', { rules: [{ id: 'geo', when: { ip_country: ['DE'] }, then: { channels: ['atlas'] } }] }, { field: 'rules.0.when.ip_country', message: /^rule 'geo': is not a recognized field/ }],
    ['an unknown field in a rule', { rules: [{ id: 'r1', when: {}, then: { channels: ['atlas'] }, priority: 1 }] }, { field: 'rules.0.priority', message: /^rule 'r1': is not a recognized field/ }],
    ['a currency no listed channel settles', { rules: [{ id: 'yen', when: { currency: ['EUR', 'JPY'] }, then: { channels: ['atlas'] } }] }, { field: 'rules.0.when.currency.1', message: /^rule 'yen': would route JPY nowhere/ }],
    ['no currency condition and a channel that does not settle them all', { rules: [{ id: 'all-atlas', then: { channels: ['atlas'] } }] }, { field: 'rules.0.then.channels', message: /^rule 'all-atlas': would route (CHF|SEK|JPY|KRW|KWD) nowhere/ }],
    ['a split channel that settles none of its currencies', { rules: [{ id: 's', when: { currency: ['JPY'] }, then: { split: [{ channel: 'atlas', weight: 1 }, { channel: 'boreal', weight: 1 }] } }] }, { field: 'rules.0.then.split.0.channel', message: /^rule 's': 'atlas' settles none of the rule's currencies/ }],
    ['a weight of zero', { rules: [{ id: 'w', when: { currency: ['EUR'] }, then: { split: [{ channel: 'atlas', weight: 0 }] } }] }, { field: 'rules.0.then.split.0.weight', message: /^rule 'w': must be a positive integer/ }],
    ['a negative weight', { rules: [{ id: 'w', when: { currency: ['EUR'] }, then: { split: [{ channel: 'atlas', weight: -5 }] } }] }, { field: 'rules.0.then.split.0.weight', message: /^rule 'w': must be a positive integer/ }],
    ['both channels and split', { rules: [{ id: 'both', then: { channels: ['atlas'], split: [{ channel: 'atlas', weight: 1 }] } }] }, { field: 'rules.0.then', message: /^rule 'both': must have exactly one of/ }],
    ['an amount range for a currency the rule excludes', { rules: [{ id: 'amt', when: { currency: ['EUR'], amount: { GBP: { max: 10 } } }, then: { channels: ['atlas'] } }] }, { field: 'rules.0.when.amount.GBP', message: /^rule 'amt': is a range for GBP/ }],
    ['a range whose minimum exceeds its maximum', { rules: [{ id: 'amt', when: { amount: { EUR: { min: 10, max: 5 } } }, then: { channels: ['atlas'] } }] }, { field: 'rules.0.when.amount.EUR', message: /minimum above its maximum/ }],
    ['a rule id used twice', { rules: [{ id: 'dup', then: { channels: ['atlas', 'boreal'] } }, { id: 'dup', then: { channels: ['boreal', 'atlas'] } }] }, { field: 'rules.1.id', message: /^rule 'dup': is the id of an earlier rule/ }],
    ['a rule without an id is named by its position', { rules: [{ when: {}, then: { channels: ['atlas', 'boreal'] } }] }, { field: 'rules.0.id', message: /^rule 1: / }],
    ['a lower-case country', { rules: [{ id: 'c', when: { bin_country: ['de'] }, then: { channels: ['atlas', 'boreal'] } }] }, { field: 'rules.0.when.bin_country.0', message: /^rule 'c': must be an upper-case ISO 3166-1/ }],
    ['a body that is not a rule set', ['atlas'], { field: '', message: /must be a JSON object/ }],
  ])('refuses %s', (_case, body, expected) => {
    const errors = errorsOf(body);
    expect(errors).toContainEqual({ field: expected.field, message: expect.stringMatching(expected.message) });
  });
});
