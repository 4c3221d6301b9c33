import { issueApiKey } from '../domain/api-key';
import { randomId } from '../domain/ids';
import type { Merchant } from '../domain/merchant';
import type { MerchantRepository } from '../ports/merchant-repository';

export interface OnboardedMerchant {
  readonly merchant: Merchant;
  readonly keyId: string;
  /** The only time the secret key exists outside the merchant's hands. */
  readonly secretKey: string;
}

/**
 * Create a merchant (or find it, when a fixed id is given and exists) and issue it a new secret key.
 * 1. Insert the merchant unless it exists.
 * 2. Issue a key and store only its hash.
 * 3. Return the key once.
 */
export const onboardMerchant = async (
  deps: { readonly merchants: MerchantRepository; readonly now: () => Date },
  input: { readonly name: string; readonly id?: string },
): Promise<OnboardedMerchant> => {
  const createdAt = deps.now().toISOString();
  const merchant = await deps.merchants.insertMerchant({
    id: input.id ?? randomId('mer', 16),
    name: input.name,
    status: 'active',
    createdAt,
  });
  const key = issueApiKey();
  await deps.merchants.insertApiKey({
    keyId: key.keyId,
    merchantId: merchant.id,
    secretHash: key.secretHash,
    status: 'active',
    createdAt,
  });
  return { merchant, keyId: key.keyId, secretKey: key.secretKey };
};
