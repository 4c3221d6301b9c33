import { MAX_ACTIVE_API_KEYS, issueApiKey } from '../domain/api-key';
import type { ApiKeyRecord } from '../domain/merchant';
import type { MerchantRepository } from '../ports/merchant-repository';

export interface CreatedApiKey {
  readonly key: ApiKeyRecord;
  /** The only time the secret key exists outside the merchant's hands: it is stored nowhere. */
  readonly secretKey: string;
}

/**
 * Issue a merchant a new secret key (the first one at onboarding, or the successor in a rotation).
 * 1. Generate the key (random key id and secret); keep only its SHA-256.
 * 2. Store it active, atomically with the merchant's count of active keys: a merchant holds at most
 *    MAX_ACTIVE_API_KEYS (ApiKeyLimitReachedError), an unknown merchant none (ResourceNotFoundError).
 * 3. Return the secret once.
 */
export const createApiKey = async (
  deps: { readonly merchants: MerchantRepository; readonly now: () => Date },
  command: { readonly merchantId: string },
): Promise<CreatedApiKey> => {
  const issued = issueApiKey();
  const key: ApiKeyRecord = {
    keyId: issued.keyId,
    merchantId: command.merchantId,
    secretHash: issued.secretHash,
    status: 'active',
    createdAt: deps.now().toISOString(),
  };
  await deps.merchants.addApiKey(key, { maxActive: MAX_ACTIVE_API_KEYS });
  return { key, secretKey: issued.secretKey };
};
