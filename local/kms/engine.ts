import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deployment } from '../../platform/deployment';
import { BlobAuthenticationError, MalformedBlobError, blobKeyId, openBlob, sealBlob } from './ciphertext-blob';
import type { StoredKey } from './key-store';

/**
 * The local KMS without its transport: the operations the AWS Encryption SDK and the vault use, with
 * KMS's rules and error names. local/kms/server.ts puts it behind the KMS JSON 1.1 protocol; unit
 * tests may call it directly.
 *
 * Multi-region: every key is a multi-Region key present in the primary and the secondary region.
 * A request is served in one region (the server takes it from the SigV4 credential scope); a key ARN
 * naming another region is refused as KMS refuses it; a blob made in one region decrypts in the other
 * and the answer names the key's ARN in the region that answered.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_KMS_REGIONS: readonly string[] = [deployment.primaryRegion, deployment.secondaryRegion];

export type KmsOperation = 'GenerateDataKey' | 'Encrypt' | 'Decrypt' | 'DescribeKey' | 'GenerateMac' | 'VerifyMac';
export const KMS_OPERATIONS: readonly KmsOperation[] = ['GenerateDataKey', 'Encrypt', 'Decrypt', 'DescribeKey', 'GenerateMac', 'VerifyMac'];

/** An error KMS would answer, by its exception name (the SDK turns `__type` into the error's `name`). */
export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

type Context = Readonly<Record<string, string>>;

export interface GenerateDataKeyInput {
  readonly KeyId?: string;
  readonly NumberOfBytes?: number;
  readonly KeySpec?: string;
  readonly EncryptionContext?: Context;
}
export interface EncryptInput {
  readonly KeyId?: string;
  readonly Plaintext?: Uint8Array;
  readonly EncryptionContext?: Context;
  readonly EncryptionAlgorithm?: string;
}
export interface DecryptInput {
  readonly KeyId?: string;
  readonly CiphertextBlob?: Uint8Array;
  readonly EncryptionContext?: Context;
  readonly EncryptionAlgorithm?: string;
}
export interface MacInput {
  readonly KeyId?: string;
  readonly Message?: Uint8Array;
  readonly MacAlgorithm?: string;
}
export interface VerifyMacInput extends MacInput {
  readonly Mac?: Uint8Array;
}

const ARN_PATTERN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;
const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
const HMAC_SHA_256 = 'HMAC_SHA_256';

const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined || value === null) {
    throw new KmsError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
};

const checkContext = (context: Context | undefined): Context => {
  const value = context ?? {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' || key.length === 0) throw new KmsError('ValidationException', 'EncryptionContext must map non-empty strings to strings');
  }
  return value;
};

export class LocalKmsEngine {
  readonly requestCounts: Record<KmsOperation, number> = Object.fromEntries(KMS_OPERATIONS.map((op) => [op, 0])) as Record<KmsOperation, number>;

  constructor(private readonly keys: readonly StoredKey[]) {}

  arn(keyId: string, region: string): string {
    return `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${keyId}`;
  }

  /** The ARN of a declared key (by alias) in a region: what functions get as DATA_KEY_ARN... */
  arnForAlias(alias: string, region: string): string {
    const key = this.keys.find((candidate) => candidate.alias === alias);
    if (!key) throw new Error(`local KMS has no key ${alias}`);
    return this.arn(key.keyId, region);
  }

  count(operation: KmsOperation): void {
    this.requestCounts[operation] += 1;
  }

  resetCounts(): void {
    for (const operation of KMS_OPERATIONS) this.requestCounts[operation] = 0;
  }

  /** KeyId as KMS accepts it: key id, key ARN, alias name or alias ARN, in the serving region. */
  private resolve(keyIdInput: string | undefined, region: string): StoredKey {
    const keyId = required(keyIdInput, 'keyId');
    let reference = keyId;
    const arn = ARN_PATTERN.exec(keyId);
    if (arn) {
      const [, arnRegion, account, kind, name] = arn;
      if (arnRegion !== region) throw new KmsError('NotFoundException', `Invalid arn ${arnRegion}`);
      if (account !== LOCAL_ACCOUNT_ID) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
      reference = kind === 'alias' ? `alias/${name}` : (name ?? '');
    } else if (keyId.startsWith('arn:')) {
      throw new KmsError('NotFoundException', 'Invalid arn');
    }
    if (!LOCAL_KMS_REGIONS.includes(region)) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    const key = this.keys.find((candidate) => (reference.startsWith('alias/') ? candidate.alias === reference : candidate.keyId === reference));
    if (!key) {
      throw new KmsError('NotFoundException', reference.startsWith('alias/') ? `Alias '${this.arn(reference, region).replace(':key/', ':')}' is not found.` : `Key '${this.arn(reference, region)}' does not exist`);
    }
    return key;
  }

  private requireUsage(key: StoredKey, usage: StoredKey['keyUsage'], region: string): Buffer {
    if (key.keyUsage !== usage) {
      throw new KmsError('InvalidKeyUsageException', `${this.arn(key.keyId, region)} key usage is ${key.keyUsage} which is not valid for this operation.`);
    }
    return Buffer.from(key.material, 'base64');
  }

  generateDataKey(region: string, input: GenerateDataKeyInput) {
    const key = this.resolve(input.KeyId, region);
    const material = this.requireUsage(key, 'ENCRYPT_DECRYPT', region);
    if ((input.NumberOfBytes === undefined) === (input.KeySpec === undefined)) {
      throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
    }
    const bytes = input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : input.NumberOfBytes;
    if (bytes === undefined || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
      throw new KmsError('ValidationException', 'NumberOfBytes must be 1 to 1024, or KeySpec AES_128 or AES_256');
    }
    const plaintext = randomBytes(bytes);
    const blob = sealBlob(key.keyId, material, plaintext, checkContext(input.EncryptionContext));
    return { KeyId: this.arn(key.keyId, region), Plaintext: plaintext, CiphertextBlob: blob };
  }

  encrypt(region: string, input: EncryptInput) {
    const key = this.resolve(input.KeyId, region);
    const material = this.requireUsage(key, 'ENCRYPT_DECRYPT', region);
    const plaintext = required(input.Plaintext, 'plaintext');
    if (plaintext.length < 1 || plaintext.length > 4096) throw new KmsError('ValidationException', 'Plaintext must be 1 to 4096 bytes');
    if (input.EncryptionAlgorithm !== undefined && input.EncryptionAlgorithm !== SYMMETRIC_DEFAULT) {
      throw new KmsError('InvalidKeyUsageException', `Encryption algorithm ${input.EncryptionAlgorithm} is not supported by this key`);
    }
    const blob = sealBlob(key.keyId, material, plaintext, checkContext(input.EncryptionContext));
    return { KeyId: this.arn(key.keyId, region), CiphertextBlob: blob, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }

  decrypt(region: string, input: DecryptInput) {
    const blob = required(input.CiphertextBlob, 'ciphertextBlob');
    let blobKey: string;
    try {
      blobKey = blobKeyId(blob);
    } catch (error) {
      if (error instanceof MalformedBlobError) throw new KmsError('InvalidCiphertextException', 'The ciphertext is not a KMS ciphertext blob.');
      throw error;
    }
    const key = this.resolve(blobKey, region);
    if (input.KeyId !== undefined && this.resolve(input.KeyId, region).keyId !== key.keyId) {
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
    }
    const material = this.requireUsage(key, 'ENCRYPT_DECRYPT', region);
    try {
      const plaintext = openBlob(blob, material, checkContext(input.EncryptionContext));
      return { KeyId: this.arn(key.keyId, region), Plaintext: plaintext, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
    } catch (error) {
      // Like KMS: a wrong context and a tampered blob are the same answer.
      if (error instanceof BlobAuthenticationError) throw new KmsError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid.');
      throw error;
    }
  }

  describeKey(region: string, input: { readonly KeyId?: string }) {
    const key = this.resolve(input.KeyId, region);
    const [primaryRegion, ...replicaRegions] = LOCAL_KMS_REGIONS as [string, ...string[]];
    return {
      KeyMetadata: {
        AWSAccountId: LOCAL_ACCOUNT_ID,
        KeyId: key.keyId,
        Arn: this.arn(key.keyId, region),
        CreationDate: new Date(key.createdAt),
        Enabled: true,
        Description: key.description,
        KeyUsage: key.keyUsage,
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        ...(key.keyUsage === 'ENCRYPT_DECRYPT' ? { EncryptionAlgorithms: [SYMMETRIC_DEFAULT] } : { MacAlgorithms: [HMAC_SHA_256] }),
        MultiRegion: true,
        MultiRegionConfiguration: {
          MultiRegionKeyType: region === primaryRegion ? 'PRIMARY' : 'REPLICA',
          PrimaryKey: { Arn: this.arn(key.keyId, primaryRegion), Region: primaryRegion },
          ReplicaKeys: replicaRegions.map((replica) => ({ Arn: this.arn(key.keyId, replica), Region: replica })),
        },
      },
    };
  }

  private mac(region: string, input: MacInput): { key: StoredKey; mac: Buffer } {
    const key = this.resolve(input.KeyId, region);
    const material = this.requireUsage(key, 'GENERATE_VERIFY_MAC', region);
    const message = required(input.Message, 'message');
    if (message.length < 1 || message.length > 4096) throw new KmsError('ValidationException', 'Message must be 1 to 4096 bytes');
    if (required(input.MacAlgorithm, 'macAlgorithm') !== HMAC_SHA_256) {
      throw new KmsError('InvalidKeyUsageException', `MAC algorithm ${input.MacAlgorithm} is not supported by ${key.keySpec} keys`);
    }
    return { key, mac: createHmac('sha256', material).update(message).digest() };
  }

  generateMac(region: string, input: MacInput) {
    const { key, mac } = this.mac(region, input);
    return { KeyId: this.arn(key.keyId, region), Mac: mac, MacAlgorithm: HMAC_SHA_256 };
  }

  verifyMac(region: string, input: VerifyMacInput) {
    const { key, mac } = this.mac(region, input);
    const given = Buffer.from(required(input.Mac, 'mac'));
    if (given.length !== mac.length || !timingSafeEqual(given, mac)) throw new KmsError('KMSInvalidMacException', 'The MAC does not verify.');
    return { KeyId: this.arn(key.keyId, region), MacValid: true, MacAlgorithm: HMAC_SHA_256 };
  }
}
