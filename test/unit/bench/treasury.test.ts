import { seededRandom } from '../../../bench/lib/http';
import type { ApiAnswer, ApiClient } from '../../../bench/lib/http';
import {
  BENEFICIARIES,
  BeneficiaryBook,
  CONVERSION_PAIRS,
  FUNDING_RANGES,
  PAYOUT_DESTINATIONS,
  SPEND_SHARE,
  fundingAmount,
  indicativeAmount,
  payoutScenario,
  spendOf,
} from '../../../bench/lib/treasury';
import { CHECKED_IN_RATES } from '../../../lambdas/adapters/fx/simulated-rate-provider';
import { RAIL_RULES, channelForRail } from '../../../lambdas/domain/payouts/beneficiary';
import { bankAccountProblems } from '../../../lambdas/domain/payouts/bank-account';
import { DEFAULT_SPREAD_SCHEDULE, QUOTE_VALIDITIES } from '../../../lambdas/domain/fx/quote';
import { DEFAULT_PRICING, computeFee } from '../../../lambdas/domain/ledger/fees';
import { bankAccountSchema, toBankAccountInput } from '../../../lambdas/shared/http/bank-account-schema';
import type { MerchantCredentials } from '../../../local/seed';
import { scenarioOf } from '../../../local/simulators/payout-rails/scenarios';

/**
 * The treasury traffic of the benchmark: every payout and conversion is funded by its own card payment and
 * spends part of it, so runs never compete for funds; the payouts cover every rail; the rail simulators
 * read the scenarios the references ask for.
 */
describe('funding and spending', () => {
  it('draws funding amounts in each currency range, reproducibly', () => {
    const random = seededRandom(7);
    for (let index = 0; index < 500; index += 1) {
      for (const [currency, range] of Object.entries(FUNDING_RANGES)) {
        const amount = fundingAmount(currency, random);
        expect(Number.isInteger(amount) && amount >= range.min && amount <= range.max).toBe(true);
      }
    }
    expect(fundingAmount('USD', seededRandom(3))).toBe(fundingAmount('USD', seededRandom(3)));
    expect(() => fundingAmount('MXN', Math.random)).toThrow(/no funding range for MXN/);
  });

  it('spends a share of the gross amount, at least one minor unit', () => {
    expect(spendOf(10_000)).toBe(4_000);
    expect(spendOf(7_501)).toBe(Math.floor(7_501 * SPEND_SHARE));
    expect(spendOf(1)).toBe(1);
  });

  it('converts at the checked-in mid rate in exact integer arithmetic, rounding down', () => {
    expect(indicativeAmount(10_000, 'USD', 'USD')).toBe(10_000);
    expect(indicativeAmount(10_000, 'USD', 'EUR')).toBe(9_218); // 100.00 USD × 0.9218
    expect(indicativeAmount(15_000, 'JPY', 'USD')).toBe(9_918); // 15,000 JPY ÷ 151.24 = 99.1801 USD
    expect(indicativeAmount(4_000, 'GBP', 'EUR')).toBe(4_671); // 40.00 GBP × 0.9218 ÷ 0.7893 = 46.7148 EUR
    expect(indicativeAmount(25_000, 'BRL', 'USD')).toBe(4_588); // 250.00 BRL ÷ 5.4486 = 45.8833 USD
    expect(() => indicativeAmount(1, 'USD', 'XXX')).toThrow(/no indicative rate/);
  });

  it("never spends more than its own payment's net, in the worst drift and spread the platform can quote", () => {
    // Each currency drifts at most bound_ppm from its checked-in mid, so a cross rate moves by up to
    // (1 + bound) / (1 − bound); the widest spread is the non-major pair at the longest validity.
    const bound = CHECKED_IN_RATES.drift.boundPpm / 1e6;
    const widestSpread = (DEFAULT_SPREAD_SCHEDULE.otherBps + Math.max(...QUOTE_VALIDITIES.map((validity) => DEFAULT_SPREAD_SCHEDULE.validityAddOnBps[validity]))) / 10_000;
    const worstFactor = (1 + bound) / (1 - bound) / (1 - widestSpread);
    const sources = new Set([...PAYOUT_DESTINATIONS.map((destination) => destination.source), ...CONVERSION_PAIRS.map((pair) => pair.sell)]);
    for (const source of sources) {
      const range = FUNDING_RANGES[source];
      expect({ source, range: range !== undefined }).toEqual({ source, range: true });
      for (const gross of [range?.min ?? 0, range?.max ?? 0]) {
        const net = computeFee(DEFAULT_PRICING, gross, source).net;
        expect({ source, gross, spend: Math.ceil(spendOf(gross) * worstFactor) <= net }).toEqual({ source, gross, spend: true });
      }
    }
  });
});

describe('the payouts of the mix', () => {
  it('reach every rail, and any three in turn reach every rail channel', () => {
    const rails = new Set(PAYOUT_DESTINATIONS.map((destination) => BENEFICIARIES[destination.beneficiary].body.bank_account.rail));
    expect([...rails].sort()).toEqual(['ach', 'eft_ca', 'pix', 'sepa', 'spei', 'swift']);
    const channelOf = (index: number) => {
      const destination = PAYOUT_DESTINATIONS[index % PAYOUT_DESTINATIONS.length];
      return channelForRail(BENEFICIARIES[destination?.beneficiary ?? 'ach_us'].body.bank_account.rail);
    };
    for (let start = 0; start < PAYOUT_DESTINATIONS.length; start += 1) {
      expect([channelOf(start), channelOf(start + 1), channelOf(start + 2)].sort()).toEqual(['keystone', 'meridian', 'pulse']);
    }
  });

  it('convert exactly when the beneficiary is paid in another currency than the balance', () => {
    for (const destination of PAYOUT_DESTINATIONS) {
      const currency = BENEFICIARIES[destination.beneficiary].body.currency;
      expect({ name: destination.name, converted: destination.conversion !== 'none' }).toEqual({ name: destination.name, converted: currency !== destination.source });
    }
    expect(new Set(PAYOUT_DESTINATIONS.map((destination) => destination.conversion))).toEqual(new Set(['none', 'source_currency', 'quote']));
    expect(new Set(PAYOUT_DESTINATIONS.map((destination) => destination.name)).size).toBe(PAYOUT_DESTINATIONS.length);
  });

  it('send beneficiaries the platform accepts: valid account identifiers, and the rail’s country and currency', () => {
    for (const [key, spec] of Object.entries(BENEFICIARIES)) {
      const parsed = bankAccountSchema.safeParse(spec.body.bank_account);
      expect({ key, parsed: parsed.success }).toEqual({ key, parsed: true });
      if (!parsed.success) continue;
      expect({ key, problems: bankAccountProblems(toBankAccountInput(parsed.data), spec.body.currency) }).toEqual({ key, problems: [] });
      const rule = RAIL_RULES[spec.body.bank_account.rail];
      if (rule.country) expect({ key, country: spec.body.country }).toEqual({ key, country: rule.country });
      if (rule.currency) expect({ key, currency: spec.body.currency }).toEqual({ key, currency: rule.currency });
      expect(channelForRail(spec.body.bank_account.rail)).toBe(spec.channel);
    }
  });

  it('ask the rails, by reference, to fail one payout in twenty and return another, which the simulators understand', () => {
    const scenarios = Array.from({ length: 40 }, (_, ordinal) => payoutScenario(ordinal));
    expect(scenarios.filter((scenario) => scenario.expected === 'failed')).toHaveLength(2);
    expect(scenarios.filter((scenario) => scenario.expected === 'returned')).toHaveLength(2);
    for (const scenario of scenarios) {
      const { behaviour } = scenarioOf(scenario.reference);
      const expected = { paid: { kind: 'settle' }, failed: { kind: 'fail', reason: 'refused_by_bank' }, returned: { kind: 'return', reason: 'account_closed' } }[scenario.expected];
      expect(behaviour).toEqual(expected);
      // SWIFT's character set: no underscore in a reference.
      expect(scenario.reference).toMatch(/^[A-Za-z0-9 /?:().,'+-]+$/);
    }
  });

  it('convert between distinct currencies the merchants are paid in', () => {
    for (const pair of CONVERSION_PAIRS) {
      expect(pair.sell).not.toBe(pair.buy);
      expect(FUNDING_RANGES[pair.sell]).toBeDefined();
    }
  });
});

describe('BeneficiaryBook', () => {
  const merchant = { id: 'mer_1', api_key: 'sk_test_1' } as MerchantCredentials;
  const fakeApi = (answers: number[]) => {
    const calls: { body: Record<string, unknown> }[] = [];
    const api = {
      call: async (_operation: string, _method: string, _path: string, options: { body: Record<string, unknown> }) => {
        calls.push({ body: options.body });
        const status = answers.shift() ?? 201;
        return { status, json: { id: `ben_${calls.length}` }, text: '{}' } as unknown as ApiAnswer;
      },
    };
    return { api: api as unknown as ApiClient, calls };
  };

  it('creates each beneficiary of a merchant once, however many runs ask for it at once', async () => {
    const { api, calls } = fakeApi([]);
    const book = new BeneficiaryBook(api);
    const ids = await Promise.all([book.get(merchant, 'pix_br'), book.get(merchant, 'pix_br'), book.get(merchant, 'sepa_de')]);
    expect(ids).toEqual(['ben_1', 'ben_1', 'ben_2']);
    expect(calls.map((call) => call.body.name)).toEqual(['Ana Souza', 'Jana Novakova']);
  });

  it('tries again after a refused creation instead of keeping the failure', async () => {
    const { api, calls } = fakeApi([503]);
    const book = new BeneficiaryBook(api);
    await expect(book.get(merchant, 'ach_us')).rejects.toThrow(/create_beneficiary ach_us: 503/);
    await expect(book.get(merchant, 'ach_us')).resolves.toBe('ben_2');
    expect(calls).toHaveLength(2);
  });
});
