import type { Pricing } from '../../../lambdas/domain/ledger/fees';
import type { PricingRepository } from '../../../lambdas/ports/pricing-repository';
import { cachedPricing } from '../../../lambdas/wiring/ledger';

/**
 * A capture's posting reads the merchant's pricing through a 30 s cache per function instance (decision
 * 0055): one read per merchant and window, a new pricing in force within 30 s, at once for what this
 * instance writes itself.
 */
class CountingPricing implements PricingRepository {
  reads = 0;
  readonly stored = new Map<string, Pricing>();
  async getPricing(merchantId: string) {
    this.reads += 1;
    return this.stored.get(merchantId);
  }
  async putPricing(merchantId: string, pricing: Pricing) {
    this.stored.set(merchantId, pricing);
  }
}

describe('cachedPricing', () => {
  it('reads a merchant once per 30 s, absent pricing included, and each merchant apart', async () => {
    // Prepare
    const repository = new CountingPricing();
    repository.stored.set('mer_a', { percentBps: 150, fixed: { EUR: 10 } });
    let now = 1_000_000;
    const pricing = cachedPricing(repository, () => now);
    // Act
    const first = await pricing.getPricing('mer_a');
    now += 29_999;
    const again = await pricing.getPricing('mer_a');
    const none = [await pricing.getPricing('mer_b'), await pricing.getPricing('mer_b')];
    // Assess
    expect(first).toEqual({ percentBps: 150, fixed: { EUR: 10 } });
    expect(again).toEqual(first);
    expect(none).toEqual([undefined, undefined]);
    expect(repository.reads).toBe(2);
  });

  it('reads again once 30 s have passed, and at once after this instance wrote the pricing', async () => {
    // Prepare
    const repository = new CountingPricing();
    let now = 1_000_000;
    const pricing = cachedPricing(repository, () => now);
    await pricing.getPricing('mer_a');
    // Act
    repository.stored.set('mer_a', { percentBps: 200, fixed: {} });
    now += 30_000;
    const later = await pricing.getPricing('mer_a');
    await pricing.putPricing('mer_a', { percentBps: 90, fixed: {} });
    const written = await pricing.getPricing('mer_a');
    // Assess
    expect(later).toEqual({ percentBps: 200, fixed: {} });
    expect(written).toEqual({ percentBps: 90, fixed: {} });
    expect(repository.reads).toBe(3);
  });
});
