import { Stack } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type DynamoDbAction, type FunctionDeclaration, functionKeys, functions } from '../../platform/functions';
import { operatorGatewayResponses } from '../../platform/gateway-responses';
import { CONSOLE_CONFIG_FILE, type ConsoleConfig } from '../../platform/console-config';
import { CONSOLE_FILES, CONSOLE_SECURITY_HEADERS, OPERATOR_ROLES, type OperatorRole, mcpFunctionRoleName, operatorRoleName, operatorRouteFor, operatorRoutes, operatorRoutesOf } from '../../platform/operator-routes';
import { tableName } from '../../platform/tables';
import { executeApiPath } from '../../lib/constructs/operator-api';
import { TEST_ACCOUNT, asArray, plainArn, resourcesOf, synthesizePlatform } from './synth';

/** A template value as one string, each reference written `<Ref:Id>` or `<Id.Attribute>` (pseudo parameters `<AWS::...>`). */
const flatten = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const node = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (node.Ref) return node.Ref.startsWith('AWS::') ? `<${node.Ref}>` : `<Ref:${node.Ref}>`;
  if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'].join('.')}>`;
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flatten).join(node['Fn::Join'][0]);
  throw new Error(`Cannot flatten ${JSON.stringify(value)}`);
};

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
      (resource) =>
        resource.Type === 'AWS::ApiGateway::Method' &&
        (resource.Properties?.RestApiId as { Ref?: string } | undefined)?.Ref === restApiId &&
        // Besides the console's two static-file methods (below).
        !['consoleIndex', 'consoleFile', 'consoleConfig'].includes(String(resource.Properties?.OperationName)),
    );
    expect(methods).toHaveLength(operatorRoutes.length);
    expect(methods.every((method) => method.Properties?.AuthorizationType === 'AWS_IAM')).toBe(true);
    expect(methods.map((method) => method.Properties?.OperationName).sort()).toEqual(operatorRoutes.map((route) => route.function).sort());
  });

  it("denies every principal other than the two operator roles and their MCP functions' roles in its resource policy, but the console's static files", () => {
    const policy = resources[restApiId]?.Properties?.Policy as { Statement: (Statement & { NotResource?: unknown })[] };
    const consoleFiles = [`execute-api:/${deployment.apiStageName}/GET/console`, `execute-api:/${deployment.apiStageName}/GET/console/*`];
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        NotResource: consoleFiles,
        Condition: {
          StringNotEquals: {
            // A literal ARN (the region and partition are known: @aws-cdk/core:enablePartitionLiterals, lib/feature-flags.ts).
            'aws:PrincipalArn': [
              ...OPERATOR_ROLES.map((role) => `arn:aws:iam::${stack.account}:role/${operatorRoleName(role, region)}`),
              // The MCP functions' execution roles, allowed their tools' routes only (decision 0045, mcp-function.test.ts).
              ...OPERATOR_ROLES.map((role) => `arn:aws:iam::${stack.account}:role/${mcpFunctionRoleName(role, region)}`),
            ],
          },
        },
      }),
      { Sid: 'ConsoleFilesBeforeSignIn', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: consoleFiles },
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

describe.each(regions)('%s region: the ops console in AWS (Cognito, static files on the operator API)', (_role, stack, template) => {
  const resources = resourcesOf(template);
  const region = Stack.of(stack).region;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  const userPoolId = idOf(stack.operatorApi.console.userPool);
  const clientId = idOf(stack.operatorApi.console.client);

  it('has a user pool of operators: no self sign-up, TOTP MFA required, Plus tier with threat protection enforced, 14-character passwords, deletion protection', () => {
    expect(resources[userPoolId]?.Properties).toMatchObject({
      UserPoolName: `${deployment.appName}-operators-${region}`,
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: { PasswordPolicy: expect.objectContaining({ MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
      DeletionProtection: 'ACTIVE',
    });
    expect(resources[userPoolId]?.DeletionPolicy).toBe('Retain');
  });

  it('has one app client for the console: no secret, authorization code through the managed login, called back to the console on the operator API, one-hour tokens renewed for twelve hours, revocable', () => {
    const client = resources[clientId]?.Properties as Record<string, unknown>;
    expect(client).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      SupportedIdentityProviders: ['COGNITO'],
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      // The page renews its ID token with the refresh token until the sign-in is twelve hours old (decision 0051).
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      // Sign-out revokes the refresh token at /oauth2/revoke; without this the endpoint refuses and the token lives on.
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    // Not rotated: rotation is not compatible with the REFRESH_TOKEN_AUTH flow Cognito's default auth flows include (decision 0051).
    expect(client.RefreshTokenRotation).toBeUndefined();
    // Exactly the console's URL on the operator API's stage, for the redirect and the sign-out alike.
    const consoleUrl = `https://<Ref:${idOf(stack.operatorApi.api)}>.execute-api.${region}.<AWS::URLSuffix>/${deployment.apiStageName}/console/`;
    expect((client.CallbackURLs as unknown[]).map(flatten)).toEqual([consoleUrl]);
    expect((client.LogoutURLs as unknown[]).map(flatten)).toEqual([consoleUrl]);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const output = Object.entries(outputs).find(([name]) => name.includes('ConsoleUrl'));
    expect(flatten(output?.[1].Value)).toBe(consoleUrl);
    expect(ofType('AWS::Cognito::UserPoolDomain')).toHaveLength(1);
    expect(ofType('AWS::Cognito::ManagedLoginBranding')).toHaveLength(1);
  });

  it('maps the groups ops_admin and ops_viewer to their IAM roles, admin first, through an identity pool with no unauthenticated identities', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties as Record<string, unknown>);
    const roleIdOf = (role: (typeof OPERATOR_ROLES)[number]) => idOf(stack.operatorApi.roles[role]);
    expect(groups.sort((a, b) => Number(a.Precedence) - Number(b.Precedence))).toEqual([
      expect.objectContaining({ GroupName: 'ops_admin', Precedence: 0, RoleArn: { 'Fn::GetAtt': [roleIdOf('ops_admin'), 'Arn'] } }),
      expect.objectContaining({ GroupName: 'ops_viewer', Precedence: 1, RoleArn: { 'Fn::GetAtt': [roleIdOf('ops_viewer'), 'Arn'] } }),
    ]);
    const [[poolId, pool]] = ofType('AWS::Cognito::IdentityPool') as unknown as [[string, { Properties: Record<string, unknown> }]];
    expect(pool.Properties).toMatchObject({ AllowUnauthenticatedIdentities: false, AllowClassicFlow: false, CognitoIdentityProviders: [expect.objectContaining({ ClientId: { Ref: clientId }, ServerSideTokenCheck: true })] });
    const [[, attachment]] = ofType('AWS::Cognito::IdentityPoolRoleAttachment') as unknown as [[string, { Properties: Record<string, unknown> }]];
    expect(attachment.Properties).toMatchObject({ IdentityPoolId: { Ref: poolId }, Roles: {}, RoleMappings: { operators: { Type: 'Token', AmbiguousRoleResolution: 'Deny' } } });
  });

  it.each(OPERATOR_ROLES)("%s: the role trusts the identity pool for authenticated identities only, and nothing else changes", (role) => {
    const trust = (resources[idOf(stack.operatorApi.roles[role])]?.Properties?.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    const poolId = ofType('AWS::Cognito::IdentityPool')[0]?.[0];
    expect(trust).toHaveLength(2);
    expect(trust[1]).toEqual({
      Sid: 'OperatorsSignedInThroughTheConsole',
      Effect: 'Allow',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: poolId } }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
    });
  });

  it('serves the static files from a private, encrypted, versioned, access-logged bucket through GET /console and GET /console/{file}, unauthenticated, reading those objects only', () => {
    const filesId = idOf(stack.operatorApi.console.files);
    expect(resources[filesId]?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: expect.objectContaining({ DestinationBucketName: expect.anything() }),
    });
    const consoleMethods = ofType('AWS::ApiGateway::Method').filter(([, method]) => (method.Properties?.Integration as { Uri?: unknown } | undefined)?.Uri && JSON.stringify(method.Properties?.Integration).includes(':s3:path/'));
    expect(consoleMethods).toHaveLength(2);
    for (const [, method] of consoleMethods) {
      expect(method.Properties).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE', Integration: { Type: 'AWS', IntegrationHttpMethod: 'GET' } });
    }
    // Every other method of the operator API is IAM-authorized.
    const restApiId = idOf(stack.operatorApi.api);
    const unauthenticated = ofType('AWS::ApiGateway::Method').filter(([, method]) => (method.Properties?.RestApiId as { Ref?: string }).Ref === restApiId && method.Properties?.AuthorizationType !== 'AWS_IAM');
    expect(unauthenticated.map(([, method]) => method.Properties?.OperationName).sort()).toEqual(['consoleConfig', 'consoleFile', 'consoleIndex']);
    const reader = ofType('AWS::IAM::ManagedPolicy').find(([, policy]) => String(policy.Properties?.Description).includes("ops console's files"));
    const statements = (reader?.[1].Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('s3:GetObject');
    const objects = asArray(statements[0]?.Resource).map((resource) => JSON.stringify(resource));
    expect(objects).toHaveLength(CONSOLE_FILES.length);
    expect(objects).toEqual(expect.arrayContaining(CONSOLE_FILES.map((file) => expect.stringContaining(`"/${file}"`))));
  });

  const consoleMethods = () => ofType('AWS::ApiGateway::Method').filter(([, method]) => String(method.Properties?.OperationName).startsWith('console'));
  const loginOrigin = `https://<Ref:${ofType('AWS::Cognito::UserPoolDomain')[0]?.[0]}>.auth.${region}.amazoncognito.com`;

  it('answers GET /console/config.json itself (a mock integration, no upload step) with what the sign-in needs, resolved by CloudFormation', () => {
    const [[, method]] = consoleMethods().filter(([, candidate]) => candidate.Properties?.OperationName === 'consoleConfig') as unknown as [[string, { Properties: Record<string, unknown> }]];
    const pathPart = resources[(method.Properties.ResourceId as { Ref: string }).Ref]?.Properties?.PathPart;
    expect(pathPart).toBe(CONSOLE_CONFIG_FILE);
    expect(method.Properties).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
    const response = (method.Properties.Integration as { IntegrationResponses: { StatusCode: string; ResponseTemplates: Record<string, unknown>; ResponseParameters: Record<string, string> }[] }).IntegrationResponses[0];
    expect(response?.ResponseParameters['method.response.header.Content-Type']).toBe("'application/json'");
    const config = JSON.parse(flatten(response?.ResponseTemplates['application/json'])) as ConsoleConfig;
    const apiUrl = `https://<Ref:${idOf(stack.operatorApi.api)}>.execute-api.${region}.<AWS::URLSuffix>/${deployment.apiStageName}`;
    expect(config).toEqual({
      region,
      userPoolId: `<Ref:${userPoolId}>`,
      clientId: `<Ref:${clientId}>`,
      loginUrl: loginOrigin,
      identityPoolId: `<Ref:${ofType('AWS::Cognito::IdentityPool')[0]?.[0]}>`,
      identityUrl: `https://cognito-identity.${region}.<AWS::URLSuffix>`,
      apiUrl,
      consoleUrl: `${apiUrl}/console/`,
      roles: Object.fromEntries(OPERATOR_ROLES.map((role) => [role, `arn:aws:iam::${TEST_ACCOUNT}:role/${operatorRoleName(role, region)}`])),
    });
    // The roles named are the groups' own.
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties as { GroupName: OperatorRole; RoleArn: { 'Fn::GetAtt': [string, string] } });
    for (const group of groups) expect(resources[group.RoleArn['Fn::GetAtt'][0]]?.Properties?.RoleName).toBe(operatorRoleName(group.GroupName, region));
  });

  it("sends the same security headers with every console response; the CSP lets the page reach its own origin and the two Cognito origins of the sign-in, nothing wider", () => {
    const methods = consoleMethods();
    expect(methods).toHaveLength(3);
    const csp = `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${loginOrigin} https://cognito-identity.${region}.<AWS::URLSuffix>; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    for (const [, method] of methods) {
      const responses = (method.Properties?.Integration as { IntegrationResponses: { ResponseParameters: Record<string, unknown> }[] }).IntegrationResponses;
      for (const response of responses) {
        expect(flatten(response.ResponseParameters['method.response.header.Content-Security-Policy'])).toBe(`'${csp}'`);
        expect(response.ResponseParameters).toMatchObject({ 'method.response.header.X-Content-Type-Options': "'nosniff'", 'method.response.header.Cache-Control': "'no-store'" });
      }
    }
    // Locally the page reaches its own origin only.
    expect(CONSOLE_SECURITY_HEADERS['Content-Security-Policy']).toContain("connect-src 'self';");
  });
});

describe.each(regions)('%s region: the health route reads metrics and nothing else', (_role, _stack, template) => {
  const policies = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy');
  const statementsOf = (resource: (typeof policies)[number]) => (resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;

  it('grants cloudwatch:GetMetricData (no resource-level permission: "*") to the opsGetHealth function only, and no other CloudWatch action', () => {
    const granting = policies.filter((resource) => statementsOf(resource).some((statement) => asArray(statement.Action).includes('cloudwatch:GetMetricData')));
    expect(granting.map((resource) => resource.Properties?.Description)).toEqual([expect.stringMatching(/^xborder-ops-get-health:/)]);
    const metrics = statementsOf(granting[0] as (typeof policies)[number]).filter((statement) => asArray(statement.Action).some((action) => action.startsWith('cloudwatch:')));
    expect(metrics).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' })]);
    // Besides its own logs and traces, nothing: no table, no key, no state machine.
    const others = statementsOf(granting[0] as (typeof policies)[number]).flatMap((statement) => asArray(statement.Action));
    expect(others.sort()).toEqual(['cloudwatch:GetMetricData', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe.each(regions)("%s region: the alarms route lists the region's alarms and nothing else", (_role, stack, template) => {
  const policies = Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy');
  const statementsOf = (resource: (typeof policies)[number]) => (resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;

  it("grants cloudwatch:DescribeAlarms on this region's and account's alarms to the opsListAlarms function only, and nothing else", () => {
    const granting = policies.filter((resource) => statementsOf(resource).some((statement) => asArray(statement.Action).includes('cloudwatch:DescribeAlarms')));
    expect(granting.map((resource) => resource.Properties?.Description)).toEqual([expect.stringMatching(/^xborder-ops-list-alarms:/)]);
    const statements = statementsOf(granting[0] as (typeof policies)[number]);
    const alarms = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('cloudwatch:')));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms' });
    expect(plainArn(alarms[0]?.Resource)).toBe(`arn:aws:cloudwatch:${stack.region}:${TEST_ACCOUNT}:alarm:*`);
    expect(statements.flatMap((statement) => asArray(statement.Action)).sort()).toEqual(['cloudwatch:DescribeAlarms', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('serves GET /v1/alarms to both operator roles, from the opsListAlarms function', () => {
    expect(operatorRouteFor('GET', '/v1/alarms')).toMatchObject({ function: 'opsListAlarms', roles: ['ops_viewer', 'ops_admin'] });
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
