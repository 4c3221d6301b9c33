import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { KmsDeclaration } from '../../platform/functions';
import { ENCRYPTION_CONTEXT_KEYS, type EncryptionPurpose } from '../../platform/keys';

/**
 * The KMS part of a function's role, from its declaration (platform/functions.ts): exactly the actions
 * it names, on the key ARNs of its region, and for the data key only with an encryption context that
 * names a merchant and one of the declared purposes, and nothing else. So the payment API can create
 * data keys for cards but never decrypt; the function that authorizes at the acquirer can decrypt cards
 * but not bank accounts; no role gets kms:Encrypt, ReEncrypt*, GenerateDataKeyWithoutPlaintext or `*`.
 */
export interface KmsKeyArns {
  readonly data: string;
  readonly fingerprint: string;
}

/**
 * The encryption context every use of the data key must carry: one of these purposes, a merchant, nothing
 * else. Function roles (below) and the data key's own policy (key-policies.ts) both require it.
 */
export const dataKeyContextConditions = (purposes: readonly EncryptionPurpose[]) => ({
  StringEquals: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEYS.purpose}`]: [...purposes] },
  Null: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEYS.merchant}`]: 'false' },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [ENCRYPTION_CONTEXT_KEYS.merchant, ENCRYPTION_CONTEXT_KEYS.purpose] },
});

/** The only MAC algorithm the fingerprint key is used with. */
export const fingerprintMacConditions = () => ({ StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } });

const dataKeyStatement = (sid: string, action: 'kms:GenerateDataKey' | 'kms:Decrypt', purposes: readonly EncryptionPurpose[], dataKeyArn: string) =>
  new PolicyStatement({ sid, actions: [action], resources: [dataKeyArn], conditions: dataKeyContextConditions(purposes) });

export const kmsStatements = (kms: KmsDeclaration | undefined, keys: KmsKeyArns): PolicyStatement[] => {
  const statements: PolicyStatement[] = [];
  if (kms?.encrypt?.length) statements.push(dataKeyStatement('DataKeyGenerate', 'kms:GenerateDataKey', kms.encrypt, keys.data));
  if (kms?.decrypt?.length) statements.push(dataKeyStatement('DataKeyDecrypt', 'kms:Decrypt', kms.decrypt, keys.data));
  if (kms?.fingerprint) {
    statements.push(
      new PolicyStatement({
        sid: 'FingerprintKeyMac',
        actions: ['kms:GenerateMac'],
        resources: [keys.fingerprint],
        conditions: fingerprintMacConditions(),
      }),
    );
  }
  return statements;
};

/** Whether a declaration uses any KMS key (and so gets the key ARNs in its environment). */
export const usesKms = (kms: KmsDeclaration | undefined): boolean => Boolean(kms?.encrypt?.length || kms?.decrypt?.length || kms?.fingerprint);
