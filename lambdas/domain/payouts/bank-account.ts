import {
  type PixKeyType,
  abaRoutingProblem,
  achAccountProblem,
  bicCountry,
  bicProblem,
  canadianAccountProblem,
  clabeProblem,
  compact,
  ibanCountry,
  ibanProblem,
  institutionNumberProblem,
  pixKeyProblem,
  pixKeyTypeOf,
  swiftAccountProblem,
  transitNumberProblem,
} from './bank-identifiers';
import { type MaskedBankAccount, type PayoutRail, RAIL_RULES } from './beneficiary';
import { IBAN_LENGTHS, SEPA_COUNTRIES } from './countries';

/**
 * The bank account of a beneficiary as submitted, one shape per rail, and what becomes of it: the full
 * details for the vault, the masked summary the beneficiary keeps. `bankAccountProblems` validates an
 * account against its rail and the beneficiary's currency (field paths as the merchant sent them).
 */
export type BankAccountInput =
  | { readonly rail: 'ach'; readonly routingNumber: string; readonly accountNumber: string; readonly accountType: 'checking' | 'savings' }
  | { readonly rail: 'sepa'; readonly iban: string; readonly bic?: string }
  | { readonly rail: 'spei'; readonly clabe: string }
  | { readonly rail: 'pix'; readonly pixKey: string; readonly pixKeyType?: PixKeyType }
  | { readonly rail: 'eft_ca'; readonly institutionNumber: string; readonly transitNumber: string; readonly accountNumber: string }
  | { readonly rail: 'swift'; readonly bic: string; readonly iban?: string; readonly accountNumber?: string };

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

const field = (name: string): string => `bank_account.${name}`;

const check = (problems: FieldProblem[], name: string, problem: string | undefined): void => {
  if (problem) problems.push({ field: field(name), message: problem });
};

/** Everything wrong with an account for its rail and the currency the beneficiary receives; empty when valid. */
export const bankAccountProblems = (account: BankAccountInput, currency: string): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  const rule = RAIL_RULES[account.rail];
  if (rule.currency && rule.currency !== currency) {
    problems.push({ field: 'currency', message: `must be ${rule.currency}: the ${account.rail} rail pays ${rule.currency} only` });
  }
  switch (account.rail) {
    case 'ach':
      check(problems, 'routing_number', abaRoutingProblem(account.routingNumber));
      check(problems, 'account_number', achAccountProblem(account.accountNumber));
      break;
    case 'sepa': {
      const problem = ibanProblem(account.iban);
      check(problems, 'iban', problem);
      if (!problem && !SEPA_COUNTRIES.has(ibanCountry(account.iban))) {
        problems.push({ field: field('iban'), message: `${ibanCountry(account.iban)} is not reached by SEPA: use the swift rail` });
      }
      if (account.bic !== undefined) {
        const bicIssue = bicProblem(account.bic);
        check(problems, 'bic', bicIssue);
        if (!bicIssue && !problem && bicCountry(account.bic) !== ibanCountry(account.iban)) {
          problems.push({ field: field('bic'), message: `is a bank in ${bicCountry(account.bic)}, the IBAN is from ${ibanCountry(account.iban)}` });
        }
      }
      break;
    }
    case 'spei':
      check(problems, 'clabe', clabeProblem(account.clabe));
      break;
    case 'pix':
      check(problems, 'pix_key', pixKeyProblem(account.pixKey, account.pixKeyType));
      break;
    case 'eft_ca':
      check(problems, 'institution_number', institutionNumberProblem(account.institutionNumber));
      check(problems, 'transit_number', transitNumberProblem(account.transitNumber));
      check(problems, 'account_number', canadianAccountProblem(account.accountNumber));
      break;
    case 'swift': {
      const bicIssue = bicProblem(account.bic);
      check(problems, 'bic', bicIssue);
      if ((account.iban === undefined) === (account.accountNumber === undefined)) {
        problems.push({ field: field('iban'), message: 'give exactly one of iban and account_number' });
        break;
      }
      if (account.iban !== undefined) {
        const ibanIssue = ibanProblem(account.iban);
        check(problems, 'iban', ibanIssue);
        if (!ibanIssue && !bicIssue && bicCountry(account.bic) !== ibanCountry(account.iban)) {
          problems.push({ field: field('bic'), message: `is a bank in ${bicCountry(account.bic)}, the IBAN is from ${ibanCountry(account.iban)}` });
        }
      } else {
        check(problems, 'account_number', swiftAccountProblem(account.accountNumber as string));
        if (!bicIssue && IBAN_LENGTHS[bicCountry(account.bic)] !== undefined) {
          problems.push({ field: field('iban'), message: `banks in ${bicCountry(account.bic)} take IBANs: give iban instead of account_number` });
        }
      }
      break;
    }
  }
  return problems;
};

/** The public identifiers a beneficiary may show beside last4 (routing numbers and BICs identify banks, not accounts). */
export const maskedDetails = (account: BankAccountInput): Omit<MaskedBankAccount, 'token' | 'last4'> => {
  const rail: PayoutRail = account.rail;
  switch (account.rail) {
    case 'ach':
      return { rail, bankCountry: 'US', routingNumber: account.routingNumber, accountType: account.accountType };
    case 'sepa':
      return { rail, bankCountry: ibanCountry(account.iban), ...(account.bic ? { bic: compact(account.bic) } : {}) };
    case 'spei':
      return { rail, bankCountry: 'MX', bankCode: account.clabe.slice(0, 3) };
    case 'pix':
      return { rail, bankCountry: 'BR', pixKeyType: account.pixKeyType ?? pixKeyTypeOf(account.pixKey) };
    case 'eft_ca':
      return { rail, bankCountry: 'CA', institutionNumber: account.institutionNumber, transitNumber: account.transitNumber };
    case 'swift':
      return { rail, bankCountry: account.iban !== undefined ? ibanCountry(account.iban) : bicCountry(account.bic), bic: compact(account.bic) };
  }
};
