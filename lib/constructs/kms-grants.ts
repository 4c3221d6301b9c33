import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type GrantStatement, type KmsKeyArns, dataKeyContextConditions, fingerprintMacConditions, kmsGrantStatements } from '../../platform/function-grants';
import type { KmsDeclaration } from '../../platform/functions';

/**
 * The KMS part of a function's role, from its declaration (platform/functions.ts): exactly the actions
 * it names, on the key ARNs of its region, and for the data key only with an encryption context that
 * names a merchant and one of the declared purposes, and nothing else. So the payment API can create
 * data keys for cards but never decrypt; the function that authorizes at the acquirer can decrypt cards
 * but not bank accounts; no role gets kms:Encrypt, ReEncrypt*, GenerateDataKeyWithoutPlaintext or `*`.
 * The statements themselves come from platform/function-grants.ts, which the local runtime enforces too.
 */
export type { KmsKeyArns };
export { dataKeyContextConditions, fingerprintMacConditions };

/** A declared grant (platform/function-grants.ts) as a CDK statement. */
export const policyStatement = (statement: GrantStatement): PolicyStatement =>
  new PolicyStatement({
    sid: statement.sid,
    actions: [...statement.actions],
    resources: [...statement.resources],
    conditions: statement.conditions as Record<string, unknown> | undefined,
  });

export const kmsStatements = (kms: KmsDeclaration | undefined, keys: KmsKeyArns): PolicyStatement[] => kmsGrantStatements(kms, keys).map(policyStatement);

/** Whether a declaration uses any KMS key (and so gets the key ARNs in its environment). */
export const usesKms = (kms: KmsDeclaration | undefined): boolean => Boolean(kms?.encrypt?.length || kms?.decrypt?.length || kms?.fingerprint);
