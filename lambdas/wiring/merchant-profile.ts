import type { Merchant } from '../domain/merchant';
import { ttlCache } from '../shared/ttl-cache';
import { merchantRepository } from './merchants';

/**
 * A merchant's profile as screening reads it (routing settings and rules, risk rules): one GetItem at most
 * every 30 s per function instance and merchant, shared by everything Screen derives from it, so a payment
 * pays no extra round trip on the hot path and a new version of a merchant's settings applies within 30 s.
 */
const PROFILE_CACHE_MS = 30_000;
const profiles = ttlCache<Merchant | undefined>((merchantId) => merchantRepository().getMerchant(merchantId), PROFILE_CACHE_MS);

export const cachedMerchantProfile = (merchantId: string): Promise<Merchant | undefined> => profiles.get(merchantId);
