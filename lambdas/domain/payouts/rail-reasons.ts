import type { PayoutFailureCode } from './payout';

/**
 * Why a bank refused or returned a payment, in each scheme's own codes, and the platform's code for it
 * (`failure_code`). Three families: NACHA return reason codes (ACH), ISO 20022 status / return reasons
 * (SEPA pain.002 / pacs.004, the correspondent bank's SOAP API), and the instant rail's (PIX / SPEI,
 * ISO-based as the Banco Central do Brasil's DICT uses them). A code not listed maps to `other`.
 */
export type ReasonFamily = 'nacha' | 'iso20022' | 'instant';

const CODES: Readonly<Record<ReasonFamily, Readonly<Partial<Record<PayoutFailureCode, string>>>>> = {
  nacha: {
    account_closed: 'R02',
    no_account: 'R03',
    invalid_account: 'R04',
    beneficiary_deceased: 'R14',
    account_blocked: 'R16',
    refused_by_bank: 'R23',
    other: 'R17',
  },
  iso20022: {
    invalid_account: 'AC01',
    no_account: 'AC03',
    account_closed: 'AC04',
    account_blocked: 'AC06',
    beneficiary_deceased: 'MD07',
    refused_by_bank: 'AG01',
    limit_exceeded: 'AM02',
    other: 'MS03',
  },
  instant: {
    no_account: 'AC03',
    account_blocked: 'AC06',
    account_closed: 'AC07',
    invalid_account: 'AC14',
    refused_by_bank: 'DS04',
    limit_exceeded: 'AM02',
    other: 'BE08',
  },
};

/** The scheme's code for a platform reason (what a simulator writes); `other`'s code when unlisted. */
export const schemeCode = (family: ReasonFamily, code: PayoutFailureCode): string => CODES[family][code] ?? (CODES[family].other as string);

/** The platform's reason for a scheme code (what an adapter reads). */
export const platformCode = (family: ReasonFamily, schemeReason: string): PayoutFailureCode => {
  for (const [code, value] of Object.entries(CODES[family])) if (value === schemeReason) return code as PayoutFailureCode;
  return 'other';
};
