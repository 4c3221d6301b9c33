import {
  AlgorithmSuiteIdentifier,
  AwsKmsMrkAwareSymmetricKeyringNode,
  CommitmentPolicy,
  buildClient,
} from '@aws-crypto/client-node';
import {
  DATA_KEY_CACHE_POLICY,
  type DataKeyCachePolicy,
  EncryptionContextMismatchError,
  type EnvelopeContext,
  KmsEnvelopeCipher,
  encryptionContextMatches,
} from '../../../lambdas/adapters/crypto/envelope-cipher';
import { parseKmsKeyArn } from '../../../lambdas/adapters/crypto/key-arn';
import { deployment } from '../../../platform/deployment';
import { kmsKeys } from '../../../platform/keys';
import { inMemoryKms } from '../../support/kms';

/** The envelope cipher over the local KMS engine: context checks and the data key cache's bounds. */
const card: EnvelopeContext = { merchantId: 'mer_a', purpose: 'card', objectId: 'tok_one' };
const secret = Buffer.from('{"number":"4242424242424242","exp_month":12,"exp_year":2030}');

const setup = (cache: DataKeyCachePolicy = DATA_KEY_CACHE_POLICY) => {
  const kms = inMemoryKms();
  const key = parseKmsKeyArn(kms.engine.arnForAlias(kmsKeys.data.alias, deployment.primaryRegion));
  const cipher = new KmsEnvelopeCipher({ key, client: kms.client(), cache });
  return { kms, key, cipher, counts: kms.engine.requestCounts };
};

describe('KmsEnvelopeCipher: encryption context', () => {
  it('round-trips a secret, and the ciphertext does not contain it', async () => {
    const { cipher } = setup();
    const ciphertext = await cipher.encrypt(secret, card);
    expect(Buffer.from(ciphertext).includes(Buffer.from('4242424242424242'))).toBe(false);
    await expect(cipher.decrypt(ciphertext, card)).resolves.toEqual(secret);
  });

  it.each([
    ['another merchant', { ...card, merchantId: 'mer_b' }],
    ['another purpose', { ...card, purpose: 'bank-account' as const }],
    ['another object of the same merchant and purpose', { ...card, objectId: 'tok_two' }],
  ])('refuses a ciphertext expected for %s', async (_case, expected) => {
    const { cipher } = setup();
    const ciphertext = await cipher.encrypt(secret, card);
    await expect(cipher.decrypt(ciphertext, expected)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  it('refuses a message that carries an extra encryption context pair', async () => {
    const { kms, key, cipher } = setup();
    const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms.client(), keyId: key.arn });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const framed = Buffer.concat([Buffer.from([1, 0, card.objectId.length]), Buffer.from(card.objectId), secret]);
    const { result } = await encrypt(keyring, framed, {
      encryptionContext: { merchant_id: 'mer_a', purpose: 'card', note: 'extra' },
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    });
    await expect(cipher.decrypt(result, card)).rejects.toThrow(/not made for this merchant and purpose/);
  });

  it('refuses a message under another algorithm suite, even with the right context', async () => {
    const { kms, key, cipher } = setup();
    const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: kms.client(), keyId: key.arn });
    const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const framed = Buffer.concat([Buffer.from([1, 0, card.objectId.length]), Buffer.from(card.objectId), secret]);
    // The SDK's default: committing and ECDSA-signed.
    const { result } = await encrypt(keyring, framed, { encryptionContext: { merchant_id: 'mer_a', purpose: 'card' } });
    await expect(cipher.decrypt(result, card)).rejects.toThrow(/algorithm suite/);
  });

  it('refuses a tampered ciphertext', async () => {
    const { cipher } = setup();
    const ciphertext = Buffer.from(await cipher.encrypt(secret, card));
    ciphertext[ciphertext.length - 40] = (ciphertext[ciphertext.length - 40] ?? 0) ^ 1;
    await expect(cipher.decrypt(ciphertext, card)).rejects.toThrow();
  });

  it('compares contexts exactly: no missing, extra or different pair', () => {
    const expected = { merchant_id: 'mer_a', purpose: 'card' };
    expect(encryptionContextMatches({ purpose: 'card', merchant_id: 'mer_a' }, expected)).toBe(true);
    expect(encryptionContextMatches({ merchant_id: 'mer_a' }, expected)).toBe(false);
    expect(encryptionContextMatches({ ...expected, extra: '' }, expected)).toBe(false);
    expect(encryptionContextMatches({ merchant_id: 'mer_a', purpose: 'Card' }, expected)).toBe(false);
    expect(encryptionContextMatches({ merchant_id: 'mer_a', toString: 'card' }, expected)).toBe(false);
  });
});

describe('KmsEnvelopeCipher: data key cache bounds', () => {
  const policy = (overrides: Partial<DataKeyCachePolicy>): DataKeyCachePolicy => ({ ...DATA_KEY_CACHE_POLICY, ...overrides });
  const encryptMany = async (cipher: KmsEnvelopeCipher, count: number, context = card) => {
    const out: Uint8Array[] = [];
    for (let index = 0; index < count; index += 1) out.push(await cipher.encrypt(secret, { ...context, objectId: `tok_${index}` }));
    return out;
  };

  it('uses one data key for many messages of one merchant and purpose', async () => {
    const { cipher, counts } = setup();
    await encryptMany(cipher, 100);
    expect(counts.GenerateDataKey).toBe(1);
  });

  it('keeps merchants and purposes on separate data keys', async () => {
    const { cipher, counts } = setup();
    await encryptMany(cipher, 5, card);
    await encryptMany(cipher, 5, { ...card, merchantId: 'mer_b' });
    await encryptMany(cipher, 5, { ...card, purpose: 'bank-account' });
    expect(counts.GenerateDataKey).toBe(3);
  });

  it('takes a new data key after maxMessagesEncrypted messages', async () => {
    const { cipher, counts } = setup(policy({ maxMessagesEncrypted: 3 }));
    await encryptMany(cipher, 10);
    expect(counts.GenerateDataKey).toBe(4);
  });

  it('takes a new data key once maxBytesEncrypted would be passed', async () => {
    // Each framed message is 3 + 5 (object id) + secret bytes: two fit under the bound, a third does not.
    const framedBytes = 3 + 'tok_0'.length + secret.length;
    const { cipher, counts } = setup(policy({ maxBytesEncrypted: framedBytes * 2 + 1 }));
    await encryptMany(cipher, 10);
    expect(counts.GenerateDataKey).toBe(5);
  });

  it('takes a new data key after maxAgeMs', async () => {
    // Wide enough that two encryptions fit inside the age on a loaded machine (20 ms did not, under load).
    const { cipher, counts } = setup(policy({ maxAgeMs: 400 }));
    await cipher.encrypt(secret, card);
    await cipher.encrypt(secret, card);
    expect(counts.GenerateDataKey).toBe(1);
    await new Promise((wait) => setTimeout(wait, 500));
    await cipher.encrypt(secret, card);
    expect(counts.GenerateDataKey).toBe(2);
  });

  it('decrypts every message of one data key with one KMS Decrypt, in another instance too', async () => {
    const { kms, key, cipher, counts } = setup();
    const ciphertexts = await encryptMany(cipher, 20);
    const reader = new KmsEnvelopeCipher({ key, client: kms.client() });
    for (const [index, ciphertext] of ciphertexts.entries()) {
      await expect(reader.decrypt(ciphertext, { ...card, objectId: `tok_${index}` })).resolves.toEqual(secret);
    }
    expect(counts.Decrypt).toBe(1);
  });

  it('decrypts in the secondary region through the replica ARN (same mrk- id)', async () => {
    const { kms, cipher } = setup();
    const ciphertext = await cipher.encrypt(secret, card);
    const replica = parseKmsKeyArn(kms.engine.arnForAlias(kmsKeys.data.alias, deployment.secondaryRegion));
    expect(replica.keyId).toMatch(/^mrk-/);
    const secondary = new KmsEnvelopeCipher({ key: replica, client: kms.client(deployment.secondaryRegion) });
    await expect(secondary.decrypt(ciphertext, card)).resolves.toEqual(secret);
  });
});
