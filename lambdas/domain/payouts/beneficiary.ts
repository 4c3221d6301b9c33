/**
 * A beneficiary: who a merchant pays out to, and the bank account on one payout rail. The account's
 * identifiers live only in the vault (envelope-encrypted, purpose `bank-account`); the beneficiary keeps
 * the vault token and what may be shown: last 4 characters and the public bank identifiers (routing
 * number, BIC, institution and transit numbers, the CLABE's bank code).
 *
 * The name and country stay readable: sanctions screening matches them on every payout
 * (docs/decisions/0007-payout-saga-and-rails.md, "Personal data").
 */
export const PAYOUT_RAILS = ['ach', 'sepa', 'spei', 'pix', 'eft_ca', 'swift'] as const;
export type PayoutRail = (typeof PAYOUT_RAILS)[number];

export const ENTITY_TYPES = ['individual', 'company'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** The local rail each scheme goes through, its country and currency (swift: any country and currency). */
export const RAIL_RULES: Readonly<Record<PayoutRail, { readonly country?: string; readonly currency?: string; readonly description: string }>> = {
  ach: { country: 'US', currency: 'USD', description: 'ACH credit (NACHA PPD/CCD)' },
  sepa: { currency: 'EUR', description: 'SEPA Credit Transfer (pain.001)' },
  spei: { country: 'MX', currency: 'MXN', description: 'SPEI (Mexico, real time)' },
  pix: { country: 'BR', currency: 'BRL', description: 'PIX (Brazil, instant)' },
  eft_ca: { country: 'CA', currency: 'CAD', description: 'Canadian EFT (CPA-005)' },
  swift: { description: 'SWIFT wire (MT103 / pacs.008) through the correspondent bank' },
};

/**
 * The simulated rail (payout channel) that carries each scheme: batch files for ACH and SEPA, the
 * correspondent bank's SOAP API for SWIFT and Canadian EFT, the instant rail for PIX and SPEI.
 * Also the channel id of the ledger's `channel_clearing` account the payout leaves through.
 */
export const PAYOUT_CHANNELS = ['meridian', 'keystone', 'pulse'] as const;
export type PayoutChannel = (typeof PAYOUT_CHANNELS)[number];

export const channelForRail = (rail: PayoutRail): PayoutChannel => {
  switch (rail) {
    case 'ach':
    case 'sepa':
      return 'meridian';
    case 'swift':
    case 'eft_ca':
      return 'keystone';
    case 'pix':
    case 'spei':
      return 'pulse';
  }
};

/** What a beneficiary shows of its bank account: never a full account number, IBAN, CLABE or PIX key. */
export interface MaskedBankAccount {
  readonly rail: PayoutRail;
  /** Vault token (`tok_...`) of the full details. Not shown in responses. */
  readonly token: string;
  /** Country of the bank. */
  readonly bankCountry: string;
  /** Last 4 characters of the account identifier (IBAN, account number, CLABE, PIX key). */
  readonly last4: string;
  readonly routingNumber?: string;
  readonly bic?: string;
  readonly institutionNumber?: string;
  readonly transitNumber?: string;
  /** The CLABE's first three digits: the bank. */
  readonly bankCode?: string;
  readonly accountType?: 'checking' | 'savings';
  readonly pixKeyType?: string;
}

export interface Beneficiary {
  readonly id: string;
  readonly merchantId: string;
  readonly name: string;
  readonly entityType: EntityType;
  /** Where the beneficiary lives or is registered (ISO 3166-1 alpha-2): screened with the name. */
  readonly country: string;
  readonly currency: string;
  readonly bankAccount: MaskedBankAccount;
  /** Keyed fingerprint of the account (the vault's): recognises the same account without decrypting. */
  readonly accountFingerprint: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly requestFingerprint: string;
}
