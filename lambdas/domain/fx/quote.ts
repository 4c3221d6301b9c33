import { MAX_AMOUNT_MINOR, isValidAmount, minorUnits } from '../money';
import {
  type Decimal,
  type Fraction,
  type RoundingMode,
  formatDecimal,
  fraction,
  parseDecimal,
  pow10,
  roundFraction,
  roundSignificant,
  toFraction,
} from './decimal';
import { AmountTooSmallToConvertError, FxAmountOutOfRangeError } from './errors';

/**
 * FX quotes: a client rate locked for a validity period, derived from the mid rate minus a spread, and
 * the two amounts it converts (docs/decisions/0006-fx-arithmetic-and-quotes.md).
 *
 * Rates are quoted as "units of the buy currency per one unit of the sell currency", as exact decimals of
 * RATE_SIGNIFICANT_DIGITS significant digits:
 *   mid rate    = the provider's mid, rounded half up
 *   client rate = mid × (10,000 − spread bps) / 10,000, rounded DOWN
 * so the client rate is never better than the spread promises, and the string shown is the exact rate
 * every conversion at this quote uses.
 *
 * Rounding rule for amounts (ROUND_DOWN what the merchant receives, ROUND_UP what it pays): the amount
 * the merchant did not fix is computed exactly (minor units × rate, with the currencies' exponents),
 * then
 *   - a buy amount (sell_amount fixed) is rounded down to a whole minor unit of the buy currency;
 *   - a sell amount (buy_amount fixed) is rounded up to a whole minor unit of the sell currency.
 * Either way the merchant never gets more than the locked rate gives, the error is below one minor unit,
 * and the spread the platform earns is never negative.
 *
 * Spread revenue, in minor units of the buy currency: floor(sell amount × mid rate) − buy amount: what the
 * merchant would have received at mid, less what it receives. The ledger recognises it explicitly.
 */
export const QUOTE_VALIDITIES = ['MIN_1', 'MIN_15', 'MIN_30', 'HR_1', 'HR_4', 'HR_8', 'HR_24'] as const;
export type QuoteValidity = (typeof QUOTE_VALIDITIES)[number];

export const VALIDITY_SECONDS: Readonly<Record<QuoteValidity, number>> = {
  MIN_1: 60,
  MIN_15: 15 * 60,
  MIN_30: 30 * 60,
  HR_1: 60 * 60,
  HR_4: 4 * 60 * 60,
  HR_8: 8 * 60 * 60,
  HR_24: 24 * 60 * 60,
};

export const RATE_SIGNIFICANT_DIGITS = 10;

/**
 * The spread the platform charges, in basis points of the mid rate: a base per currency pair (wider when
 * either currency is outside the liquid majors) plus an add-on per validity, since a longer lock leaves the
 * platform exposed to the market for longer (roughly with the square root of time; the add-ons below are
 * rounded from a 10 % annualised volatility).
 */
export interface SpreadSchedule {
  /** Currencies whose pairs with each other get `majorBps`. */
  readonly majors: readonly string[];
  readonly majorBps: number;
  /** Any pair with a currency outside `majors`. */
  readonly otherBps: number;
  readonly validityAddOnBps: Readonly<Record<QuoteValidity, number>>;
}

export const DEFAULT_SPREAD_SCHEDULE: SpreadSchedule = {
  majors: ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'NZD', 'SGD', 'HKD'],
  majorBps: 25,
  otherBps: 60,
  validityAddOnBps: { MIN_1: 0, MIN_15: 5, MIN_30: 10, HR_1: 15, HR_4: 30, HR_8: 45, HR_24: 80 },
};

export const MAX_SPREAD_BPS = 1_000;

export const isValidSpreadSchedule = (schedule: SpreadSchedule): boolean => {
  const values = [schedule.majorBps, schedule.otherBps, ...QUOTE_VALIDITIES.map((validity) => schedule.validityAddOnBps[validity])];
  return (
    values.every((value) => Number.isInteger(value) && value >= 0) &&
    Math.max(schedule.majorBps, schedule.otherBps) + Math.max(...QUOTE_VALIDITIES.map((validity) => schedule.validityAddOnBps[validity])) <= MAX_SPREAD_BPS
  );
};

export const spreadBps = (schedule: SpreadSchedule, sellCurrency: string, buyCurrency: string, validity: QuoteValidity): number => {
  const major = schedule.majors.includes(sellCurrency) && schedule.majors.includes(buyCurrency);
  return (major ? schedule.majorBps : schedule.otherBps) + schedule.validityAddOnBps[validity];
};

/** The client rate from a mid rate and a spread, rounded down to the quoted precision. */
export const clientRate = (mid: Decimal, bps: number): Decimal =>
  roundSignificant(fraction(mid.units * BigInt(10_000 - bps), pow10(mid.scale) * 10_000n), RATE_SIGNIFICANT_DIGITS, 'down');

/** The exact amount of `to` minor units that `amount` minor units of `from` make at `rate` (to per from). */
export const convertExact = (amount: number, rate: Decimal, from: string, to: string): Fraction =>
  fraction(BigInt(amount) * rate.units * pow10(minorUnits(to)), pow10(rate.scale) * pow10(minorUnits(from)));

/** The exact amount of `from` minor units needed to make `amount` minor units of `to` at `rate` (to per from). */
export const convertInverseExact = (amount: number, rate: Decimal, from: string, to: string): Fraction =>
  fraction(BigInt(amount) * pow10(rate.scale) * pow10(minorUnits(from)), rate.units * pow10(minorUnits(to)));

const toAmount = (value: Fraction, mode: RoundingMode, currency: string, side: 'sell' | 'buy'): number => {
  const rounded = roundFraction(value, mode);
  if (rounded < 1n) throw new AmountTooSmallToConvertError(side, currency);
  if (rounded > BigInt(MAX_AMOUNT_MINOR)) throw new FxAmountOutOfRangeError(side, currency);
  return Number(rounded);
};

export type FixedSide = { readonly sellAmount: number; readonly buyAmount?: undefined } | { readonly buyAmount: number; readonly sellAmount?: undefined };

export interface PricedQuote {
  readonly sellAmount: number;
  readonly buyAmount: number;
  readonly fixedSide: 'sell' | 'buy';
  /** Buy currency per one sell currency, exact; what the conversion uses. */
  readonly rate: Decimal;
  readonly midRate: Decimal;
  readonly spreadBps: number;
  /** What the platform earns, minor units of the buy currency. */
  readonly spreadAmount: number;
}

/**
 * Price a quote: the client rate from the mid, the amount the merchant did not fix (rounded in the
 * platform's favour, see above) and the spread revenue. Pure; the caller validated currencies.
 */
export const priceQuote = (input: {
  readonly sellCurrency: string;
  readonly buyCurrency: string;
  readonly amount: FixedSide;
  /** Mid rate, buy per sell, exact (as the rate provider gives it). */
  readonly mid: Fraction;
  readonly spreadBps: number;
}): PricedQuote => {
  const { sellCurrency, buyCurrency } = input;
  if (!Number.isInteger(input.spreadBps) || input.spreadBps < 0 || input.spreadBps > MAX_SPREAD_BPS) {
    throw new RangeError(`Spread must be 0..${MAX_SPREAD_BPS} bps`);
  }
  const midRate = roundSignificant(input.mid, RATE_SIGNIFICANT_DIGITS, 'half_up');
  const rate = clientRate(midRate, input.spreadBps);
  let sellAmount: number;
  let buyAmount: number;
  if (input.amount.sellAmount !== undefined) {
    if (!isValidAmount(input.amount.sellAmount)) throw new FxAmountOutOfRangeError('sell', sellCurrency);
    sellAmount = input.amount.sellAmount;
    buyAmount = toAmount(convertExact(sellAmount, rate, sellCurrency, buyCurrency), 'down', buyCurrency, 'buy');
  } else {
    if (!isValidAmount(input.amount.buyAmount)) throw new FxAmountOutOfRangeError('buy', buyCurrency);
    buyAmount = input.amount.buyAmount;
    sellAmount = toAmount(convertInverseExact(buyAmount, rate, sellCurrency, buyCurrency), 'up', sellCurrency, 'sell');
  }
  const atMid = Number(roundFraction(convertExact(sellAmount, midRate, sellCurrency, buyCurrency), 'down'));
  return {
    sellAmount,
    buyAmount,
    fixedSide: input.amount.sellAmount !== undefined ? 'sell' : 'buy',
    rate,
    midRate,
    spreadBps: input.spreadBps,
    spreadAmount: atMid - buyAmount,
  };
};

/** The quoted rate as text, and back: what quotes store and show. */
export const rateText = formatDecimal;
export const parseRate = parseDecimal;
export const rateFraction = toFraction;
