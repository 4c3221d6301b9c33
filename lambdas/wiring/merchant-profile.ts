import type { Merchant } from '../domain/merchant';
import { merchantRepository } from './merchants';

/**
 * A merchant's profile as screening reads it (routing settings and rules, risk rules): one GetItem at most
 * every 30 s per function instance and merchant, shared by everything Screen derives from it, so a payment
 * pays no extra round trip on the hot path and a new version of a merchant's settings applies within 30 s.
 */
const PROFILE_CACHE_MS = 30_000;
const profiles = new Map<string, { readonly merchant: Merchant | undefined; readonly readAt: number }>();

export const cachedMerchantProfile = async (merchantId: string): Promise<Merchant | undefined> => {
  const cached = profiles.get(merchantId);
  if (cached && Date.now() - cached.readAt < PROFILE_CACHE_MS) return cached.merchant;
  const merchant = await merchantRepository().getMerchant(merchantId);
  profiles.set(merchantId, { merchant, readAt: Date.now() });
  return merchant;
};
