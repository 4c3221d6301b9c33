import { isSupportedCurrency, minorUnits } from '../money';

/**
 * Processing fees: a percentage in basis points plus a fixed amount per currency, per merchant, with a
 * platform default. Everything is integer minor units.
 *
 * Rounding rule: ROUND_HALF_UP on the percentage part, applied once per fee:
 *   percentage part = floor((amount × bps + 5,000) / 10,000)
 * i.e. the exact product rounded to the nearest minor unit, a tie (exactly half a unit) going up. Chosen
 * because a merchant can reproduce it with a spreadsheet's ROUND() (half away from zero, and amounts are
 * positive), the error is at most half a minor unit per payment, and ties are rare (amount × bps must
 * end in exactly 5,000). Half-even would remove the tiny bias on ties but no merchant tool does it by
 * default, and reconciling a statement matters more here. Then: fee = min(percentage part + fixed, amount),
 * so a fee never exceeds what it is charged on (a 1-yen payment with a 30-yen fixed fee pays 1 yen).
 * Integer arithmetic in BigInt: no float ever touches money.
 */
export interface Pricing {
  /** Percentage of the amount, in basis points (1 bp = 0.01 %), 0 to 10,000. */
  readonly percentBps: number;
  /** Fixed fee per payment in a currency's minor units; a currency absent here has no fixed part. */
  readonly fixed: Readonly<Record<string, number>>;
}

/** The platform's price for a merchant with no pricing of its own (2.9 % + a fixed part in some currencies). */
export const DEFAULT_PRICING: Pricing = {
  percentBps: 290,
  fixed: { USD: 30, EUR: 25, GBP: 20, CAD: 30, AUD: 30, BRL: 39, MXN: 300, JPY: 0, KWD: 100, BHD: 100 },
};

export const MAX_BPS = 10_000;

export const isValidPricing = (pricing: Pricing): boolean =>
  Number.isInteger(pricing.percentBps) &&
  pricing.percentBps >= 0 &&
  pricing.percentBps <= MAX_BPS &&
  Object.entries(pricing.fixed).every(([currency, amount]) => isSupportedCurrency(currency) && Number.isSafeInteger(amount) && amount >= 0);

/** The percentage part of a fee, rounded half-up to a whole minor unit. */
export const percentagePart = (amount: number, percentBps: number): number => {
  const scaled = BigInt(amount) * BigInt(percentBps);
  return Number((scaled + 5_000n) / 10_000n);
};

export interface FeeQuote {
  readonly amount: number;
  readonly currency: string;
  readonly percentagePart: number;
  readonly fixedPart: number;
  /** What the platform keeps: min(percentage + fixed, amount). */
  readonly fee: number;
  readonly net: number;
}

export const computeFee = (pricing: Pricing, amount: number, currency: string): FeeQuote => {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`Fee on a non-integer or negative amount: ${amount}`);
  minorUnits(currency); // throws for an unsupported currency rather than pricing it
  const percentage = percentagePart(amount, pricing.percentBps);
  const fixedPart = pricing.fixed[currency] ?? 0;
  const fee = Math.min(percentage + fixedPart, amount);
  return { amount, currency, percentagePart: percentage, fixedPart, fee, net: amount - fee };
};
