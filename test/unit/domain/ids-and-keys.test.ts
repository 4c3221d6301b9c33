import { apiKeyId, apiKeyMatches, hashApiKey, issueApiKey } from '../../../lambdas/domain/api-key';
import { deriveId, randomId } from '../../../lambdas/domain/ids';

describe('deriveId', () => {
  it('is stable for the same merchant and key, and carries the type prefix', () => {
    const id = deriveId('pay', 'mer_a', 'key-1');
    expect(id).toBe(deriveId('pay', 'mer_a', 'key-1'));
    expect(id).toMatch(/^pay_[a-z2-7]{26}$/);
  });

  it('differs across merchants, keys and ambiguous concatenations', () => {
    const ids = new Set([
      deriveId('pay', 'mer_a', 'key-1'),
      deriveId('pay', 'mer_b', 'key-1'),
      deriveId('pay', 'mer_a', 'key-2'),
      deriveId('pay', 'mer_ak', 'ey-1'),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe('randomId', () => {
  it('has the prefix and length asked for and does not repeat', () => {
    const ids = Array.from({ length: 1000 }, () => randomId('mer', 16));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^mer_[a-z2-7]{16}$/);
  });
});

describe('API keys', () => {
  it('issues keys whose id can be read back and whose hash matches only that key', () => {
    const key = issueApiKey();
    expect(key.secretKey).toMatch(/^sk_test_[a-z2-7]{16}_[a-z2-7]{32}$/);
    expect(apiKeyId(key.secretKey)).toBe(key.keyId);
    expect(apiKeyMatches(key.secretKey, key.secretHash)).toBe(true);
    expect(key.secretHash).toBe(hashApiKey(key.secretKey));
    expect(key.secretHash).not.toContain(key.secretKey.slice(-32));
  });

  it('refuses a key with one character changed', () => {
    const key = issueApiKey();
    const last = key.secretKey.at(-1) === 'a' ? 'b' : 'a';
    const tampered = `${key.secretKey.slice(0, -1)}${last}`;
    expect(apiKeyId(tampered)).toBe(key.keyId);
    expect(apiKeyMatches(tampered, key.secretHash)).toBe(false);
  });

  it.each(['', 'sk_test_', 'pk_test_abcdefghijklmnop_abcdefghijklmnopqrstuvwxyz234567', 'sk_test_short_secret', 'Bearer x'])(
    'reads no key id from %p',
    (value) => {
      expect(apiKeyId(value)).toBeUndefined();
    },
  );

  it('treats a stored hash of another length as a mismatch rather than throwing', () => {
    expect(apiKeyMatches(issueApiKey().secretKey, 'abcd')).toBe(false);
  });
});
