import { CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type OperatorRole, mcpRoutesOf } from '../../platform/operator-routes';
import { acknowledgeNag, nagPartition } from './acknowledgements';
import { executeApiPath } from './operator-api';
import type { PlatformFunction } from './platform-function';

/**
 * The MCP server in AWS (docs/decisions/0045-mcp-server-in-aws.md) for one operator role: what a function
 * declared with `mcpServer` (platform/functions.ts) needs beyond PlatformFunction.
 * - Its function URL, AuthType AWS_IAM (no API Gateway): Lambda checks the caller's SigV4 signature and this
 *   function's resource policy, which lets exactly one principal invoke it: the operator role it acts as
 *   (lambda:InvokeFunctionUrl under AWS_IAM, and lambda:InvokeFunction only through the URL, both of which
 *   function URLs created since October 2025 need).
 * - The operator API it calls: its stage URL in `OPERATOR_API_URL`, and execute-api:Invoke on exactly the
 *   routes its tools call among those of its role (`mcpRoutesOf`), in the function's own managed policy.
 * The URL and the grants live with the function in the operator functions' nested stack, which learns the
 * operator API's id through a parameter (`operatorApiId`). The resource policy's statements name the operator
 * roles, which (through the console's identity pool and the API's stage) depend on that nested stack, so they
 * live in a small nested stack of their own (`permissions`), created after both, outside the API stack, which
 * is near CloudFormation's resource limit.
 */
export interface McpFunctionUrlProps {
  readonly function: PlatformFunction;
  /** Where the resource policy's statements are created (lib/api-stack.ts: the `McpInvokers` nested stack). */
  readonly permissions: Construct;
  readonly role: OperatorRole;
  /** The IAM role of `role` (lib/constructs/operator-api.ts), the only principal that may invoke the URL. */
  readonly invokerRoleArn: string;
  /** The operator API's id, as the function's nested stack holds it (a parameter). */
  readonly operatorApiId: string;
}

export class McpFunctionUrl extends Construct {
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: McpFunctionUrlProps) {
    super(scope, id);
    const home = Stack.of(props.function);
    this.url = new FunctionUrl(props.function, 'Url', { function: props.function.function, authType: FunctionUrlAuthType.AWS_IAM });
    props.function.function.addEnvironment('OPERATOR_API_URL', `https://${props.operatorApiId}.execute-api.${home.region}.${home.urlSuffix}/${deployment.apiStageName}`);

    const routes = mcpRoutesOf(props.role).map((route) => ({ method: route.method, path: executeApiPath(route.path) }));
    props.function.addToPolicy(
      new PolicyStatement({
        sid: 'InvokeToolRoutes',
        actions: ['execute-api:Invoke'],
        resources: routes.map((route) =>
          home.formatArn({ service: 'execute-api', resource: props.operatorApiId, resourceName: `${deployment.apiStageName}/${route.method}${route.path}` }),
        ),
      }),
    );
    for (const route of routes.filter((candidate) => candidate.path.includes('*'))) {
      acknowledgeNag(
        props.function.policy,
        `AwsSolutions-IAM5[Resource::arn:${nagPartition(home)}:execute-api:${home.region}:${home.account}:<OperatorApiId>/${deployment.apiStageName}/${route.method}${route.path}]`,
        'This resource is one operator route an MCP tool calls: execute-api ARNs can only write a path parameter ({id}) as "*"; the method, stage and every literal path segment are fixed.',
      );
    }

    const target = { functionName: props.function.function.functionArn, principal: props.invokerRoleArn };
    new CfnPermission(props.permissions, `${id}InvokeUrl`, { ...target, action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: FunctionUrlAuthType.AWS_IAM });
    new CfnPermission(props.permissions, `${id}InvokeThroughUrl`, { ...target, action: 'lambda:InvokeFunction', invokedViaFunctionUrl: true });

    new CfnOutput(scope, `${id}Endpoint`, {
      value: `${this.url.url}mcp`,
      description: `The MCP server for agents acting as ${props.role} (sign with SigV4, service lambda, as a session of that role named after the agent)`,
    });
  }
}
