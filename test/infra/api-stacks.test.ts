import { Match } from 'aws-cdk-lib/assertions';
import { deployment } from '../../platform/deployment';
import { type DynamoDbAction, type FunctionDeclaration, UNRESERVED, functionKeys, functionName, functions } from '../../platform/functions';
import { gatewayResponses } from '../../platform/gateway-responses';
import { type RouteDeclaration, requiresMerchantKey, routes } from '../../platform/routes';
import { type TableKey, replicationOf, tableName, tables } from '../../platform/tables';
import { asArray, functionPolicy, plainArn, resourcesOf, synthesizePlatform } from './synth';

/** What docs/architecture.md and docs/security.md claim about the stateless stacks, in both regions. */
const { stacks, templates } = synthesizePlatform();
const regions = [
  ['primary', templates.primaryApi, stacks.primaryApi.region],
  ['secondary', templates.secondaryApi, stacks.secondaryApi.region],
] as const;

describe.each(regions)('%s API stack', (_role, template, region) => {
  it.each(functionKeys)('%s: Node 24 on arm64, traced, sized and capped as declared, logging to its own encrypted, retained log group at the declared levels', (key) => {
    const declaration: FunctionDeclaration = functions[key];
    const name = functionName(deployment.appName, key);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: name,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: declaration.memoryMb,
      Timeout: declaration.timeoutSeconds,
      ReservedConcurrentExecutions: declaration.reservedConcurrency === UNRESERVED ? Match.absent() : declaration.reservedConcurrency,
      Handler: 'index.handler',
      // Application lines at INFO and above; Lambda's own records at WARN: no platform.start/platform.report per invocation (docs/operations.md, Logs).
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'INFO' }) },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: { LogGroupName: `/aws/lambda/${name}`, RetentionInDays: deployment.logRetentionDays, KmsKeyId: Match.anyValue() },
    });
  });

  it.each(functionKeys)('%s: its own role, holding exactly the declared DynamoDB actions on the declared tables', (key) => {
    const declaration: FunctionDeclaration = functions[key];
    const { statements, role, policyTypes } = functionPolicy(template, functionName(deployment.appName, key));
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties?.Policies).toBeUndefined();
    expect(policyTypes).toEqual(['AWS::IAM::ManagedPolicy']);

    const granted = new Set<string>();
    for (const statement of statements) {
      // A stream function's stream reads are checked below, by the stream mappings.
      if (statement.Sid === 'ReadSubscribedStreams') continue;
      const actions = asArray(statement.Action as string | string[]).filter((action) => action.startsWith('dynamodb:'));
      if (!actions.length) continue;
      expect(statement.Effect).toBe('Allow');
      for (const resource of asArray(statement.Resource as unknown)) {
        for (const action of actions) granted.add(`${plainArn(resource)} ${action}`);
      }
    }
    const expected = new Set<string>();
    for (const [table, actions] of Object.entries(declaration.tables) as [TableKey, readonly DynamoDbAction[]][]) {
      const tableArn = `arn:aws:dynamodb:${region}:123456789012:table/${tableName(table)}`;
      const queryIndexes = declaration.queryIndexes?.[table];
      if (queryIndexes) {
        for (const action of actions.filter((action) => action !== 'dynamodb:Query')) expected.add(`${tableArn} ${action}`);
        for (const index of queryIndexes) expected.add(`${tableArn}/index/${index} dynamodb:Query`);
        continue;
      }
      const indexArns = actions.includes('dynamodb:Query') ? tables[table].indexes.map((index) => `${tableArn}/index/${index.name}`) : [];
      for (const resource of [tableArn, ...indexArns]) for (const action of actions) expected.add(`${resource} ${action}`);
    }
    // A global table's replica in the other region, only where declared (the home-region move's marker read).
    const otherRegion = region === deployment.primaryRegion ? deployment.secondaryRegion : deployment.primaryRegion;
    for (const [table, actions] of Object.entries(declaration.otherRegionTables ?? {}) as [TableKey, readonly DynamoDbAction[]][]) {
      expect(replicationOf(table)).toBe('global');
      for (const action of actions) expected.add(`arn:aws:dynamodb:${otherRegion}:123456789012:table/${tableName(table)} ${action}`);
    }
    expect([...granted].sort()).toEqual([...expected].sort());
  });

  it("logs each merchant API request with its integration's latency, and counts requests per method (what replaced Lambda's reports and the per-request metric)", () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ Format: Match.stringLikeRegexp('"integrationLatency":"\\$context.integrationLatency"') }),
      MethodSettings: Match.arrayWith([Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true })]),
    });
  });

  it('grants only tables that exist in its own region under that name: a global table\'s replica, or the region\'s own regional table', () => {
    const dataTemplate = region === stacks.primaryApi.region ? templates.primaryData : templates.secondaryData;
    const here = new Set<string>();
    const replicas = new Set<string>();
    for (const resource of [...Object.values(resourcesOf(templates.primaryData)), ...Object.values(resourcesOf(dataTemplate))]) {
      if (resource.Type !== 'AWS::DynamoDB::GlobalTable') continue;
      const regionsOfTable = ((resource.Properties?.Replicas as { Region: string }[] | undefined) ?? []).map((replica) => replica.Region);
      if (regionsOfTable.includes(region)) here.add(`arn:aws:dynamodb:${region}:123456789012:table/${resource.Properties?.TableName}`);
      // The same global table's replica in another region: granted only by a declared `otherRegionTables`.
      for (const other of regionsOfTable.filter((name) => name !== region)) replicas.add(`arn:aws:dynamodb:${other}:123456789012:table/${resource.Properties?.TableName}`);
    }
    const missing: string[] = [];
    for (const key of functionKeys) {
      for (const statement of functionPolicy(template, functionName(deployment.appName, key)).statements) {
        if (!asArray(statement.Action as string | string[]).some((action) => action.startsWith('dynamodb:'))) continue;
        // Stream reads name the primary data stack's stream ARNs (test/infra/events-and-webhooks.test.ts).
        if (statement.Sid === 'ReadSubscribedStreams') continue;
        for (const resource of asArray(statement.Resource as unknown)) {
          const table = plainArn(resource).replace(/\/index\/.*$/, '');
          const declaredReplica = statement.Sid?.toString().startsWith('Replica') && (functions[key] as FunctionDeclaration).otherRegionTables && replicas.has(table);
          if (!here.has(table) && !declaredReplica) missing.push(`${key} ${table}`);
        }
      }
    }
    expect(here.has(`arn:aws:dynamodb:${region}:123456789012:table/${tableName('cardHolds')}`)).toBe(true);
    expect(missing).toEqual([]);
  });

  it('serves the merchant API from a regional REST API with access logs, tracing and throttling', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: `${deployment.appName}-merchant-api`,
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: deployment.apiStageName,
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          DataTraceEnabled: false,
          LoggingLevel: 'ERROR',
          MetricsEnabled: true,
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        }),
      ]),
    });
  });

  it('authorizes every declared route with the merchant key authorizer and answers other methods with 405', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
    });
    // The operator API's methods (AWS_IAM, and the console's three unauthenticated methods) are checked in operator-api.test.ts.
    const methods = Object.values(resourcesOf(template)).filter(
      (resource) =>
        resource.Type === 'AWS::ApiGateway::Method' &&
        resource.Properties?.AuthorizationType !== 'AWS_IAM' &&
        !['consoleIndex', 'consoleFile', 'consoleConfig'].includes(String(resource.Properties?.OperationName)),
    );
    const authorized = methods.filter((method) => method.Properties?.AuthorizationType === 'CUSTOM');
    const merchantRoutes = (routes as readonly RouteDeclaration[]).filter(requiresMerchantKey);
    expect(authorized.map((method) => method.Properties?.HttpMethod).sort()).toEqual(merchantRoutes.map((route) => route.method).sort());
    expect(authorized.every((method) => method.Properties?.AuthorizerId !== undefined)).toBe(true);
    const fallbacks = methods.filter((method) => method.Properties?.HttpMethod === 'ANY');
    expect(fallbacks).toHaveLength(new Set(routes.map((route) => route.path)).size);
    expect(fallbacks.every((method) => method.Properties?.AuthorizationType === 'NONE')).toBe(true);
    // Only acquirer webhooks go without the authorizer (their function checks the HMAC signature).
    const signed = methods.filter((method) => method.Properties?.AuthorizationType === 'NONE' && method.Properties?.HttpMethod !== 'ANY');
    expect(signed).toHaveLength(routes.length - merchantRoutes.length);
    expect(methods).toHaveLength(authorized.length + fallbacks.length + signed.length);
  });

  it.each(Object.entries(gatewayResponses))('answers API Gateway\'s own %s as a problem document', (type, response) => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: String(response.status),
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"code":"${response.code}".*\\$context\\.requestId`) },
    });
  });
});
