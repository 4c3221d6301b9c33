import { type IAspect, Stack, Token } from 'aws-cdk-lib';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * Every Lambda permission granted to an AWS service principal also names our account as SourceAccount,
 * so no other account's resource of that service can invoke the function (the confused-deputy guard,
 * Control Tower CT.LAMBDA.PR.2). CDK sets SourceArn for API Gateway but not SourceAccount.
 */
export class SourceAccountOnServicePermissions implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPermission) || node.sourceAccount) return;
    const principal = node.principal;
    if (Token.isUnresolved(principal) || !principal.endsWith('.amazonaws.com')) return;
    node.sourceAccount = Stack.of(node).account;
  }
}
