import { type MinorUnits, minorUnits, minorUnitsFromWire } from '../../domain/money';

/**
 * Rails write amounts as decimals in major units ("252.65", JPY "1500", KWD "1.234"); the platform keeps
 * integer minor units. Exact both ways (strings only, no float).
 */
export const toDecimalAmount = (amount: number, currency: string): string => {
  const digits = minorUnits(currency);
  const units = String(amount).padStart(digits + 1, '0');
  return digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
};

/** A rail's or bank's decimal amount, as the platform's minor units: where an amount enters from a bank. */
export const fromDecimalAmount = (text: string, currency: string): MinorUnits => {
  const digits = minorUnits(currency);
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > digits) throw new RangeError(`Not an amount in ${currency}: '${text}'`);
  return minorUnitsFromWire(Number(`${match[1]}${(match[2] ?? '').padEnd(digits, '0')}`));
};
