import { type CfnElement, type CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { executeApiPath } from '../../lib/constructs/operator-api';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functionName, functions } from '../../platform/functions';
import { type OperatorRole, mcpFunctionRoleName, mcpRoutesOf, operatorRoleName } from '../../platform/operator-routes';
import { TEST_ACCOUNT, asArray, functionPolicy, plainArn, resourcesOf, synthesizePlatform } from './synth';

/**
 * The MCP server in AWS (docs/decisions/0045-mcp-server-in-aws.md), read from both regions' synthesized API
 * stacks: one function per operator role in the operator functions' nested stack, behind a function URL with
 * AuthType AWS_IAM and no API Gateway resource; its named role allowed execute-api:Invoke on exactly the
 * tools' routes of its role and nothing else; invocable only by that operator role, only through the URL.
 */
const { stacks, templates } = synthesizePlatform();
const mcpFunctions = functionKeys
  .filter((key) => (functions[key] as FunctionDeclaration).mcpServer)
  .map((key) => [key, (functions[key] as FunctionDeclaration).mcpServer?.role as OperatorRole] as const);

it('declares one MCP function per operator role', () => {
  expect(mcpFunctions.map(([, role]) => role).sort()).toEqual(['ops_admin', 'ops_viewer']);
  expect(mcpFunctions.every(([key]) => (functions[key] as FunctionDeclaration).invokedBy === 'function-url')).toBe(true);
});

it("lets the viewer's function read only, and the admin's change exactly what the two change tools change", () => {
  expect(mcpRoutesOf('ops_viewer').every((route) => route.method === 'GET')).toBe(true);
  expect(mcpRoutesOf('ops_admin').filter((route) => route.method === 'POST').map((route) => route.function).sort()).toEqual(['opsResolveReconciliationBreak', 'opsReviewPayout']);
  expect(mcpRoutesOf('ops_admin').filter((route) => route.method === 'GET')).toEqual(mcpRoutesOf('ops_viewer'));
});

describe.each([
  ['primary', stacks.primaryApi, templates.primaryApi],
  ['secondary', stacks.secondaryApi, templates.secondaryApi],
] as const)('%s region', (_name, stack, merged) => {
  const region = Stack.of(stack).region;
  const operatorFunctions = stack.node.findAll().find((construct): construct is NestedStack => construct instanceof NestedStack && construct.node.id === 'OperatorFunctions') as NestedStack;
  const nested = resourcesOf(Template.fromStack(operatorFunctions));
  const parent = resourcesOf(Template.fromStack(stack));
  const all = resourcesOf(merged);
  const restApiId = stack.getLogicalId(stack.operatorApi.api.node.defaultChild as CfnElement);
  const apiIdArn = (method: string, path: string) => `arn:aws:execute-api:${region}:${TEST_ACCOUNT}:${JSON.stringify({ Ref: 'OperatorApiId' })}/${deployment.apiStageName}/${method}${path}`;
  const idOf = (key: FunctionKey) =>
    Object.entries(nested).find(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === functionName(deployment.appName, key))?.[0];

  it.each(mcpFunctions)("%s lives in the operator functions' nested stack, behind a function URL with AuthType AWS_IAM and no API Gateway resource", (key) => {
    const functionId = idOf(key);
    expect(functionId).toBeDefined();
    expect(Object.values(parent).some((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === functionName(deployment.appName, key))).toBe(false);
    const urls = Object.values(nested).filter((resource) => resource.Type === 'AWS::Lambda::Url' && JSON.stringify(resource.Properties?.TargetFunctionArn) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }));
    expect(urls).toEqual([{ Type: 'AWS::Lambda::Url', Properties: { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] } } }]);
    // No API Gateway method or other integration reaches it.
    const apiGateway = Object.values(all).filter((resource) => resource.Type.startsWith('AWS::ApiGateway::') || resource.Type.startsWith('AWS::ApiGatewayV2::'));
    expect(apiGateway.filter((resource) => JSON.stringify(resource).includes(functionId as string))).toEqual([]);
  });

  it.each(mcpFunctions)('%s: its named role may invoke exactly the operator routes its tools call as %s, and nothing else', (key, role) => {
    const { fn, role: executionRole, statements } = functionPolicy(merged, functionName(deployment.appName, key));
    expect(executionRole?.Properties?.RoleName).toBe(mcpFunctionRoleName(role, region));
    const invoke = statements.filter((statement) => asArray(statement.Action as string | string[]).some((action) => action.startsWith('execute-api:')));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
    expect(asArray(invoke[0]?.Resource as unknown).map(plainArn).sort()).toEqual(mcpRoutesOf(role).map((route) => apiIdArn(route.method, executeApiPath(route.path))).sort());
    expect(statements.flatMap((statement) => asArray(statement.Action as string | string[])).sort()).toEqual([
      'execute-api:Invoke',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    // The API it calls is this stack's operator API, by the nested stack's parameter.
    const nestedStackResource = parent[stack.getLogicalId(operatorFunctions.nestedStackResource as CfnResource)];
    expect((nestedStackResource?.Properties?.Parameters as Record<string, unknown>).OperatorApiId).toEqual({ Ref: restApiId });
    const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.MCP_OPERATOR_ROLE).toBe(role);
    expect(plainArn(variables.OPERATOR_API_URL)).toBe(
      `https://${JSON.stringify({ Ref: 'OperatorApiId' })}.execute-api.${region}.${JSON.stringify({ Ref: 'AWS::URLSuffix' })}/${deployment.apiStageName}`,
    );
  });

  it.each(mcpFunctions)('%s: only the %s operator role may invoke it, and only through its URL', (key, role) => {
    const functionId = idOf(key) as string;
    const operatorRoleId = Object.entries(parent).find(([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties?.RoleName === operatorRoleName(role, region))?.[0];
    expect(operatorRoleId).toBeDefined();
    // The permissions live in the McpInvokers nested stack: its parameters resolved to what the parent passes in.
    const invokers = stack.node.findAll().find((construct): construct is NestedStack => construct instanceof NestedStack && construct.node.id === 'McpInvokers') as NestedStack;
    const parameters = parent[stack.getLogicalId(invokers.nestedStackResource as CfnResource)]?.Properties?.Parameters as Record<string, unknown>;
    const functionsOutputs = (Template.fromStack(operatorFunctions).toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    const functionsId = stack.getLogicalId(operatorFunctions.nestedStackResource as CfnResource);
    const resolved = (value: unknown): unknown => {
      const ref = (value as { Ref?: string }).Ref;
      if (ref !== undefined && parameters[ref] !== undefined) return resolved(parameters[ref]);
      const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt?.[0] === functionsId && getAtt[1].startsWith('Outputs.')) return functionsOutputs[getAtt[1].slice('Outputs.'.length)]?.Value;
      return value;
    };
    const functionArn = JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] });
    const everyPermission = [...Object.values(all), ...Object.values(resourcesOf(Template.fromStack(invokers)))].filter((resource) => resource.Type === 'AWS::Lambda::Permission');
    const permissions = everyPermission
      .map((permission) => ({ ...permission.Properties, FunctionName: resolved(permission.Properties?.FunctionName), Principal: resolved(permission.Properties?.Principal) }))
      .filter((properties) => JSON.stringify(properties.FunctionName) === functionArn);
    const principal = { 'Fn::GetAtt': [operatorRoleId, 'Arn'] };
    // Each once (the merged template and the nested one both hold them).
    expect([...new Set(permissions.map((permission) => JSON.stringify(permission)))].map((permission) => JSON.parse(permission))).toEqual([
      { Action: 'lambda:InvokeFunctionUrl', FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, FunctionUrlAuthType: 'AWS_IAM', Principal: principal },
      { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, InvokedViaFunctionUrl: true, Principal: principal },
    ]);
  });
});
