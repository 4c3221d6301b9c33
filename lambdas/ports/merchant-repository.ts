import type { ListWindow } from '../domain/list-window';
import type { ApiKeyRecord, Merchant, PayoutLimitOverride, StoredRiskRules, StoredRoutingRules } from '../domain/merchant';

/** What a key listing holds: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, 'secretHash'>;

export interface ApiKeyPage {
  readonly keys: readonly ApiKeySummary[];
  readonly hasMore: boolean;
}

export interface MerchantRepository {
  /** Creates the merchant unless it exists; returns what is stored and whether this call created it. */
  insertMerchant(merchant: Merchant): Promise<{ readonly created: boolean; readonly merchant: Merchant }>;
  getMerchant(id: string): Promise<Merchant | undefined>;
  /**
   * Sets (or, with null, removes) the merchant's own payout limits in one currency; the limits before and
   * after, or undefined when the merchant does not exist.
   */
  setPayoutLimits(
    merchantId: string,
    currency: string,
    limits: PayoutLimitOverride | null,
  ): Promise<{ readonly before?: PayoutLimitOverride; readonly after?: PayoutLimitOverride } | undefined>;
  /**
   * Stores the merchant's next risk rule set over the version it was computed from (`previousVersion`, 0
   * for none): StaleVersionError when another was stored meanwhile; undefined when the merchant does not
   * exist. Answers the rule set replaced.
   */
  setRiskRules(merchantId: string, rules: StoredRiskRules, previousVersion: number): Promise<{ readonly before?: StoredRiskRules } | undefined>;
  /**
   * Stores the merchant's next routing rule set over the version it was computed from (`previousVersion`,
   * 0 for none): StaleVersionError when another was stored meanwhile; undefined when the merchant does not
   * exist. Answers the rule set replaced.
   */
  setRoutingRules(merchantId: string, rules: StoredRoutingRules, previousVersion: number): Promise<{ readonly before?: StoredRoutingRules } | undefined>;
  /**
   * Stores a new active key of an existing merchant, atomically with the merchant's count of active keys:
   * ApiKeyLimitReachedError when it already holds `maxActive`, ResourceNotFoundError when it does not
   * exist, ApiKeyExistsError when the key id is taken.
   */
  addApiKey(record: ApiKeyRecord, limits: { readonly maxActive: number }): Promise<void>;
  /**
   * Gives an active key created by `createdByCommand` a new secret hash (a retry of that command whose
   * first answer, with the first secret, never reached the caller). Returns false when the key is not
   * active or was created by another command.
   */
  replaceApiKeySecret(keyId: string, change: { readonly secretHash: string; readonly createdByCommand: string }): Promise<boolean>;
  getApiKey(keyId: string, options?: { readonly consistent?: boolean }): Promise<ApiKeyRecord | undefined>;
  /**
   * Revokes a key that is still active, atomically with the count of active keys. Returns the revoked
   * record, or undefined when the key was no longer active. With `keepOneActive`, refuses to revoke the
   * merchant's last active key (LastActiveApiKeyError).
   */
  revokeApiKey(
    key: ApiKeyRecord,
    change: { readonly revokedAt: string; readonly revokedByCommand: string; readonly keepOneActive: boolean },
  ): Promise<ApiKeyRecord | undefined>;
  /**
   * One page of a merchant's keys, active and revoked, newest first; the window's cursors are keys of the same
   * merchant, positioned by their key id (`keyId`, not the public `key_...` id).
   */
  listApiKeys(merchantId: string, window: ListWindow): Promise<ApiKeyPage>;
}
