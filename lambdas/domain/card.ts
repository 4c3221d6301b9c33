/**
 * Card rules that need no I/O: number checks, brand detection, expiry. The full number and the CVC only
 * pass through here; what a payment keeps is `FingerprintedCard` (the number and CVC themselves only in its
 * card hold, as ciphertext, until its authorization answers).
 */
export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay' | 'unknown';

export interface CardSummary {
  readonly brand: CardBrand;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
}

/** A card's summary and its keyed fingerprint, which recognises the same number again without holding it. */
export interface FingerprintedCard extends CardSummary {
  readonly fingerprint: string;
}

/** Luhn (mod 10) check over a string of digits. */
export const passesLuhn = (digits: string): boolean => {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
};

const inRange = (prefix: number, low: number, high: number): boolean => prefix >= low && prefix <= high;

/** Brand from the issuer identification number ranges the networks publish. */
export const cardBrand = (number: string): CardBrand => {
  const two = Number(number.slice(0, 2));
  const three = Number(number.slice(0, 3));
  const four = Number(number.slice(0, 4));
  if (number.startsWith('4')) return 'visa';
  if (inRange(two, 51, 55) || inRange(four, 2221, 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (four === 6011 || two === 65 || inRange(three, 644, 649)) return 'discover';
  if (inRange(four, 3528, 3589)) return 'jcb';
  if (two === 36 || two === 38 || inRange(three, 300, 305)) return 'diners';
  if (two === 62) return 'unionpay';
  return 'unknown';
};

/** A card is valid through the last day of its expiry month (UTC). */
export const isExpired = (expMonth: number, expYear: number, now: Date): boolean => {
  const firstDayAfterExpiry = Date.UTC(expYear, expMonth, 1);
  return now.getTime() >= firstDayAfterExpiry;
};

export const summarizeCard = (card: { number: string; exp_month: number; exp_year: number }): CardSummary => ({
  brand: cardBrand(card.number),
  last4: card.number.slice(-4),
  exp_month: card.exp_month,
  exp_year: card.exp_year,
});
