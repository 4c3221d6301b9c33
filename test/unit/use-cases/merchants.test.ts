import { MAX_ACTIVE_API_KEYS, hashApiKey } from '../../../lambdas/domain/api-key';
import { ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { ApiKeyLimitReachedError, LastActiveApiKeyError, MerchantExistsError } from '../../../lambdas/domain/merchant';
import { authenticateMerchant } from '../../../lambdas/use-cases/authenticate-merchant';
import { createApiKey } from '../../../lambdas/use-cases/create-api-key';
import { listApiKeys } from '../../../lambdas/use-cases/list-api-keys';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { revokeApiKey } from '../../../lambdas/use-cases/revoke-api-key';
import { InMemoryMerchantRepository } from '../../support/in-memory-repositories';

const now = () => new Date();

describe('onboardMerchant and authenticateMerchant', () => {
  it('issues a key that authenticates as its merchant, and stores only its hash', async () => {
    const merchants = new InMemoryMerchantRepository();
    const onboarded = await onboardMerchant({ merchants, now }, { name: 'Pixel Forge' });
    await expect(authenticateMerchant({ merchants }, onboarded.secretKey)).resolves.toEqual({
      merchantId: onboarded.merchant.id,
      keyId: onboarded.key.keyId,
    });
    expect(JSON.stringify([...merchants.keys.values()])).not.toContain(onboarded.secretKey);
    expect(merchants.keys.get(onboarded.key.keyId)?.secretHash).toBe(hashApiKey(onboarded.secretKey));
  });

  it('refuses revoked keys, keys of disabled merchants, unknown and malformed keys', async () => {
    const merchants = new InMemoryMerchantRepository();
    const revoked = await onboardMerchant({ merchants, now }, { name: 'A' });
    await revokeApiKey({ merchants, now }, { merchantId: revoked.merchant.id, keyId: revoked.key.keyId, commandId: 'c1', keepOneActive: false });
    const disabled = await onboardMerchant({ merchants, now }, { name: 'B' });
    merchants.merchants.set(disabled.merchant.id, { ...disabled.merchant, status: 'disabled' });

    await expect(authenticateMerchant({ merchants }, revoked.secretKey)).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, disabled.secretKey)).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, 'sk_test_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, 'not-a-key')).resolves.toBeUndefined();
  });

  it('refuses to onboard an existing merchant id again (its keys come from createApiKey)', async () => {
    const merchants = new InMemoryMerchantRepository();
    await onboardMerchant({ merchants, now }, { id: 'mer_demo', name: 'Demo' });
    await expect(onboardMerchant({ merchants, now }, { id: 'mer_demo', name: 'Renamed' })).rejects.toThrow(MerchantExistsError);
    expect(merchants.merchants.get('mer_demo')?.name).toBe('Demo');
    expect(merchants.keys.size).toBe(1);
  });
});

describe('key rotation', () => {
  const setUp = async () => {
    const merchants = new InMemoryMerchantRepository();
    const onboarded = await onboardMerchant({ merchants, now }, { name: 'Rotating' });
    return { merchants, merchantId: onboarded.merchant.id, first: onboarded };
  };

  it('lets a second key work beside the first, and refuses a third active one', async () => {
    const { merchants, merchantId, first } = await setUp();
    const second = await createApiKey({ merchants, now }, { merchantId });
    expect(MAX_ACTIVE_API_KEYS).toBe(2);
    await expect(authenticateMerchant({ merchants }, first.secretKey)).resolves.toMatchObject({ merchantId });
    await expect(authenticateMerchant({ merchants }, second.secretKey)).resolves.toMatchObject({ merchantId, keyId: second.key.keyId });
    await expect(createApiKey({ merchants, now }, { merchantId })).rejects.toThrow(ApiKeyLimitReachedError);
  });

  it('revokes the old key while the new one keeps working, then allows a new successor', async () => {
    const { merchants, merchantId, first } = await setUp();
    const second = await createApiKey({ merchants, now }, { merchantId });
    const revoked = await revokeApiKey({ merchants, now }, { merchantId, keyId: first.key.keyId, commandId: 'rotate-1', keepOneActive: true });
    expect(revoked).toMatchObject({ revokedByThisCommand: true, before: { status: 'active' }, after: { status: 'revoked', revokedByCommand: 'rotate-1' } });
    expect(JSON.stringify(revoked)).not.toContain('secretHash');
    await expect(authenticateMerchant({ merchants }, first.secretKey)).resolves.toBeUndefined();
    await expect(authenticateMerchant({ merchants }, second.secretKey)).resolves.toMatchObject({ merchantId });
    await expect(createApiKey({ merchants, now }, { merchantId })).resolves.toMatchObject({ key: { status: 'active' } });
  });

  it('never lets the merchant revoke its last active key; an operator may', async () => {
    const { merchants, merchantId, first } = await setUp();
    const command = { merchantId, keyId: first.key.keyId, commandId: 'c', keepOneActive: true };
    await expect(revokeApiKey({ merchants, now }, command)).rejects.toThrow(LastActiveApiKeyError);
    await expect(authenticateMerchant({ merchants }, first.secretKey)).resolves.toMatchObject({ merchantId });
    await expect(revokeApiKey({ merchants, now }, { ...command, keepOneActive: false })).resolves.toMatchObject({ after: { status: 'revoked' } });
  });

  it('answers a repeated revocation without changing anything, and recognises its own command', async () => {
    const { merchants, merchantId, first } = await setUp();
    await createApiKey({ merchants, now }, { merchantId });
    const command = { merchantId, keyId: first.key.keyId, commandId: 'once', keepOneActive: true };
    const done = await revokeApiKey({ merchants, now }, command);
    const retried = await revokeApiKey({ merchants, now }, command);
    expect(retried).toEqual({ ...done, revokedByThisCommand: true });
    const other = await revokeApiKey({ merchants, now }, { ...command, commandId: 'someone-else' });
    expect(other.revokedByThisCommand).toBe(false);
  });

  it("treats another merchant's key as unknown", async () => {
    const { merchants, first } = await setUp();
    const intruder = await onboardMerchant({ merchants, now }, { name: 'Intruder' });
    await expect(
      revokeApiKey({ merchants, now }, { merchantId: intruder.merchant.id, keyId: first.key.keyId, commandId: 'x', keepOneActive: false }),
    ).rejects.toThrow(ResourceNotFoundError);
    await expect(listApiKeys({ merchants }, { merchantId: intruder.merchant.id, limit: 10, startingAfter: `key_${first.key.keyId}` })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });
});
