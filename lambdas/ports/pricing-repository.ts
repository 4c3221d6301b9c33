import type { Pricing } from '../domain/ledger/fees';

/** A merchant's negotiated pricing; absent means the platform default (fees.ts DEFAULT_PRICING). */
export interface PricingRepository {
  getPricing(merchantId: string): Promise<Pricing | undefined>;
  putPricing(merchantId: string, pricing: Pricing): Promise<void>;
}
