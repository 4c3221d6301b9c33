import { randomId } from '../domain/ids';
import { type ApiKeyRecord, type Merchant, MerchantExistsError } from '../domain/merchant';
import type { MerchantRepository } from '../ports/merchant-repository';
import { createApiKey } from './create-api-key';

export interface OnboardedMerchant {
  readonly merchant: Merchant;
  readonly key: ApiKeyRecord;
  /** The only time the secret key exists outside the merchant's hands. */
  readonly secretKey: string;
}

/**
 * Create a merchant and issue its first secret key.
 * 1. Insert the merchant (the id is the caller's when given: the operator CLI generates it once per
 *    command, so a retried onboarding cannot create a second merchant); an existing id is refused
 *    (MerchantExistsError): an existing merchant gets keys through createApiKey.
 * 2. Issue its first key and return it once.
 */
export const onboardMerchant = async (
  deps: { readonly merchants: MerchantRepository; readonly now: () => Date },
  input: { readonly name: string; readonly id?: string },
): Promise<OnboardedMerchant> => {
  const inserted = await deps.merchants.insertMerchant({
    id: input.id ?? randomId('mer', 16),
    name: input.name,
    status: 'active',
    createdAt: deps.now().toISOString(),
  });
  if (!inserted.created) throw new MerchantExistsError(inserted.merchant.id);
  const { key, secretKey } = await createApiKey(deps, { merchantId: inserted.merchant.id });
  return { merchant: inserted.merchant, key, secretKey };
};
