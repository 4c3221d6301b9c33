import { apiKeyId, apiKeyMatches } from '../domain/api-key';
import type { MerchantPrincipal } from '../domain/merchant';
import type { MerchantRepository } from '../ports/merchant-repository';

/**
 * Resolve the merchant behind a secret API key.
 * 1. Read the key id from the key's fixed format (a malformed key fails without a lookup).
 * 2. Load the key record and compare hashes in constant time.
 * 3. Accept only an active key of an active merchant; a restricted key brings its scopes.
 * Every failure is the same `undefined`: the caller answers 401 without saying why.
 */
export const authenticateMerchant = async (
  deps: { readonly merchants: MerchantRepository },
  secretKey: string,
): Promise<MerchantPrincipal | undefined> => {
  const keyId = apiKeyId(secretKey);
  if (!keyId) return undefined;
  const record = await deps.merchants.getApiKey(keyId);
  if (!record || record.status !== 'active' || !apiKeyMatches(secretKey, record.secretHash)) return undefined;
  const merchant = await deps.merchants.getMerchant(record.merchantId);
  if (!merchant || merchant.status !== 'active') return undefined;
  return { merchantId: merchant.id, keyId, ...(record.scopes ? { scopes: record.scopes } : {}) };
};
