import { Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { deployment } from '../../platform/deployment';
import { type DynamoDbAction, type FunctionDeclaration, functionKeys, functions } from '../../platform/functions';
import { operatorGatewayResponses } from '../../platform/gateway-responses';
import { OPERATOR_ROLES, operatorRoleName, operatorRoutes, operatorRoutesOf } from '../../platform/operator-routes';
import { tableName } from '../../platform/tables';
import { executeApiPath } from '../../lib/constructs/operator-api';
import { asArray, plainArn, resourcesOf, synthesizePlatform } from './synth';

/**
 * The operator API and its roles (docs/operations.md), and the audit log's immutability as IAM grants it
 * (docs/decisions/0008-audit-log.md), read from both regions' synthesized templates.
 */
const { stacks, templates } = synthesizePlatform();
const regions = [
  ['primary', stacks.primaryApi, templates.primaryApi],
  ['secondary', stacks.secondaryApi, templates.secondaryApi],
] as const;

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

describe.each(regions)('%s region: operator API', (_role, stack, template) => {
  const resources = resourcesOf(template);
  const restApiId = stack.getLogicalId(stack.operatorApi.api.node.defaultChild as CfnElement);
  const region = Stack.of(stack).region;

  it('is a REST API of its own whose every method is IAM-authorized and declared in platform/operator-routes.ts', () => {
    expect(resources[restApiId]?.Properties).toMatchObject({ Name: `${deployment.appName}-operator-api`, EndpointConfiguration: { Types: ['REGIONAL'] } });
    const methods = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::ApiGateway::Method' && (resource.Properties?.RestApiId as { Ref?: string } | undefined)?.Ref === restApiId,
    );
    expect(methods).toHaveLength(operatorRoutes.length);
    expect(methods.every((method) => method.Properties?.AuthorizationType === 'AWS_IAM')).toBe(true);
    expect(methods.map((method) => method.Properties?.OperationName).sort()).toEqual(operatorRoutes.map((route) => route.function).sort());
  });

  it('denies every principal other than the two operator roles in its resource policy', () => {
    const policy = resources[restApiId]?.Properties?.Policy as { Statement: Statement[] };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        Condition: {
          StringNotEquals: {
            // A literal ARN (the region and partition are known: @aws-cdk/core:enablePartitionLiterals, lib/feature-flags.ts).
            'aws:PrincipalArn': OPERATOR_ROLES.map((role) => `arn:aws:iam::${stack.account}:role/${operatorRoleName(role, region)}`),
          },
        },
      }),
    ]);
  });

  it.each(OPERATOR_ROLES)('%s: a role whose only permission is execute-api:Invoke on exactly its routes', (role) => {
    const [roleId, roleResource] = Object.entries(resources).find(
      ([, resource]) => resource.Type === 'AWS::IAM::Role' && resource.Properties?.RoleName === operatorRoleName(role, region),
    ) ?? [undefined, undefined];
    expect(roleResource?.Properties?.MaxSessionDuration).toBe(3600);
    expect(roleResource?.Properties?.Policies).toBeUndefined();
    expect(roleResource?.Properties?.ManagedPolicyArns).toBeUndefined();
    const attached = Object.values(resources).filter(
      (resource) =>
        (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy') &&
        ((resource.Properties?.Roles as { Ref: string }[] | undefined) ?? []).some((reference) => reference.Ref === roleId),
    );
    expect(attached).toHaveLength(1);
    const statements = (attached[0]?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
    const granted = asArray(statements[0]?.Resource).map(plainArn).sort();
    const expected = operatorRoutesOf(role)
      .map((route) => `arn:aws:execute-api:${region}:${stack.account}:{"Ref":"${restApiId}"}/${deployment.apiStageName}/${route.method}${executeApiPath(route.path)}`)
      .sort();
    expect(granted).toEqual(expected);
    if (role === 'ops_viewer') expect(granted.some((arn) => arn.includes('/POST/'))).toBe(false);
  });

  it.each(Object.entries(operatorGatewayResponses))("answers API Gateway's own %s as a problem document", (type, response) => {
    const found = Object.values(resources).some(
      (resource) =>
        resource.Type === 'AWS::ApiGateway::GatewayResponse' &&
        (resource.Properties?.RestApiId as { Ref?: string } | undefined)?.Ref === restApiId &&
        resource.Properties?.ResponseType === type &&
        resource.Properties?.StatusCode === String(response.status),
    );
    expect(found).toBe(true);
  });
});

describe.each(regions)('%s region: the health route reads metrics and nothing else', (_role, _stack, template) => {
  const policies = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy');
  const statementsOf = (resource: (typeof policies)[number]) => (resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;

  it('grants cloudwatch:GetMetricData (no resource-level permission: "*") to the opsGetHealth function only, and no other CloudWatch action', () => {
    const granting = policies.filter((resource) => statementsOf(resource).some((statement) => asArray(statement.Action).some((action) => action.startsWith('cloudwatch:'))));
    expect(granting.map((resource) => resource.Properties?.Description)).toEqual([expect.stringMatching(/^xborder-ops-get-health:/)]);
    const metrics = statementsOf(granting[0] as (typeof policies)[number]).filter((statement) => asArray(statement.Action).some((action) => action.startsWith('cloudwatch:')));
    expect(metrics).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' })]);
    // Besides its own logs and traces, nothing: no table, no key, no state machine.
    const others = statementsOf(granting[0] as (typeof policies)[number]).flatMap((statement) => asArray(statement.Action));
    expect(others.sort()).toEqual(['cloudwatch:GetMetricData', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('audit log immutability', () => {
  const auditTable = tableName('audit');
  const mutating = /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQLUpdate|PartiQLDelete|DeleteTable|UpdateTable|\*)$|^dynamodb:\*$|^\*$/;

  it('declares no function with more than reads (Query, GetItem, BatchGetItem) and PutItem on the audit table', () => {
    for (const key of functionKeys) {
      const actions: readonly DynamoDbAction[] = (functions[key] as FunctionDeclaration).tables.audit ?? [];
      expect({ key, actions: actions.filter((action) => !['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'].includes(action)) }).toEqual({ key, actions: [] });
    }
  });

  it.each(regions)('%s region: no IAM statement lets anyone update or delete audit entries', (_role, _stack, template) => {
    const policies = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::Role');
    const statements = policies.flatMap((resource) => [
      ...((resource.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? []),
      ...((resource.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap((policy) => policy.PolicyDocument.Statement),
    ]);
    expect(statements.length).toBeGreaterThan(0);
    const offending = statements.filter((statement) => {
      if (statement.Effect !== 'Allow') return false;
      const actions = asArray(statement.Action);
      if (!actions.some((action) => mutating.test(action))) return false;
      return asArray(statement.Resource).map(plainArn).some((arn) => arn === '*' || arn.includes(`table/${auditTable}`) || /table\/\*/.test(arn));
    });
    expect(offending).toEqual([]);
  });
});
