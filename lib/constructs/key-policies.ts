import { DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { ENCRYPTION_PURPOSES } from '../../platform/keys';
import { dataKeyContextConditions, fingerprintMacConditions } from './kms-grants';

/** Key policy statements shared by the platform's KMS keys. */

/**
 * The account administers the key through IAM (the KMS default: IAM policies then decide who may use it).
 * Kept for the keys of the API stacks (logs, secrets), whose only users are AWS services and whose policies
 * name them; the data, fingerprint and table keys use `keyAdministration` and name their users instead.
 */
export const accountAdministersKey = () =>
  new PolicyStatement({
    sid: 'AccountAdministersKeyThroughIam',
    principals: [new AccountRootPrincipal()],
    actions: ['kms:*'],
    resources: ['*'],
  });

/**
 * What administering a key takes, and nothing that uses it: no Encrypt, Decrypt, GenerateDataKey*,
 * GenerateMac, ReEncrypt* or CreateGrant. These are the calls CloudFormation makes to create, update,
 * replicate, tag, alias and retire a key.
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListResourceTags',
  'kms:ListKeyRotations',
  'kms:ListGrants',
  'kms:PutKeyPolicy',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:RevokeGrant',
  'kms:ReplicateKey',
  'kms:UpdatePrimaryRegion',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

/**
 * The key administrators: the CloudFormation execution roles of the CDK bootstrap in both regions (every
 * change to a key goes through a deployment; the secondary region's role replicates the multi-region keys
 * from the primary). Matched by ARN (`aws:PrincipalArn`), not by principal id, so re-bootstrapping, which
 * recreates the roles under the same names, does not lock the keys.
 */
export const deploymentRoleArns = (scope: IConstruct): string[] => {
  const stack = Stack.of(scope);
  const qualifier = (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return [deployment.primaryRegion, deployment.secondaryRegion].map((region) =>
    DefaultStackSynthesizer.DEFAULT_CLOUDFORMATION_ROLE_ARN.replaceAll('${AWS::Partition}', stack.partition)
      .replaceAll('${AWS::AccountId}', stack.account)
      .replaceAll('${AWS::Region}', region)
      .replaceAll('${Qualifier}', qualifier),
  );
};

export const keyAdministration = (scope: IConstruct) =>
  new PolicyStatement({
    sid: 'DeploymentsAdministerKey',
    principals: [new AccountRootPrincipal()],
    actions: [...KEY_ADMINISTRATION_ACTIONS],
    resources: ['*'],
    conditions: { ArnEquals: { 'aws:PrincipalArn': deploymentRoleArns(scope) } },
  });

/**
 * The roles of the functions of one region's API stack (`<stack name>-<logical id>-<suffix>`: CloudFormation
 * names every role there, none is named by us). IAM still decides which of them may use the key and how
 * (lib/constructs/kms-grants.ts); the key policy bounds that to these roles whatever IAM says.
 */
export const functionRolesOf = (scope: IConstruct, apiStackName: string): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:role/${apiStackName}-*`;
};

/** Envelope encryption of card and bank data: data keys created and decrypted by this region's functions, for a merchant and a declared purpose only. */
export const functionsUseDataKey = (scope: IConstruct, apiStackName: string) =>
  new PolicyStatement({
    sid: 'FunctionsUseDataKeyForMerchantData',
    principals: [new AccountRootPrincipal()],
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['*'],
    conditions: { ...dataKeyContextConditions(ENCRYPTION_PURPOSES), ArnLike: { 'aws:PrincipalArn': functionRolesOf(scope, apiStackName) } },
  });

/** Keyed fingerprints: this region's functions derive their HMAC key with HMAC-SHA-256 only. */
export const functionsUseFingerprintKey = (scope: IConstruct, apiStackName: string) =>
  new PolicyStatement({
    sid: 'FunctionsDeriveFingerprintKey',
    principals: [new AccountRootPrincipal()],
    actions: ['kms:GenerateMac'],
    resources: ['*'],
    conditions: { ...fingerprintMacConditions(), ArnLike: { 'aws:PrincipalArn': functionRolesOf(scope, apiStackName) } },
  });

/**
 * The tables key is used only through DynamoDB (tables, streams, replication, backups) and AWS Backup (the
 * vault's recovery points), by principals of this account: the same reach as the AWS-managed DynamoDB key
 * it replaces, so access to table data stays decided by the IAM permissions on each table, while the key,
 * its rotation, its administrators and its CloudTrail record are ours.
 */
export const tablesAndBackupsUseKey = (scope: IConstruct) => {
  const stack = Stack.of(scope);
  return new PolicyStatement({
    sid: 'UseThroughDynamoDbAndBackupOnly',
    principals: [new AnyPrincipal()],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:CallerAccount': stack.account,
        'kms:ViaService': [`dynamodb.${stack.region}.amazonaws.com`, `backup.${stack.region}.amazonaws.com`],
      },
    },
  });
};

/** DynamoDB reads the key's metadata (state, policy) to report and act on a disabled or inaccessible key. */
export const dynamoDbReadsKeyMetadata = () =>
  new PolicyStatement({
    sid: 'DynamoDbReadsKeyMetadata',
    principals: [new ServicePrincipal('dynamodb.amazonaws.com')],
    actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
    resources: ['*'],
  });

/**
 * Grants may be created only for AWS resources or by AWS services (Control Tower CT.KMS.PR.3): nobody can
 * hand a grant on this key to an arbitrary principal, even with kms:* in IAM.
 */
export const denyGrantsExceptForAwsServices = () =>
  new PolicyStatement({
    sid: 'DenyGrantsExceptForAwsServices',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });

/** CloudWatch Logs of this region and account may use the key for log groups of this account only. */
export const cloudWatchLogsMayEncrypt = (scope: IConstruct) => {
  const stack = Stack.of(scope);
  return new PolicyStatement({
    sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
    principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
    },
  });
};
