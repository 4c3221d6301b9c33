import { passesLuhn } from '../../lambdas/domain/card';
import { IBAN_LENGTHS } from '../../lambdas/domain/payouts/countries';
import { ibanProblem } from '../../lambdas/domain/payouts/bank-identifiers';

/**
 * What the leak scan (test/e2e/leak-scan.ts) looks for, by shape rather than from a list of the numbers a
 * test happened to use:
 *
 * - **Card numbers**: 13 to 19 digits passing Luhn, written plain or in groups separated by single spaces or
 *   dashes (`4242 4242 4242 4242`, `3782-822463-10005`). Not counted, because they are not card numbers:
 *   digits inside a longer word or token (an id, a hex hash: a letter, digit, `_` or `.`+digit touches
 *   them), the fraction of a decimal (`1.0823456789012345`), numbers starting with 0 (no card network issues
 *   them: zero-padded counters and file fields), and epoch timestamps of 2016-2039 in milliseconds (13
 *   digits), microseconds (16) or nanoseconds (19), which start 14-22 where no 13-, 16- or 19-digit card
 *   range does (Mastercard's 2-series starts at 2221). A Luhn-valid digit string that is none of these is
 *   reported even when it is not a real card: 1 in 10 random numbers passes Luhn, so a stored account or
 *   reference number of that length is worth a look anyway.
 * - **IBANs**: a country that issues IBANs, two check digits, exactly that country's length, passing the
 *   mod-97 check (ISO 13616), upper or lower case, plain or in groups separated by single spaces.
 * - **CVCs**: a key spelled like a card security code (`cvc`, `cvv`, `cvv2`, `cvc2`, `cvn`, `csc`, `cid`,
 *   `card_code`, `security_code`, `cardSecurityCode`, `card-verification-value`... in any case, with any
 *   separators) holding a 3- or 4-digit value, in JSON (quoted or escaped inside a JSON string) or in
 *   `key=value` / `key: value` text. A key holding anything else (`null`, `"[redacted]"`) is no leak.
 */
export interface Leak {
  readonly kind: 'card_number' | 'iban' | 'cvc';
  /** What was found, masked to its first 6 and last 4 characters so a report never repeats a leak. */
  readonly found: string;
}

const mask = (value: string): string => (value.length <= 10 ? `${value.slice(0, 2)}…` : `${value.slice(0, 6)}…${value.slice(-4)}`);

const isWordCharacter = (character: string | undefined): boolean => character !== undefined && /[A-Za-z0-9_]/.test(character);
const isDigit = (character: string | undefined): boolean => character !== undefined && /\d/.test(character);

/** Epoch milliseconds, microseconds or nanoseconds from 2016 to 2039: 1.4e12 to 2.2e12 scaled. */
const looksLikeTimestamp = (digits: string): boolean => {
  if (![13, 16, 19].includes(digits.length)) return false;
  const leading = Number(digits.slice(0, 3)) / 100;
  return leading >= 1.4 && leading < 2.2;
};

const isCardNumber = (digits: string): boolean =>
  digits.length >= 13 && digits.length <= 19 && digits[0] !== '0' && !looksLikeTimestamp(digits) && passesLuhn(digits);

/** Runs of digits joined by single spaces or dashes; every window of whole groups is a candidate. */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

/**
 * A UUID (request ids, execution names): 8-4-4-4-12 hex digits. Its first groups are all digits often enough
 * (1 UUID in about 2,000 starts with 16 digits in 8-4-4, a tenth of those pass Luhn) that a log of a
 * thousand requests would report one every few runs; no card is written in this shape.
 */
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

export const findCardNumbers = (input: string): string[] => {
  const found: string[] = [];
  const text = input.replace(UUID, (uuid) => 'u'.repeat(uuid.length));
  for (const match of text.matchAll(DIGIT_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    const before = text[start - 1];
    const after = text[end];
    // Inside a token (an id, a hash) or a decimal number: not a card number.
    if (isWordCharacter(before) || isWordCharacter(after)) continue;
    if (before === '.' && isDigit(text[start - 2])) continue;
    if (after === '.' && isDigit(text[end + 1])) continue;
    const groups = match[0].split(/[ -]/);
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last += 1) {
        digits += groups[last];
        if (isCardNumber(digits)) found.push(digits);
      }
    }
  }
  return [...new Set(found)];
};

const IBAN_START = /[A-Za-z]{2}\d{2}/g;

export const findIbans = (text: string): string[] => {
  const found: string[] = [];
  for (const match of text.matchAll(IBAN_START)) {
    const start = match.index;
    if (isWordCharacter(text[start - 1])) continue;
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) continue;
    // Collect `length` letters and digits, allowing a single space between two of them.
    let iban = '';
    let index = start;
    while (iban.length < length && index < text.length) {
      const character = text[index] as string;
      if (/[A-Za-z0-9]/.test(character)) iban += character;
      else if (!(character === ' ' && iban.length > 0 && /[A-Za-z0-9]/.test(text[index + 1] ?? ''))) break;
      index += 1;
    }
    if (iban.length === length && !isWordCharacter(text[index]) && ibanProblem(iban) === undefined) found.push(iban.toUpperCase());
  }
  return [...new Set(found)];
};

/** Card security code spellings, compared with case and separators removed. */
export const CVC_KEYS = new Set([
  'cvc',
  'cvc2',
  'cvv',
  'cvv2',
  'cvn',
  'cvn2',
  'cvd',
  'csc',
  'cid',
  'cav2',
  'cardcode',
  'securitycode',
  'cardsecuritycode',
  'cardverificationcode',
  'cardverificationvalue',
  'cardverificationnumber',
  'verificationcode',
  'verificationvalue',
  'cardcvc',
  'cardcvv',
]);

const normalizedKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** `key` then `:` or `=`, then a 3- or 4-digit value, with any quoting (plain, JSON, JSON inside a JSON string). */
const KEYED_DIGITS = /([A-Za-z][A-Za-z0-9_-]{1,40})["'\\]*\s*[:=]\s*["'\\]*(\d{3,4})(?![\d.])/g;

/** Spellings specific enough to count at the end of a longer key too (`payment_method_cvc`, `card.securityCode`). */
const CVC_SUFFIXES = ['cvc', 'cvc2', 'cvv', 'cvv2', 'cvn', 'cvn2', 'securitycode', 'cardcode', 'verificationcode', 'verificationvalue'];

const isCvcKey = (key: string): boolean => {
  const normalized = normalizedKey(key);
  return CVC_KEYS.has(normalized) || CVC_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
};

export const findCvcs = (text: string): string[] => {
  const found: string[] = [];
  for (const match of text.matchAll(KEYED_DIGITS)) {
    if (isCvcKey(match[1] as string)) found.push(`${match[1]}=${match[2]}`);
  }
  return [...new Set(found)];
};

/** Every leak in a text: card numbers, IBANs and CVCs, masked. */
export const findLeaks = (text: string): Leak[] => [
  ...findCardNumbers(text).map((found): Leak => ({ kind: 'card_number', found: mask(found) })),
  ...findIbans(text).map((found): Leak => ({ kind: 'iban', found: mask(found) })),
  ...findCvcs(text).map((found): Leak => ({ kind: 'cvc', found: `${found.split('=')[0]}=…` })),
];
