import { IdempotencyKeyReusedError } from '../../domain/errors';
import { deriveId } from '../../domain/ids';
import { bicCountry, compact, ibanCountry } from '../../domain/payouts/bank-identifiers';
import { type BankAccountInput, maskedDetails } from '../../domain/payouts/bank-account';
import type { Beneficiary, EntityType } from '../../domain/payouts/beneficiary';
import type { BankAccountDetails, BankAccountVault } from '../../ports/bank-account-vault';
import { VaultConflictError } from '../../ports/vault-errors';
import type { PayoutRepository } from '../../ports/payout-repository';

export interface CreateBeneficiaryCommand {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  /** Hash of the request with account identifiers left out (like card numbers). */
  readonly requestFingerprint: string;
  readonly name: string;
  readonly entityType: EntityType;
  readonly country: string;
  readonly currency: string;
  /** Validated against its rail and the currency by the adapter (domain/payouts/bank-account.ts). */
  readonly bankAccount: BankAccountInput;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface CreateBeneficiaryDeps {
  readonly beneficiaries: PayoutRepository;
  readonly vault: BankAccountVault;
  readonly now: () => Date;
}

/** The full details the vault encrypts (the account holder is the beneficiary). */
export const vaultDetails = (account: BankAccountInput, holderName: string, currency: string): BankAccountDetails => {
  switch (account.rail) {
    case 'ach':
      return { holderName, country: 'US', currency, accountNumber: account.accountNumber, routingCode: account.routingNumber };
    case 'sepa':
      return { holderName, country: ibanCountry(account.iban), currency, iban: compact(account.iban), ...(account.bic ? { bic: compact(account.bic) } : {}) };
    case 'spei':
      return { holderName, country: 'MX', currency, accountNumber: account.clabe, routingCode: account.clabe.slice(0, 3) };
    case 'pix':
      return { holderName, country: 'BR', currency, accountNumber: account.pixKey };
    case 'eft_ca':
      return { holderName, country: 'CA', currency, accountNumber: account.accountNumber, routingCode: `0${account.institutionNumber}${account.transitNumber}` };
    case 'swift':
      return account.iban !== undefined
        ? { holderName, country: ibanCountry(account.iban), currency, iban: compact(account.iban), bic: compact(account.bic) }
        : { holderName, country: bicCountry(account.bic), currency, accountNumber: compact(account.accountNumber as string), routingCode: compact(account.bic), bic: compact(account.bic) };
  }
};

/**
 * Create a beneficiary.
 * 1. Derive its id from the merchant and the Idempotency-Key.
 * 2. Put the bank account in the vault (token derived from the beneficiary id; another account under the
 *    same key is a reused key). Only the token, last4, the public bank identifiers and a keyed fingerprint
 *    come back.
 * 3. Store the beneficiary (conditional put). If the id is taken, this is a retry whose answer was lost:
 *    return the stored one when the request matches, refuse the key when it does not.
 */
export const createBeneficiary = async (deps: CreateBeneficiaryDeps, command: CreateBeneficiaryCommand): Promise<Beneficiary> => {
  const id = deriveId('ben', command.merchantId, command.idempotencyKey);
  const vaulted = await deps.vault
    .storeBankAccount({ merchantId: command.merchantId, reference: id, account: vaultDetails(command.bankAccount, command.name, command.currency) })
    .catch((error: unknown) => {
      throw error instanceof VaultConflictError ? new IdempotencyKeyReusedError() : error;
    });
  const beneficiary: Beneficiary = {
    id,
    merchantId: command.merchantId,
    name: command.name,
    entityType: command.entityType,
    country: command.country,
    currency: command.currency,
    bankAccount: { ...maskedDetails(command.bankAccount), token: vaulted.token, last4: vaulted.last4 },
    accountFingerprint: vaulted.fingerprint,
    metadata: command.metadata,
    createdAt: deps.now().toISOString(),
    requestFingerprint: command.requestFingerprint,
  };
  const stored = await deps.beneficiaries.insertBeneficiary(beneficiary);
  if (!stored.created && stored.beneficiary.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  return stored.beneficiary;
};
