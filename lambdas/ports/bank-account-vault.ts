/**
 * Beneficiary bank details for payouts, behind the same envelope encryption as card holds (purpose
 * `bank-account`): the account identifier is stored only as ciphertext; country, currency, last4 and a
 * keyed fingerprint are kept in clear so accounts can be shown and recognised without decrypting.
 * Only the function that sends payouts to the rail should be granted decrypt for `bank-account`.
 */
export interface BankAccountDetails {
  readonly holderName: string;
  /** ISO 3166-1 alpha-2 country of the bank. */
  readonly country: string;
  /** ISO 4217 currency the account receives. */
  readonly currency: string;
  /** Where the country uses IBANs. Either `iban` or `accountNumber` is required. */
  readonly iban?: string;
  readonly accountNumber?: string;
  /** ABA routing number, sort code, IFSC, CLABE bank code...: identifies the bank, not the account. */
  readonly routingCode?: string;
  readonly bic?: string;
}

export interface VaultedBankAccount {
  readonly token: string;
  readonly country: string;
  readonly currency: string;
  readonly last4: string;
  readonly fingerprint: string;
}

export interface RevealedBankAccount extends BankAccountDetails {
  readonly token: string;
}

export interface StoreBankAccountInput {
  readonly merchantId: string;
  /** The object the account was submitted for (a beneficiary or payout id): the token derives from it. */
  readonly reference: string;
  readonly account: BankAccountDetails;
}

export interface BankAccountVault {
  /** Idempotent: the same reference and account give the same token; another account under it is a VaultConflictError (ports/vault-errors.ts). */
  storeBankAccount(input: StoreBankAccountInput): Promise<VaultedBankAccount>;
  /**
   * The keyed fingerprint `storeBankAccount` keeps for this account (`VaultedBankAccount.fingerprint`), computed
   * without storing anything: the beneficiary create's Idempotency-Key record tells another account under the key
   * apart by it (decision record 0044, amended). No I/O once the instance's fingerprint key is derived.
   */
  fingerprint(account: BankAccountDetails): Promise<string>;
  /** ResourceNotFoundError for an unknown token or another merchant's. */
  revealBankAccount(token: string, merchantId: string): Promise<RevealedBankAccount>;
}
