import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledging a security-gate finding is a claim that the finding does not apply, so every
 * acknowledgement sits on the construct it concerns and carries its reason. docs/security.md lists them,
 * and test/infra/security-gates.test.ts checks both.
 */
export const acknowledgeNag = (construct: IConstruct, id: string, reason: string): void => {
  Validations.of(construct).acknowledge({ id, reason });
};

/** cfn-guard (Control Tower rules) findings go through the same CDK mechanism, under the plugin's prefix. */
export const acknowledgeGuard = (construct: IConstruct, rule: string, reason: string): void => {
  Validations.of(construct).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
};

/**
 * An ARN's partition as cdk-nag writes it in a finding's id: the literal (`aws`) where the stack renders one
 * (a known region, @aws-cdk/core:enablePartitionLiterals: lib/feature-flags.ts), else `<AWS::Partition>`, its
 * rendering of the pseudo parameter. An acknowledgement must name the resource exactly as the finding does.
 */
export const nagPartition = (stack: Stack): string => (Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition);
