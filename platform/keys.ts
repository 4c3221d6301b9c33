import { deployment } from './deployment';

/**
 * The KMS keys, declared once. lib/data-stack.ts creates each as a multi-region key (primary in the
 * primary region, a replica with the same `mrk-` id in the secondary); local/kms/ serves the same keys
 * from an emulator; functions learn a key's regional ARN from the variable named here
 * (docs/decisions/0005-envelope-encryption.md).
 */
export interface KmsKeyDeclaration {
  readonly alias: string;
  readonly description: string;
  readonly keySpec: 'SYMMETRIC_DEFAULT' | 'HMAC_256';
  readonly keyUsage: 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
  /** The environment variable through which a function learns the key's ARN in its region. */
  readonly envVar: string;
}

export const kmsKeys = {
  /** Wraps the data keys of the AWS Encryption SDK: card holds (number, expiry and CVC), bank account numbers, webhook signing secrets. */
  data: {
    alias: `alias/${deployment.appName}-data`,
    description: `${deployment.appName}: envelope encryption of card and bank data`,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    envVar: 'DATA_KEY_ARN',
  },
  /** Derives, once per cold start, the HMAC key of the keyed card and bank account fingerprints. */
  fingerprint: {
    alias: `alias/${deployment.appName}-fingerprint`,
    description: `${deployment.appName}: root of the keyed fingerprints of card and bank account numbers`,
    keySpec: 'HMAC_256',
    keyUsage: 'GENERATE_VERIFY_MAC',
    envVar: 'FINGERPRINT_KEY_ARN',
  },
} as const satisfies Record<string, KmsKeyDeclaration>;

export type KmsKeyName = keyof typeof kmsKeys;

export const kmsKeyNames = Object.keys(kmsKeys) as KmsKeyName[];

/**
 * What a ciphertext is for: the `purpose` value of its encryption context. IAM grants name purposes
 * (`kms:EncryptionContext:purpose`), so a function allowed to decrypt bank accounts cannot decrypt cards.
 * `card`: a payment's card hold (number, expiry and CVC in one message, until its authorization answers);
 * `bank-account`: a beneficiary's account details in the vault; `webhook-secret`: a webhook endpoint's signing
 * secret (decision record 0016).
 */
export const ENCRYPTION_PURPOSES = ['card', 'bank-account', 'webhook-secret'] as const;
export type EncryptionPurpose = (typeof ENCRYPTION_PURPOSES)[number];

/** Encryption context keys: every data key is bound to a merchant and a purpose. */
export const ENCRYPTION_CONTEXT_KEYS = { merchant: 'merchant_id', purpose: 'purpose' } as const;
