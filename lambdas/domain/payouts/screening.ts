import type { PayoutLimitOverride } from '../merchant';
/**
 * Payout screening: the beneficiary's name (and country) against a sanctions list, and the amount against
 * review limits. Anything it flags goes to an operator (`in_review`), never straight to a refusal: a
 * fuzzy match is a question, not an answer.
 *
 * Name matching (docs/decisions/0007-payout-saga-and-rails.md, "Screening"):
 * 1. Normalize: Unicode NFKD with combining marks removed (José → jose, Müller → muller, ß → ss),
 *    lower case, dots removed, anything else but letters and digits becomes a space; drop legal forms and honorifics
 *    (llc, ltd, s.a., gmbh, mr, dr...).
 * 2. Tokens, order ignored ("IVANOV, Sergei" = "Sergei Ivanov").
 * 3. Pair tokens one to one, greedily by Jaro-Winkler similarity; a pair below TOKEN_THRESHOLD (0.88)
 *    does not pair (so "ivanov" ≈ "ivanova" 0.97 and "maria" ≈ "mario" 0.92 pair, "dwayne" and "duane"
 *    0.84 do not). An initial pairs with a word starting with that letter, but adds only INITIAL_WEIGHT
 *    (0.5): "S. Ivanov" alone is not enough to match "Sergei Petrovich Ivanov".
 * 4. Score = Σ pair similarities / the smaller token count: a name missing a middle name or patronymic
 *    still scores high. At least two tokens must pair unless the listed name has only one.
 * 5. A listed entry with countries, none of them the beneficiary's, loses COUNTRY_MISMATCH_PENALTY (0.10).
 * 6. A hit is a score ≥ MATCH_THRESHOLD (0.90) against the entry's name or any alias.
 * So an exact name in another country (0.90) is still a hit; a near name in another country is not.
 */
export const TOKEN_THRESHOLD = 0.88;
export const INITIAL_WEIGHT = 0.5;
export const MATCH_THRESHOLD = 0.9;
export const COUNTRY_MISMATCH_PENALTY = 0.1;

export interface SanctionsEntry {
  /** The list's own reference, e.g. `XSL-0042`. */
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly type: 'individual' | 'entity';
  /** ISO 3166-1 alpha-2 countries of nationality, residence or registration; empty when unknown. */
  readonly countries: readonly string[];
  readonly programs: readonly string[];
}

export interface SanctionsHit {
  readonly entryId: string;
  /** The listed name or alias that matched. */
  readonly matchedName: string;
  /** 0..1, rounded to 3 decimals for display and audit. */
  readonly score: number;
  readonly countryMatch: boolean;
  readonly programs: readonly string[];
}

const STOPWORDS = new Set([
  'llc', 'ltd', 'limited', 'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'plc', 'gmbh', 'ag', 'sa', 'sas',
  'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'kg', 'lp', 'llp', 'ltda', 'me', 'eireli', 'cv', 'de', 'sab',
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'sra', 'jr', 'the',
]);

/** ß and similar letters NFKD does not decompose. */
const FOLDS: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th', ı: 'i' };

export const normalizeName = (name: string): string[] =>
  name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłþı]/g, (letter) => FOLDS[letter] ?? letter)
    // Dots join ("L.L.C." → llc, "S.A." → sa); initials stay apart where spaced ("S. P. Ivanov").
    .replace(/\./g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((token) => token.length > 0 && !STOPWORDS.has(token));

/** Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters), 0..1. */
export const jaroWinkler = (a: string, b: string): number => {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const matchedA = new Array<boolean>(a.length).fill(false);
  const matchedB = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i += 1) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j += 1) {
      if (matchedB[j] || a[i] !== b[j]) continue;
      matchedA[i] = true;
      matchedB[j] = true;
      matches += 1;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i += 1) {
    if (!matchedA[i]) continue;
    while (!matchedB[k]) k += 1;
    if (a[i] !== b[k]) transpositions += 1;
    k += 1;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < Math.min(4, a.length, b.length) && a[prefix] === b[prefix]) prefix += 1;
  return jaro + prefix * 0.1 * (1 - jaro);
};

/** Similarity of two names (tokens in any order), 0..1; see the rules above. */
export const nameScore = (candidate: readonly string[], listed: readonly string[]): number => {
  if (candidate.length === 0 || listed.length === 0) return 0;
  const pairs: { i: number; j: number; similarity: number }[] = [];
  candidate.forEach((a, i) =>
    listed.forEach((b, j) => {
      if (a.length === 1 || b.length === 1) {
        if (a[0] === b[0]) pairs.push({ i, j, similarity: INITIAL_WEIGHT });
        return;
      }
      const similarity = jaroWinkler(a, b);
      if (similarity >= TOKEN_THRESHOLD) pairs.push({ i, j, similarity });
    }),
  );
  pairs.sort((x, y) => y.similarity - x.similarity);
  const usedCandidate = new Set<number>();
  const usedListed = new Set<number>();
  let total = 0;
  let paired = 0;
  for (const pair of pairs) {
    if (usedCandidate.has(pair.i) || usedListed.has(pair.j)) continue;
    usedCandidate.add(pair.i);
    usedListed.add(pair.j);
    total += pair.similarity;
    paired += 1;
  }
  if (paired < Math.min(2, listed.length)) return 0;
  return total / Math.min(candidate.length, listed.length);
};

const round3 = (value: number): number => Math.round(value * 1_000) / 1_000;

/** Every entry the name (and country) matches, best first. */
export const screenName = (name: string, country: string, entries: readonly SanctionsEntry[]): SanctionsHit[] => {
  const candidate = normalizeName(name);
  const hits: SanctionsHit[] = [];
  for (const entry of entries) {
    const countryMatch = entry.countries.length === 0 || entry.countries.includes(country);
    let best: { name: string; score: number } | undefined;
    for (const listedName of [entry.name, ...entry.aliases]) {
      const score = nameScore(candidate, normalizeName(listedName)) - (countryMatch ? 0 : COUNTRY_MISMATCH_PENALTY);
      if (!best || score > best.score) best = { name: listedName, score };
    }
    if (best && best.score >= MATCH_THRESHOLD) {
      hits.push({ entryId: entry.id, matchedName: best.name, score: round3(best.score), countryMatch, programs: entry.programs });
    }
  }
  return hits.sort((a, b) => b.score - a.score);
};

/**
 * Amounts at or above which a payout waits for an operator whatever the name screening says (about
 * USD 50,000), per payout currency, in minor units. A currency not listed has no review limit.
 */
export const REVIEW_LIMITS: Readonly<Record<string, number>> = {
  USD: 5_000_000,
  EUR: 4_500_000,
  GBP: 4_000_000,
  CHF: 4_500_000,
  CAD: 7_000_000,
  AUD: 7_500_000,
  MXN: 95_000_000,
  BRL: 27_500_000,
  JPY: 7_500_000,
  KRW: 70_000_000,
  SEK: 52_500_000,
  KWD: 15_000_000,
};

/**
 * A beneficiary added less than this long ago is a new beneficiary: a payout to it above
 * `newBeneficiaryLimit` waits for an operator. A leaked key's fastest cash-out is a fresh beneficiary paid
 * at once (issue 13); a real supplier is paid small amounts, or after a day.
 */
export const NEW_BENEFICIARY_HOURS = 24;

/** Above a fifth of the review limit (about USD 10,000): a new beneficiary's payout waits for review. */
export const newBeneficiaryLimit = (currency: string, limits: Readonly<Record<string, number>> = REVIEW_LIMITS): number | undefined =>
  limits[currency] === undefined ? undefined : Math.floor(limits[currency] / 5);

/**
 * A merchant's payouts in one currency over one UTC day above four review limits (about USD 200,000) wait
 * for review: payouts just under the review limit, one after another, drain a balance only this far.
 */
export const dailyPayoutLimit = (currency: string, limits: Readonly<Record<string, number>> = REVIEW_LIMITS): number | undefined =>
  limits[currency] === undefined ? undefined : limits[currency] * 4;

/**
 * The limits a payout in `currency` is screened against: the platform's, each replaced by the merchant's own
 * where an operator set one (Merchant.payoutLimits). A merchant's review limit also moves its new-beneficiary
 * limit (a fifth of it) and, unless a daily limit is set too, its daily limit (four of it).
 */
export const payoutLimitsFor = (
  currency: string,
  override: PayoutLimitOverride | undefined,
  limits: Readonly<Record<string, number>> = REVIEW_LIMITS,
): { readonly review?: number; readonly newBeneficiary?: number; readonly daily?: number } => {
  const review = override?.review ?? limits[currency];
  const merged = review === undefined ? limits : { ...limits, [currency]: review };
  return { review, newBeneficiary: newBeneficiaryLimit(currency, merged), daily: override?.daily ?? dailyPayoutLimit(currency, merged) };
};

/** The UTC day a payout counts towards (its creation date: the same on every run of its workflow). */
export const payoutDay = (createdAt: string): string => createdAt.slice(0, 10);

export type ReviewReason = 'sanctions_match' | 'amount_limit' | 'new_beneficiary' | 'daily_limit';

export interface ScreeningResult {
  readonly outcome: 'clear' | 'review';
  readonly reasons: readonly ReviewReason[];
  readonly hits: readonly SanctionsHit[];
  /** The list version screened against (audit). */
  readonly listVersion: string;
}

export const screenPayoutRequest = (input: {
  readonly beneficiaryName: string;
  readonly beneficiaryCountry: string;
  readonly amount: number;
  readonly currency: string;
  readonly list: { readonly version: string; readonly entries: readonly SanctionsEntry[] };
  readonly limits?: Readonly<Record<string, number>>;
  /** When the beneficiary was added, and the time of screening: a new beneficiary has a lower limit. */
  readonly beneficiaryCreatedAt?: string;
  readonly now?: Date;
  /** The merchant's payouts in this currency on the payout's day, this one included. */
  readonly dayTotal?: number;
  /** The merchant's own limits in this currency, if an operator set any. */
  readonly merchantLimits?: PayoutLimitOverride;
}): ScreeningResult => {
  const hits = screenName(input.beneficiaryName, input.beneficiaryCountry, input.list.entries);
  const { review: limit, newBeneficiary: newLimit, daily: dayLimit } = payoutLimitsFor(input.currency, input.merchantLimits, input.limits);
  const reasons: ReviewReason[] = [];
  if (hits.length > 0) reasons.push('sanctions_match');
  if (limit !== undefined && input.amount >= limit) reasons.push('amount_limit');
  if (input.beneficiaryCreatedAt !== undefined && input.now !== undefined && newLimit !== undefined && input.amount > newLimit) {
    const ageHours = (input.now.getTime() - Date.parse(input.beneficiaryCreatedAt)) / 3_600_000;
    if (ageHours < NEW_BENEFICIARY_HOURS) reasons.push('new_beneficiary');
  }
  if (input.dayTotal !== undefined && dayLimit !== undefined && input.dayTotal > dayLimit) reasons.push('daily_limit');
  return { outcome: reasons.length > 0 ? 'review' : 'clear', reasons, hits, listVersion: input.list.version };
};
