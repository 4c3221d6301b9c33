import { data as iso4217 } from 'currency-codes';

declare const minorUnitsBrand: unique symbol;

/**
 * An integer count of a currency's minor units (cents, yen, fils): a number, branded so that an amount read
 * from a counterparty (an acquirer's JSON, a bank's decimal) enters the platform only through a conversion
 * that checks it (as Hyperswitch's `MinorUnit`). Plain numbers are still accepted where one is read, so the
 * brand spreads from the adapters inwards, not in one sweep.
 */
export type MinorUnits = number & { readonly [minorUnitsBrand]: true };

/** An amount from a counterparty's wire, already in minor units: a safe integer, or RangeError. */
export const minorUnitsFromWire = (value: number): MinorUnits => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Not an amount in minor units: ${value}`);
  return value as MinorUnits;
};

/**
 * Money is an integer count of a currency's minor units plus its ISO 4217 code. Never a float.
 * Minor units come from the ISO 4217 table (JPY 0, USD 2, KWD 3), via the currency-codes package.
 */
export interface Money {
  readonly amount: MinorUnits;
  readonly currency: string;
}

/**
 * ISO 4217 codes that are not spendable currencies: precious metals, bond-market units, SDRs, fund codes
 * and the testing/no-currency codes. They are refused everywhere.
 */
const NON_TRANSACTIONAL = new Set([
  'XAU', 'XAG', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA', 'XTS', 'XXX',
  'BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW',
]);

const minorUnitsByCode: ReadonlyMap<string, number> = new Map(
  iso4217
    .filter((entry) => !NON_TRANSACTIONAL.has(entry.code) && Number.isInteger(entry.digits))
    .map((entry) => [entry.code, entry.digits]),
);

/**
 * The largest amount accepted for one payment, in minor units of any currency. Eleven digits keep every
 * sum of many amounts far inside Number.MAX_SAFE_INTEGER while allowing large payments in currencies
 * with small units (IDR 999,999,999.99).
 */
export const MAX_AMOUNT_MINOR = 99_999_999_999;

export const isSupportedCurrency = (code: string): boolean => minorUnitsByCode.has(code);

export const supportedCurrencies = (): string[] => [...minorUnitsByCode.keys()].sort();

/** Decimal places of a supported currency; throws for an unsupported one (callers validate first). */
export const minorUnits = (code: string): number => {
  const digits = minorUnitsByCode.get(code);
  if (digits === undefined) throw new RangeError(`Unsupported currency ${code}`);
  return digits;
};

export const isValidAmount = (amount: number): boolean =>
  Number.isSafeInteger(amount) && amount > 0 && amount <= MAX_AMOUNT_MINOR;

/** Human-readable major-unit string for messages only ("12.34 USD"); never parsed back. */
export const formatMoney = ({ amount, currency }: { readonly amount: number; readonly currency: string }): string => {
  const digits = minorUnits(currency);
  const sign = amount < 0 ? '-' : '';
  const units = Math.abs(amount).toString().padStart(digits + 1, '0');
  const major = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return `${sign}${major} ${currency}`;
};
