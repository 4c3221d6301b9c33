import { Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** Key policy statements shared by every KMS key of the platform. */

/** The account administers the key through IAM (the standard KMS default; IAM policies then decide who may use it). */
export const accountAdministersKey = () =>
  new PolicyStatement({
    sid: 'AccountAdministersKeyThroughIam',
    principals: [new AccountRootPrincipal()],
    actions: ['kms:*'],
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
