import { keyIdOf } from '../domain/api-key';
import { InvalidCursorError } from '../domain/errors';
import type { ApiKeyPage, MerchantRepository } from '../ports/merchant-repository';

/**
 * List a merchant's keys, active and revoked, newest first (never a secret or a hash).
 * 1. Resolve `starting_after` to one of the merchant's keys (another merchant's is as unknown as a made-up one).
 * 2. Return one page and whether more follow.
 */
export const listApiKeys = async (
  deps: { readonly merchants: MerchantRepository },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<ApiKeyPage> => {
  let after;
  if (query.startingAfter !== undefined) {
    const keyId = keyIdOf(query.startingAfter);
    after = keyId ? await deps.merchants.getApiKey(keyId) : undefined;
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.merchants.listApiKeys(query.merchantId, { limit: query.limit, after });
};
