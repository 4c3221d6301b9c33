import type { ApiKeyRecord, Merchant } from '../domain/merchant';

export interface MerchantRepository {
  /** Creates the merchant unless it exists; returns what is stored. */
  insertMerchant(merchant: Merchant): Promise<Merchant>;
  getMerchant(id: string): Promise<Merchant | undefined>;
  insertApiKey(record: ApiKeyRecord): Promise<void>;
  getApiKey(keyId: string): Promise<ApiKeyRecord | undefined>;
}
