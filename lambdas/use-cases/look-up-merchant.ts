import { ResourceNotFoundError } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import type { ApiKeyPage, MerchantRepository } from '../ports/merchant-repository';

/**
 * Operators: a merchant and its most recent keys.
 * 1. Load the merchant (unknown: ResourceNotFoundError).
 * 2. Load its newest keys, active and revoked (hashes never leave the repository's listing).
 */
export const lookUpMerchant = async (
  deps: { readonly merchants: MerchantRepository },
  query: { readonly merchantId: string; readonly keyLimit: number },
): Promise<{ readonly merchant: Merchant; readonly keys: ApiKeyPage }> => {
  const merchant = await deps.merchants.getMerchant(query.merchantId);
  if (!merchant) throw new ResourceNotFoundError('merchant', query.merchantId);
  return { merchant, keys: await deps.merchants.listApiKeys(merchant.id, { limit: query.keyLimit }) };
};
