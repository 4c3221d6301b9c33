import {
  AlgorithmSuiteIdentifier,
  AwsKmsMrkAwareSymmetricKeyringNode,
  CommitmentPolicy,
  NodeCachingMaterialsManager,
  buildClient,
  getLocalCryptographicMaterialsCache,
} from '@aws-crypto/client-node';
import type { KMS } from '@aws-sdk/client-kms';
import { ENCRYPTION_CONTEXT_KEYS, type EncryptionPurpose } from '../../../platform/keys';
import type { KmsKeyArn } from './key-arn';

/**
 * Envelope encryption with the AWS Encryption SDK under the multi-Region KMS data key
 * (docs/decisions/0005-envelope-encryption.md):
 *  - committing suite without signing (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY) and
 *    REQUIRE_ENCRYPT_REQUIRE_DECRYPT: key commitment, no ECDSA cost, no third party to convince;
 *  - the MRK-aware keyring: a message written in one region decrypts in the other with the replica;
 *  - a bounded caching materials manager: one data key serves many messages of one merchant and
 *    purpose, so KMS calls per payment stay near zero;
 *  - the encryption context `{merchant_id, purpose}` (sent to KMS, logged by CloudTrail, usable in IAM
 *    conditions) and the object id bound inside the authenticated plaintext; both CHECKED on decrypt,
 *    which the SDK does not do for us.
 *
 * Why the object id is not in the encryption context: the cache is keyed by the context, so a
 * per-object context would make every message a cache miss (one GenerateDataKey per card, one Decrypt
 * per reveal). Inside the plaintext it is just as authenticated (AES-GCM under a key committed to the
 * message), and a ciphertext moved to another object of the same merchant and purpose is refused.
 */
export interface EnvelopeContext {
  readonly merchantId: string;
  readonly purpose: EncryptionPurpose;
  /** The object the secret belongs to (a token, a payment id): bound into the ciphertext. */
  readonly objectId: string;
}

export interface EnvelopeCipher {
  encrypt(plaintext: Uint8Array, context: EnvelopeContext): Promise<Uint8Array>;
  /** The plaintext, only if the ciphertext was made for exactly this context; the caller zeroes it after use. */
  decrypt(ciphertext: Uint8Array, expected: EnvelopeContext): Promise<Buffer>;
}

/** A ciphertext made for another merchant, purpose or object, or under another algorithm suite. */
export class EncryptionContextMismatchError extends Error {
  override readonly name = 'EncryptionContextMismatchError';
}

/**
 * Bounds of the data key cache (per function instance):
 *  - maxAgeMs 5 minutes: how long a disabled key or revoked grant can still be used for encryption by a
 *    warm instance, and how long a plaintext data key lives in memory;
 *  - maxMessagesEncrypted 1,000: a leaked data key exposes at most 1,000 secrets of one merchant and
 *    purpose; at that bound the KMS share of a payment is 1/1,000 of a GenerateDataKey;
 *  - maxBytesEncrypted 1 MiB: a guard for larger secrets (a card is ~60 bytes, so messages bind first);
 *  - capacity 1,000 entries: merchants x purposes active in one instance within 5 minutes, for both
 *    encryption and decryption materials (a few KB of memory).
 */
export interface DataKeyCachePolicy {
  readonly capacity: number;
  readonly maxAgeMs: number;
  readonly maxMessagesEncrypted: number;
  readonly maxBytesEncrypted: number;
}

export const DATA_KEY_CACHE_POLICY: DataKeyCachePolicy = {
  capacity: 1_000,
  maxAgeMs: 5 * 60 * 1000,
  maxMessagesEncrypted: 1_000,
  maxBytesEncrypted: 1024 * 1024,
};

export const ENVELOPE_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/** The KMS calls the keyring makes: the SDK's aggregated `KMS` client, or anything shaped like it. */
export type KeyringKmsClient = Pick<KMS, 'generateDataKey' | 'encrypt' | 'decrypt'>;

export interface KmsEnvelopeCipherOptions {
  readonly key: KmsKeyArn;
  /** A KMS client in the key's region (lambdas/shared/clients.ts `kmsClient`). */
  readonly client: KeyringKmsClient;
  readonly cache?: DataKeyCachePolicy;
}

const FRAME_VERSION = 1;

/** [version][u16 object id length][object id][payload]: the object id travels authenticated with the secret. */
const frame = (objectId: string, payload: Uint8Array): Buffer => {
  const id = Buffer.from(objectId, 'utf8');
  const head = Buffer.alloc(3);
  head.writeUInt8(FRAME_VERSION, 0);
  head.writeUInt16BE(id.length, 1);
  return Buffer.concat([head, id, payload]);
};

const unframe = (plaintext: Buffer): { objectId: string; payload: Buffer } => {
  if (plaintext.length < 3 || plaintext.readUInt8(0) !== FRAME_VERSION) throw new EncryptionContextMismatchError('unknown plaintext framing');
  const idLength = plaintext.readUInt16BE(1);
  if (plaintext.length < 3 + idLength) throw new EncryptionContextMismatchError('truncated plaintext framing');
  return { objectId: plaintext.subarray(3, 3 + idLength).toString('utf8'), payload: plaintext.subarray(3 + idLength) };
};

const encryptionContextOf = (context: EnvelopeContext): Record<string, string> => ({
  [ENCRYPTION_CONTEXT_KEYS.merchant]: context.merchantId,
  [ENCRYPTION_CONTEXT_KEYS.purpose]: context.purpose,
});

/** True when the message header carries exactly the expected pairs: no missing, different or extra one. */
export const encryptionContextMatches = (actual: Readonly<Record<string, string>>, expected: Readonly<Record<string, string>>): boolean => {
  const actualKeys = Object.keys(actual);
  return actualKeys.length === Object.keys(expected).length && actualKeys.every((key) => Object.hasOwn(expected, key) && expected[key] === actual[key]);
};

export class KmsEnvelopeCipher implements EnvelopeCipher {
  private readonly materials: NodeCachingMaterialsManager;
  private readonly client = buildClient({
    commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    // One KMS key wraps each message; refusing more bounds the work a forged message can cause.
    maxEncryptedDataKeys: 1,
  });

  constructor(options: KmsEnvelopeCipherOptions) {
    const policy = options.cache ?? DATA_KEY_CACHE_POLICY;
    const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: options.client, keyId: options.key.arn });
    this.materials = new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: getLocalCryptographicMaterialsCache(policy.capacity),
      maxAge: policy.maxAgeMs,
      maxMessagesEncrypted: policy.maxMessagesEncrypted,
      maxBytesEncrypted: policy.maxBytesEncrypted,
    });
  }

  async encrypt(plaintext: Uint8Array, context: EnvelopeContext): Promise<Uint8Array> {
    const framed = frame(context.objectId, plaintext);
    try {
      const { result } = await this.client.encrypt(this.materials, framed, {
        encryptionContext: encryptionContextOf(context),
        suiteId: ENVELOPE_SUITE,
      });
      return result;
    } finally {
      framed.fill(0);
    }
  }

  async decrypt(ciphertext: Uint8Array, expected: EnvelopeContext): Promise<Buffer> {
    const { plaintext, messageHeader } = await this.client.decrypt(this.materials, ciphertext);
    try {
      if (messageHeader.suiteId !== ENVELOPE_SUITE) {
        throw new EncryptionContextMismatchError(`message uses algorithm suite ${messageHeader.suiteId}, not ${ENVELOPE_SUITE}`);
      }
      if (!encryptionContextMatches(messageHeader.encryptionContext, encryptionContextOf(expected))) {
        throw new EncryptionContextMismatchError(`ciphertext was not made for this merchant and purpose (${expected.purpose})`);
      }
      const { objectId, payload } = unframe(plaintext);
      if (objectId !== expected.objectId) throw new EncryptionContextMismatchError(`ciphertext was not made for this ${expected.purpose} object`);
      return Buffer.from(payload);
    } finally {
      plaintext.fill(0);
    }
  }
}
