import { authenticateMerchant } from '../../../lambdas/use-cases/authenticate-merchant';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { InMemoryMerchantRepository } from '../../support/in-memory-repositories';

describe('onboardMerchant and authenticateMerchant', () => {
  it('issues a key that authenticates as its merchant, and stores only its hash', async () => {
    const merchants = new InMemoryMerchantRepository();
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'Pixel Forge' });
    await expect(authenticateMerchant({ merchants }, onboarded.secretKey)).resolves.toEqual({
      merchantId: onboarded.merchant.id,
      keyId: onboarded.keyId,
    });
    expect(JSON.stringify([...merchants.keys.values()])).not.toContain(onboarded.secretKey);
  });

  it('refuses revoked keys, keys of disabled merchants, unknown and malformed keys', async () => {
    const merchants = new InMemoryMerchantRepository();
    const revoked = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'A' });
    const record = merchants.keys.get(revoked.keyId);
    if (!record) throw new Error('key not stored');
    merchants.keys.set(revoked.keyId, { ...record, status: 'revoked' });
    const disabled = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'B' });
    merchants.merchants.set(disabled.merchant.id, { ...disabled.merchant, status: 'disabled' });

    await expect(authenticateMerchant({ merchants }, revoked.secretKey)).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, disabled.secretKey)).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, 'sk_test_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, 'not-a-key')).resolves.toBeUndefined();
  });

  it('keeps an existing merchant when onboarded again with its fixed id, issuing another key', async () => {
    const merchants = new InMemoryMerchantRepository();
    const first = await onboardMerchant({ merchants, now: () => new Date() }, { id: 'mer_demo', name: 'Demo' });
    const second = await onboardMerchant({ merchants, now: () => new Date() }, { id: 'mer_demo', name: 'Renamed' });
    expect(second.merchant).toEqual(first.merchant);
    expect(second.secretKey).not.toBe(first.secretKey);
    expect(merchants.merchants.size).toBe(1);
  });
});
