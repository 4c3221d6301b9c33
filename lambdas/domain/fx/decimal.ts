/**
 * Exact decimals and fractions for FX, in BigInt: no float ever touches a rate or an amount.
 *
 * A `Decimal` is what a rate looks like on the wire (`"0.2714506372"`): an integer of units and a
 * scale (value = units / 10^scale). A `Fraction` is an exact intermediate (a cross rate, a drifted rate,
 * an amount times a rate) that is rounded once, by a named rule, when it becomes a Decimal or an
 * integer amount of minor units.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

export interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** Positive decimals only (rates and multipliers are never zero or negative). */
const DECIMAL_TEXT = /^(\d{1,30})(?:\.(\d{1,30}))?$/;

export const parseDecimal = (text: string): Decimal => {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) throw new RangeError(`Not a decimal: '${text}'`);
  const fraction = match[2] ?? '';
  return { units: BigInt(`${match[1]}${fraction}`), scale: fraction.length };
};

/** Canonical text: no trailing fractional zeros, at least one integer digit ("0.5", "150", "1.25"). */
export const formatDecimal = (value: Decimal): string => {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  const digits = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

export const pow10 = (exponent: number): bigint => 10n ** BigInt(exponent);

export const toFraction = (value: Decimal): Fraction => ({ numerator: value.units, denominator: pow10(value.scale) });

export const fraction = (numerator: bigint, denominator: bigint): Fraction => {
  if (denominator <= 0n) throw new RangeError('A fraction needs a positive denominator');
  return { numerator, denominator };
};

export const multiply = (a: Fraction, b: Fraction): Fraction => fraction(a.numerator * b.numerator, a.denominator * b.denominator);

export const divide = (a: Fraction, b: Fraction): Fraction => {
  if (b.numerator <= 0n) throw new RangeError('Division by a non-positive fraction');
  return fraction(a.numerator * b.denominator, a.denominator * b.numerator);
};

export const compare = (a: Fraction, b: Fraction): number => {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
};

/** Rounding of a non-negative fraction to an integer. */
export type RoundingMode = 'down' | 'up' | 'half_up';

export const roundFraction = (value: Fraction, mode: RoundingMode): bigint => {
  const { numerator, denominator } = value;
  if (numerator < 0n) throw new RangeError('Only non-negative fractions are rounded here');
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  switch (mode) {
    case 'down':
      return quotient;
    case 'up':
      return quotient + 1n;
    case 'half_up':
      return remainder * 2n >= denominator ? quotient + 1n : quotient;
  }
};

/** Decimal digits of a positive integer. */
const digitCount = (value: bigint): number => value.toString().length;

/**
 * A positive fraction rounded to `digits` significant digits (and at most `maxScale` decimals), as a
 * Decimal. Significant digits, not fixed decimals, because rates span eight orders of magnitude
 * (KRW per KWD ≈ 4,500; KWD per JPY ≈ 0.002).
 */
export const roundSignificant = (value: Fraction, digits: number, mode: RoundingMode, maxScale = 18): Decimal => {
  if (value.numerator <= 0n) throw new RangeError('Only positive fractions have significant digits');
  // Integer digits of the value: compare with powers of ten without floats.
  const integerPart = value.numerator / value.denominator;
  let magnitude: number; // position of the first significant digit: 10^magnitude ≤ value < 10^(magnitude+1)
  if (integerPart > 0n) {
    magnitude = digitCount(integerPart) - 1;
  } else {
    magnitude = -1;
    while (value.numerator * pow10(-magnitude) < value.denominator) magnitude -= 1;
  }
  const scale = Math.min(maxScale, Math.max(0, digits - 1 - magnitude));
  const units = roundFraction(fraction(value.numerator * pow10(scale), value.denominator), mode);
  if (units === 0n) throw new RangeError('The value is too small for the scale allowed');
  return { units, scale };
};
