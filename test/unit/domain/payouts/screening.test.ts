import { checkedInSanctionsList } from '../../../../lambdas/adapters/screening/checked-in-sanctions-list';
import { MATCH_THRESHOLD, jaroWinkler, nameScore, normalizeName, payoutLimitsFor, screenName, screenPayoutRequest } from '../../../../lambdas/domain/payouts/screening';

/** Sanctions screening against the checked-in fictional list: normalization, fuzzy tokens, word order, country. */
const entries = checkedInSanctionsList.entries;
const hitIds = (name: string, country: string) => screenName(name, country, entries).map((hit) => hit.entryId);

describe('normalization', () => {
  it('folds case, diacritics, punctuation and legal forms, keeping initials', () => {
    expect(normalizeName('ÁLVAREZ QUINTERO, José Manuel')).toEqual(['alvarez', 'quintero', 'jose', 'manuel']);
    expect(normalizeName('Müller-Strauß GmbH')).toEqual(['muller', 'strauss']);
    expect(normalizeName('Bjørn Østergaard')).toEqual(['bjorn', 'ostergaard']);
    expect(normalizeName('Oceanic Meridian Trading, L.L.C.')).toEqual(['oceanic', 'meridian', 'trading']);
    expect(normalizeName('S. P. Ivanov')).toEqual(['s', 'p', 'ivanov']);
  });

  it('uses the textbook Jaro-Winkler values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });
});

describe('matches', () => {
  it.each([
    ['the listed name, reordered, without diacritics', 'Jose Manuel Alvarez Quintero', 'VE', 'XSL-0002'],
    ['a name missing the second surname', 'José Álvarez', 'PA', 'XSL-0002'],
    ['a transliteration variant, without patronymic', 'Sergey Ivanov', 'RU', 'XSL-0001'],
    ['an alias', 'Dieter Mueller', 'DE', 'XSL-0006'],
    ['a company with another legal form and punctuation', 'OCEANIC MERIDIAN TRADING L.L.C', 'AE', 'XSL-0003'],
    ['a typo', 'Oceanic Meridain Trading', 'AE', 'XSL-0003'],
    ['the exact name in another country (still a hit: 1.0 − 0.1)', 'Jean-Luc Marcel Dubois', 'CA', 'XSL-0012'],
    ['an entry without countries, anywhere', 'Farid Rahmani', 'SE', 'XSL-0021'],
  ])('finds %s', (_case, name, country, id) => {
    expect(hitIds(name, country)).toContain(id);
  });

  it.each([
    ['a different person sharing one name', 'Sergei Rachmaninoff', 'RU'],
    ['a single common surname', 'Ivanov', 'RU'],
    ['an unrelated company', 'Maple Leaf Supplies Inc.', 'CA'],
    ['a near name in another country', 'Olga Petrenko', 'PL'],
    ['an unrelated person', 'Amélie Tremblay', 'CA'],
  ])('does not flag %s', (_case, name, country) => {
    expect(hitIds(name, country)).toEqual([]);
  });

  it('scores by the shorter token list and needs two paired tokens for a multi-token name', () => {
    expect(nameScore(['sergei', 'ivanov'], ['ivanov', 'sergei', 'petrovich'])).toBe(1);
    expect(nameScore(['ivanov'], ['ivanov', 'sergei', 'petrovich'])).toBe(0);
    expect(nameScore(['oceanmar'], ['oceanmar'])).toBe(1);
    expect(nameScore(['s', 'ivanov'], ['ivanov', 'sergei', 'petrovich'])).toBe(0.75);
  });

  it('reports the matched name, score, country match and programs', () => {
    const [hit] = screenName('Jose Manuel Alvarez Quintero', 'VE', entries);
    expect(hit).toEqual({ entryId: 'XSL-0002', matchedName: 'ÁLVAREZ QUINTERO, José Manuel', score: 1, countryMatch: true, programs: ['NARCO-TRAF'] });
    expect(MATCH_THRESHOLD).toBe(0.9);
  });
});

describe('screening a payout', () => {
  const list = checkedInSanctionsList;
  it('clears an unrelated beneficiary under the limit', () => {
    expect(screenPayoutRequest({ beneficiaryName: 'Maple Leaf Supplies Inc.', beneficiaryCountry: 'CA', amount: 25_000, currency: 'CAD', list })).toEqual({
      outcome: 'clear',
      reasons: [],
      hits: [],
      listVersion: 'XSL (xborder sample list) 2026-11-15.1',
    });
  });

  it('sends a sanctions match or an amount at the review limit to review', () => {
    expect(screenPayoutRequest({ beneficiaryName: 'Farid Rahmani', beneficiaryCountry: 'FR', amount: 100, currency: 'EUR', list })).toMatchObject({
      outcome: 'review',
      reasons: ['sanctions_match'],
    });
    expect(screenPayoutRequest({ beneficiaryName: 'Maple Leaf Supplies Inc.', beneficiaryCountry: 'CA', amount: 7_000_000, currency: 'CAD', list })).toMatchObject({
      outcome: 'review',
      reasons: ['amount_limit'],
    });
  });

  describe('a leaked key cashing out (new beneficiary, daily total)', () => {
    const supplier = { beneficiaryName: 'Maple Leaf Supplies Inc.', beneficiaryCountry: 'CA', currency: 'CAD', list };
    const now = new Date('2026-12-06T12:00:00Z');
    const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();

    it.each([
      // CAD review limit 7,000,000: a new beneficiary's limit is 1,400,000, the day's 28,000,000.
      { name: 'a new beneficiary paid above a fifth of the review limit', amount: 1_400_001, createdHoursAgo: 1, dayTotal: 1_400_001, reasons: ['new_beneficiary'] },
      { name: 'a new beneficiary paid exactly a fifth of the review limit', amount: 1_400_000, createdHoursAgo: 1, dayTotal: 1_400_000, reasons: [] },
      { name: 'a beneficiary a day old paid the same', amount: 1_400_001, createdHoursAgo: 24, dayTotal: 1_400_001, reasons: [] },
      { name: 'the day beyond four review limits', amount: 6_999_999, createdHoursAgo: 48, dayTotal: 28_000_001, reasons: ['daily_limit'] },
      { name: 'the day at four review limits', amount: 6_999_999, createdHoursAgo: 48, dayTotal: 28_000_000, reasons: [] },
      { name: 'both, and the amount limit', amount: 7_000_000, createdHoursAgo: 2, dayTotal: 30_000_000, reasons: ['amount_limit', 'new_beneficiary', 'daily_limit'] },
    ])('$name → $reasons', ({ amount, createdHoursAgo, dayTotal, reasons }) => {
      // Prepare / Act
      const result = screenPayoutRequest({ ...supplier, amount, beneficiaryCreatedAt: hoursAgo(createdHoursAgo), now, dayTotal });
      // Assess
      expect(result.reasons).toEqual(reasons);
      expect(result.outcome).toBe(reasons.length > 0 ? 'review' : 'clear');
    });

    it('has no new-beneficiary or daily limit in a currency without a review limit', () => {
      const result = screenPayoutRequest({ ...supplier, currency: 'XYZ', amount: 10 ** 12, beneficiaryCreatedAt: hoursAgo(0), now, dayTotal: 10 ** 13 });
      expect(result.reasons).toEqual([]);
    });
  });

  describe("a merchant's own limits (set by an operator)", () => {
    const supplier = { beneficiaryName: 'Maple Leaf Supplies Inc.', beneficiaryCountry: 'CA', currency: 'CAD', list };
    const now = new Date('2026-12-06T12:00:00Z');
    const dayOld = new Date(now.getTime() - 48 * 3_600_000).toISOString();

    it.each([
      // Review limit lowered to 1,000,000: amount limit there, new beneficiary 200,000, the day 4,000,000.
      { name: 'a payout at the lowered review limit', merchantLimits: { review: 1_000_000 }, amount: 1_000_000, dayTotal: 1_000_000, fresh: false, reasons: ['amount_limit'] },
      { name: 'a new beneficiary above a fifth of it', merchantLimits: { review: 1_000_000 }, amount: 200_001, dayTotal: 200_001, fresh: true, reasons: ['new_beneficiary'] },
      { name: 'the day above four of it', merchantLimits: { review: 1_000_000 }, amount: 999_999, dayTotal: 4_000_001, fresh: false, reasons: ['daily_limit'] },
      { name: 'a daily limit of its own, under the derived one', merchantLimits: { review: 1_000_000, daily: 1_500_000 }, amount: 900_000, dayTotal: 1_500_001, fresh: false, reasons: ['daily_limit'] },
      { name: 'a daily limit alone keeps the platform review limit', merchantLimits: { daily: 2_000_000 }, amount: 6_999_999, dayTotal: 6_999_999, fresh: false, reasons: ['daily_limit'] },
      { name: 'a raised review limit lets a larger payout through', merchantLimits: { review: 20_000_000 }, amount: 10_000_000, dayTotal: 10_000_000, fresh: false, reasons: [] },
    ])('$name → $reasons', ({ merchantLimits, amount, dayTotal, fresh, reasons }) => {
      const result = screenPayoutRequest({ ...supplier, amount, beneficiaryCreatedAt: fresh ? now.toISOString() : dayOld, now, dayTotal, merchantLimits });
      expect(result.reasons).toEqual(reasons);
    });

    it('derives the limits in force from the platform where the merchant set none', () => {
      expect(payoutLimitsFor('CAD', undefined)).toEqual({ review: 7_000_000, newBeneficiary: 1_400_000, daily: 28_000_000 });
      expect(payoutLimitsFor('CAD', { review: 1_000_000 })).toEqual({ review: 1_000_000, newBeneficiary: 200_000, daily: 4_000_000 });
      expect(payoutLimitsFor('XYZ', { daily: 5 })).toEqual({ review: undefined, newBeneficiary: undefined, daily: 5 });
    });
  });
});
