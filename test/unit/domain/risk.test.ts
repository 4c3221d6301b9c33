import { riskRuleSetBody, ruleSetOf, presentRiskRules } from '../../../lambdas/contracts/risk-rules';
import {
  PLATFORM_RISK_RULES,
  type RiskConditions,
  type RiskRuleSet,
  type RiskSignals,
  assessRisk,
  decisionOf,
  ruleMatches,
  velocityCountersOf,
  velocityWindow,
} from '../../../lambdas/domain/risk';

/** The risk engine (domain/risk.ts): each condition alone, then whole rule sets, as tables. */
const signals = (overrides: Partial<RiskSignals> = {}): RiskSignals => ({
  amount: 1999,
  currency: 'USD',
  minorUnits: 2,
  bin: '400012',
  velocity: {},
  ...overrides,
});

describe('ruleMatches: one condition', () => {
  it.each<[string, RiskConditions, Partial<RiskSignals>, boolean]>([
    ['amount in its currency, inside the range', { amount: { currency: 'USD', gte: 100_000, lt: 500_000 } }, { amount: 100_000 }, true],
    ['amount in its currency, at the exclusive upper bound', { amount: { currency: 'USD', gte: 100_000, lt: 500_000 } }, { amount: 500_000 }, false],
    ['amount in its currency, below the range', { amount: { currency: 'USD', gte: 100_000 } }, { amount: 99_999 }, false],
    ['amount of another currency never matches', { amount: { currency: 'EUR', gte: 1 } }, { amount: 100_000 }, false],
    ['major units: 1,000,000 JPY (0 decimals)', { amountMajor: { gte: 1_000_000 } }, { currency: 'JPY', minorUnits: 0, amount: 1_000_000 }, true],
    ['major units: 999,999.999 KWD (3 decimals)', { amountMajor: { gte: 1_000_000 } }, { currency: 'KWD', minorUnits: 3, amount: 999_999_999 }, false],
    ['currency in the list', { currency: { in: ['USD', 'EUR'] } }, {}, true],
    ['currency not in the list', { currency: { notIn: ['USD'] } }, {}, false],
    ['BIN in the list', { bin: { in: ['400012'] } }, {}, true],
    ['BIN not listed', { bin: { in: ['410000'] } }, {}, false],
    ['card country in the list', { cardCountry: { in: ['NG'] } }, { cardCountry: 'NG' }, true],
    ['card country unknown never matches, even `not_in`', { cardCountry: { notIn: ['US'] } }, {}, false],
    ['IP country not in the list', { ipCountry: { notIn: ['US', 'CA'] } }, { ipCountry: 'RU' }, true],
    ['card and IP countries differ', { cardIpCountryMismatch: true }, { cardCountry: 'US', ipCountry: 'RU' }, true],
    ['card and IP countries equal', { cardIpCountryMismatch: true }, { cardCountry: 'US', ipCountry: 'US' }, false],
    ['countries equal, asked for equal', { cardIpCountryMismatch: false }, { cardCountry: 'US', ipCountry: 'US' }, true],
    ['mismatch with the IP country unknown', { cardIpCountryMismatch: true }, { cardCountry: 'US' }, false],
    ['card velocity past the limit', { velocity: { per: 'card', windowMinutes: 10, gt: 5 } }, { velocity: { 'card/10': 6 } }, true],
    ['card velocity at the limit', { velocity: { per: 'card', windowMinutes: 10, gt: 5 } }, { velocity: { 'card/10': 5 } }, false],
    ['customer velocity over an hour', { velocity: { per: 'customer', windowMinutes: 60, gt: 2 } }, { velocity: { 'customer/60': 3, 'customer/10': 1 } }, true],
    ['IP velocity without an IP address', { velocity: { per: 'ip', windowMinutes: 10, gt: 0 } }, { velocity: { 'ip/10': undefined } }, false],
    ['all conditions must hold (one fails)', { currency: { in: ['USD'] }, bin: { in: ['999999'] } }, {}, false],
  ])('%s', (_case, when, overrides, expected) => {
    expect(ruleMatches(when, signals(overrides))).toBe(expected);
  });
});

describe('decisionOf: score against thresholds', () => {
  it.each<[number, { review?: number; block: number }, string]>([
    [0, { block: 80 }, 'approve'],
    [79, { block: 80 }, 'approve'],
    [80, { block: 80 }, 'decline'],
    [49, { review: 50, block: 80 }, 'approve'],
    [50, { review: 50, block: 80 }, 'review'],
    [120, { review: 50, block: 80 }, 'decline'],
  ])('score %i with %j: %s', (score, thresholds, decision) => {
    expect(decisionOf(score, thresholds)).toBe(decision);
  });
});

describe('assessRisk: whole rule sets', () => {
  const merchant: RiskRuleSet = {
    owner: 'merchant',
    version: 3,
    rules: [
      { id: 'big_usd', when: { amount: { currency: 'USD', gte: 100_000 } }, score: 50 },
      { id: 'geo_mismatch', when: { cardIpCountryMismatch: true }, score: 40 },
      { id: 'risky_bins', when: { bin: { in: ['410000'] } }, score: 100 },
      { id: 'ip_burst', when: { velocity: { per: 'ip', windowMinutes: 5, gt: 3 } }, score: 80 },
    ],
    thresholds: { review: 50, block: 80 },
  };

  it.each<[string, RiskRuleSet, Partial<RiskSignals>, { decision: string; score: number; reasons: string[]; rules: string }]>([
    ['platform: an ordinary payment', PLATFORM_RISK_RULES, {}, { decision: 'approve', score: 0, reasons: [], rules: 'platform/1' }],
    ['platform: the sixth use of a card in 10 minutes', PLATFORM_RISK_RULES, { velocity: { 'card/10': 6 } }, { decision: 'decline', score: 80, reasons: ['card_velocity'], rules: 'platform/1' }],
    ['platform: a large amount scores but passes', PLATFORM_RISK_RULES, { amount: 100_000_000 }, { decision: 'approve', score: 30, reasons: ['large_amount'], rules: 'platform/1' }],
    ['platform: no card is exempt, the old test cards included', PLATFORM_RISK_RULES, { bin: '424242', velocity: { 'card/10': 50 } }, { decision: 'decline', score: 80, reasons: ['card_velocity'], rules: 'platform/1' }],
    ['platform: no card is blocked, the old blocked test card included', PLATFORM_RISK_RULES, { bin: '410000' }, { decision: 'approve', score: 0, reasons: [], rules: 'platform/1' }],
    ['merchant: a big USD payment goes to review', merchant, { amount: 150_000 }, { decision: 'review', score: 50, reasons: ['big_usd'], rules: 'merchant/3' }],
    ['merchant: big and from abroad adds up to a block', merchant, { amount: 150_000, cardCountry: 'US', ipCountry: 'BR' }, { decision: 'decline', score: 90, reasons: ['big_usd', 'geo_mismatch'], rules: 'merchant/3' }],
    ['merchant: a blocked BIN', merchant, { bin: '410000' }, { decision: 'decline', score: 100, reasons: ['risky_bins'], rules: 'merchant/3' }],
    ['merchant: an IP burst', merchant, { velocity: { 'ip/5': 4 } }, { decision: 'decline', score: 80, reasons: ['ip_burst'], rules: 'merchant/3' }],
    ['merchant: its rules replace the platform card velocity', merchant, { velocity: { 'card/10': 50 } }, { decision: 'approve', score: 0, reasons: [], rules: 'merchant/3' }],
  ])('%s', (_case, ruleSet, overrides, expected) => {
    expect(assessRisk(ruleSet, signals(overrides))).toEqual(expected);
  });

  it('reads each velocity counter once, whatever the number of rules naming it', () => {
    const twice: RiskRuleSet = {
      ...merchant,
      rules: [...merchant.rules, { id: 'ip_burst_again', when: { velocity: { per: 'ip', windowMinutes: 5, gt: 10 } }, score: 10 }],
    };
    expect(velocityCountersOf(twice)).toEqual([{ per: 'ip', windowMinutes: 5 }]);
    expect(velocityCountersOf(PLATFORM_RISK_RULES)).toEqual([{ per: 'card', windowMinutes: 10 }]);
  });

  it('puts moments in windows of their length, from the epoch', () => {
    expect(velocityWindow(new Date('2026-11-21T12:09:59.999Z'), 10)).toBe('2026-11-21T12:00:00.000Z');
    expect(velocityWindow(new Date('2026-11-21T12:10:00.000Z'), 10)).toBe('2026-11-21T12:10:00.000Z');
    expect(velocityWindow(new Date('2026-11-21T12:59:00.000Z'), 60)).toBe('2026-11-21T12:00:00.000Z');
    expect(velocityWindow(new Date('2026-11-21T23:59:00.000Z'), 1440)).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('the rule set document (lambdas/contracts/risk-rules.ts)', () => {
  const document = {
    rules: [
      { id: 'big_usd', when: { amount: { currency: 'USD', gte: 100_000 } }, score: 50 },
      { id: 'geo', when: { card_ip_country_mismatch: true, ip_country: { not_in: ['CA'] } }, score: 40 },
      { id: 'per_customer', when: { velocity: { per: 'customer', window_minutes: 60, gt: 3 } }, score: 80 },
    ],
    thresholds: { review: 50, block: 80 },
  };

  it('parses into the engine rule set and presents back the same document', () => {
    const parsed = riskRuleSetBody.parse(document);
    const ruleSet = ruleSetOf(parsed, 2);
    expect(ruleSet.rules[1]!.when).toEqual({ cardIpCountryMismatch: true, ipCountry: { notIn: ['CA'] } });
    expect(ruleSet.rules[2]!.when).toEqual({ velocity: { per: 'customer', windowMinutes: 60, gt: 3 } });
    expect(presentRiskRules('mer_a', ruleSet)).toMatchObject({ ...document, owner: 'merchant', version: 2 });
  });

  it.each<[string, unknown, string]>([
    ['an unknown field', { id: 'x', when: { ip_cuntry: { in: ['US'] } }, score: 1 }, 'rules.0.when.ip_cuntry'],
    ['an unknown country', { id: 'x', when: { card_country: { in: ['XX'] } }, score: 1 }, 'rules.0.when.card_country.in.0'],
    ['a short BIN', { id: 'x', when: { bin: { in: ['4242'] } }, score: 1 }, 'rules.0.when.bin.in.0'],
    ['a window past a day', { id: 'x', when: { velocity: { per: 'card', window_minutes: 2000, gt: 1 } }, score: 1 }, 'rules.0.when.velocity.window_minutes'],
    ['an unknown velocity subject', { id: 'x', when: { velocity: { per: 'device', window_minutes: 10, gt: 1 } }, score: 1 }, 'rules.0.when.velocity.per'],
    ['no condition', { id: 'x', when: {}, score: 1 }, 'rules.0.when'],
    ['an empty range', { id: 'x', when: { amount: { currency: 'USD', gte: 10, lt: 10 } }, score: 1 }, 'rules.0.when.amount.lt'],
    ['a negative score', { id: 'x', when: { currency: { in: ['USD'] } }, score: -1 }, 'rules.0.score'],
  ])('refuses %s, naming the field', (_case, rule, field) => {
    const parsed = riskRuleSetBody.safeParse({ rules: [rule], thresholds: { block: 80 } });
    expect(parsed.success).toBe(false);
    const fields = parsed.error!.issues.map((issue) => [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.'));
    expect(fields).toContain(field);
  });

  it('refuses duplicate rule ids and a review threshold at or above the block threshold', () => {
    const parsed = riskRuleSetBody.safeParse({ rules: [document.rules[0], document.rules[0]], thresholds: { review: 80, block: 80 } });
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toEqual(expect.arrayContaining(['rules.1.id', 'thresholds.review']));
  });
});
