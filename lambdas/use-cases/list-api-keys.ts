import { keyIdOf } from '../domain/api-key';
import type { ApiKeyPage, MerchantRepository } from '../ports/merchant-repository';
import { type ListRequest, resolveListWindow } from './list-window';

/**
 * List a merchant's keys, active and revoked, newest first (never a secret or a hash).
 * 1. Resolve the cursor (`starting_after` or `ending_before`, a public `key_...` id) to one of the merchant's
 *    keys (another merchant's is as unknown as a made-up one); a key is positioned by its key id.
 * 2. Return one page of the window and whether more follow.
 */
export const listApiKeys = async (deps: { readonly merchants: MerchantRepository }, request: ListRequest): Promise<ApiKeyPage> =>
  deps.merchants.listApiKeys(
    request.merchantId,
    await resolveListWindow(request, async (id) => {
      const keyId = keyIdOf(id);
      const key = keyId ? await deps.merchants.getApiKey(keyId) : undefined;
      return key && { merchantId: key.merchantId, createdAt: key.createdAt, id: key.keyId };
    }),
  );
