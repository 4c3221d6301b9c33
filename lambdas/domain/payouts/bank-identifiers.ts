import { IBAN_LENGTHS, isCountryCode } from './countries';

/**
 * Check digits of the bank identifiers the payout rails take. Each function answers `undefined` for a
 * valid identifier, or what is wrong with it in words a merchant can act on (used as the field's
 * message in a 422 `validation_error`). Inputs are already normalized by `compact` where noted.
 */
export type Problem = string | undefined;

/** Upper case without spaces (IBANs and BICs are printed in groups of four). */
export const compact = (value: string): string => value.replace(/[\s-]/g, '').toUpperCase();

/**
 * IBAN (ISO 13616): two letters of a country that issues IBANs, two check digits, and the BBAN of the
 * length that country registers; the check is ISO 7064 MOD 97-10: move the first four characters to the
 * end, letters to numbers (A = 10 ... Z = 35), and the number mod 97 must be 1. Computed piecewise so no
 * float or bigint is needed.
 */
export const ibanProblem = (raw: string): Problem => {
  const iban = compact(raw);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(iban)) return 'must be an IBAN: two letters, two check digits, then letters and digits';
  const country = iban.slice(0, 2);
  const length = IBAN_LENGTHS[country];
  if (length === undefined) return `${country} does not issue IBANs`;
  if (iban.length !== length) return `an IBAN from ${country} has ${length} characters, this one has ${iban.length}`;
  if (ibanMod97(iban) !== 1) return 'fails the IBAN checksum (mod 97): check for a typo';
  return undefined;
};

export const ibanMod97 = (iban: string): number => {
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`;
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48; // A → 10 ... Z → 35, 0-9 as is
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder;
};

/** The country an IBAN belongs to (after `ibanProblem` passed). */
export const ibanCountry = (iban: string): string => compact(iban).slice(0, 2);

/**
 * ABA routing transit number: nine digits whose weighted sum with weights 3, 7, 1 (repeated) is a
 * multiple of 10; the first two digits are a Federal Reserve district (00-12), a thrift range (21-32),
 * or 61-72 / 80 (electronic, traveler's checks).
 */
export const abaRoutingProblem = (value: string): Problem => {
  if (!/^\d{9}$/.test(value)) return 'must be 9 digits';
  const prefix = Number(value.slice(0, 2));
  if (!((prefix >= 0 && prefix <= 12) || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80)) {
    return 'does not start with a valid Federal Reserve routing symbol (00-12, 21-32, 61-72, 80)';
  }
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = [...value].reduce((total, digit, index) => total + Number(digit) * (weights[index] as number), 0);
  return sum % 10 === 0 ? undefined : 'fails the ABA routing number checksum (3-7-1): check for a typo';
};

/** A US account number for ACH: 4 to 17 digits (NACHA allows 17 characters; banks issue digits). */
export const achAccountProblem = (value: string): Problem => (/^\d{4,17}$/.test(value) ? undefined : 'must be 4 to 17 digits');

/**
 * CLABE (Clave Bancaria Estandarizada, Mexico): 18 digits = bank (3) + branch plaza (3) + account (11)
 * + a check digit: each of the first 17 digits times 3, 7, 1 (repeated), each product mod 10, summed;
 * the check digit is (10 − sum mod 10) mod 10.
 */
export const clabeProblem = (value: string): Problem => {
  if (!/^\d{18}$/.test(value)) return 'must be 18 digits';
  return clabeCheckDigit(value.slice(0, 17)) === Number(value[17]) ? undefined : 'fails the CLABE check digit (weights 3-7-1 mod 10): check for a typo';
};

export const clabeCheckDigit = (first17: string): number => {
  const weights = [3, 7, 1];
  const sum = [...first17].reduce((total, digit, index) => total + ((Number(digit) * (weights[index % 3] as number)) % 10), 0);
  return (10 - (sum % 10)) % 10;
};

/** SWIFT BIC (ISO 9362): bank (4 letters), country (2 letters), location (2), optional branch (3). */
export const bicProblem = (raw: string): Problem => {
  const bic = compact(raw);
  if (!/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) return 'must be a BIC: 8 or 11 characters, e.g. DEUTDEFF or DEUTDEFF500';
  if (!isCountryCode(bic.slice(4, 6))) return `${bic.slice(4, 6)} in a BIC must be an ISO 3166 country code`;
  return undefined;
};

export const bicCountry = (bic: string): string => compact(bic).slice(4, 6);

/** An account number for SWIFT transfers to countries without IBANs: 1 to 34 letters and digits. */
export const swiftAccountProblem = (raw: string): Problem =>
  /^[A-Z0-9]{1,34}$/.test(compact(raw)) ? undefined : 'must be 1 to 34 letters and digits';

/** Canada EFT: financial institution number (3 digits) and branch transit number (5 digits). */
export const institutionNumberProblem = (value: string): Problem => (/^\d{3}$/.test(value) ? undefined : 'must be 3 digits');
export const transitNumberProblem = (value: string): Problem => (/^\d{5}$/.test(value) ? undefined : 'must be 5 digits');
export const canadianAccountProblem = (value: string): Problem => (/^\d{7,12}$/.test(value) ? undefined : 'must be 7 to 12 digits');

/**
 * PIX keys (Banco Central do Brasil, DICT): a CPF (11 digits), a CNPJ (14 digits), an e-mail address,
 * a Brazilian mobile number in E.164 (+55, area code, 8 or 9 digits), or a random key (EVP, a UUID).
 * CPF and CNPJ carry two mod-11 check digits each.
 */
export const PIX_KEY_TYPES = ['cpf', 'cnpj', 'email', 'phone', 'evp'] as const;
export type PixKeyType = (typeof PIX_KEY_TYPES)[number];

const mod11Digit = (digits: string, weights: readonly number[]): number => {
  const sum = [...digits].reduce((total, digit, index) => total + Number(digit) * (weights[index] as number), 0);
  const remainder = sum % 11;
  return remainder < 2 ? 0 : 11 - remainder;
};

export const isValidCpf = (value: string): boolean => {
  if (!/^\d{11}$/.test(value) || /^(\d)\1{10}$/.test(value)) return false;
  const first = mod11Digit(value.slice(0, 9), [10, 9, 8, 7, 6, 5, 4, 3, 2]);
  const second = mod11Digit(value.slice(0, 10), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
  return first === Number(value[9]) && second === Number(value[10]);
};

export const isValidCnpj = (value: string): boolean => {
  if (!/^\d{14}$/.test(value) || /^(\d)\1{13}$/.test(value)) return false;
  const first = mod11Digit(value.slice(0, 12), [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
  const second = mod11Digit(value.slice(0, 13), [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
  return first === Number(value[12]) && second === Number(value[13]);
};

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const PHONE_BR = /^\+55[1-9]\d(?:9\d{8}|[2-8]\d{7})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What kind of PIX key a value is, if any (the formats do not overlap). */
export const pixKeyTypeOf = (key: string): PixKeyType | undefined => {
  if (/^\d{11}$/.test(key)) return isValidCpf(key) ? 'cpf' : undefined;
  if (/^\d{14}$/.test(key)) return isValidCnpj(key) ? 'cnpj' : undefined;
  if (key.startsWith('+')) return PHONE_BR.test(key) ? 'phone' : undefined;
  if (key.includes('@')) return key.length <= 77 && EMAIL.test(key) ? 'email' : undefined;
  if (UUID.test(key)) return 'evp';
  return undefined;
};

export const pixKeyProblem = (key: string, declared?: PixKeyType): Problem => {
  const detected = pixKeyTypeOf(key);
  if (declared !== undefined) {
    if (detected === declared) return undefined;
    switch (declared) {
      case 'cpf':
        return 'must be a CPF: 11 digits with valid check digits';
      case 'cnpj':
        return 'must be a CNPJ: 14 digits with valid check digits';
      case 'email':
        return 'must be an e-mail address of at most 77 characters';
      case 'phone':
        return 'must be a Brazilian number in E.164: +55, a 2-digit area code and 8 or 9 digits';
      case 'evp':
        return 'must be a random key (EVP): a lower-case UUID';
    }
  }
  return detected
    ? undefined
    : 'must be a PIX key: a CPF or CNPJ (digits only, valid check digits), an e-mail, a +55 mobile number or a random key (UUID)';
};
