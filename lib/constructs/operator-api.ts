import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { AccountRootPrincipal, AnyPrincipal, Effect, ManagedPolicy, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import type { FunctionKey } from '../../platform/functions';
import { type GatewayResponseDeclaration, operatorGatewayResponses, problemDocumentOf } from '../../platform/gateway-responses';
import { CONSOLE_PATH, OPERATOR_ROLES, type OperatorRole, mcpFunctionRoleName, operatorRoleName, operatorRoutes, operatorRoutesOf } from '../../platform/operator-routes';
import { acknowledgeNag, nagPartition } from './acknowledgements';
import { MerchantApiFirewall } from './merchant-api-firewall';
import { OperatorConsole } from './operator-console';
import { platformLogGroup } from './log-groups';

/**
 * The operator API from platform/operator-routes.ts, apart from the merchant API: a regional REST API whose
 * every method is authorized by IAM (SigV4), and one IAM role per operator role (`ops_viewer`, `ops_admin`)
 * whose only permission is execute-api:Invoke on exactly the routes that role may call. People (or SSO
 * permission sets) get operator access by being allowed to assume one of these roles; the handlers read
 * the assumed role from the request and check it against the same route table.
 *
 * The API's resource policy denies every principal other than the two roles and the MCP functions' roles
 * acting as them (docs/decisions/0045-mcp-server-in-aws.md), so a broad execute-api grant elsewhere in the
 * account cannot reach it. Stage: encrypted access logs, X-Ray, error-level execution logs
 * without data, throttling, and a WAF web ACL (managed rules and a per-IP rate limit).
 */
export interface OperatorApiProps {
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  readonly logsKey: IKey;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

/** An execute-api ARN matches one method and resource path; each `{param}` segment becomes `*`. */
export const executeApiPath = (path: string): string => path.replace(/\{[^}]+\}/g, '*');

export class OperatorApi extends Construct {
  readonly api: RestApi;
  readonly roles: Readonly<Record<OperatorRole, Role>>;
  /** The console's sign-in (Cognito) and static files (decision 0033 section 4). */
  readonly console: OperatorConsole;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const roleArn = (role: OperatorRole) =>
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: operatorRoleName(role, stack.region) });

    const mcpRoleArn = (role: OperatorRole) =>
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: mcpFunctionRoleName(role, stack.region) });
    const consoleFiles = [`execute-api:/${deployment.apiStageName}/GET${CONSOLE_PATH}`, `execute-api:/${deployment.apiStageName}/GET${CONSOLE_PATH}/*`];
    const roles = {} as Record<OperatorRole, Role>;
    for (const role of OPERATOR_ROLES) {
      roles[role] = new Role(this, `${role === 'ops_admin' ? 'Admin' : 'Viewer'}Role`, {
        roleName: operatorRoleName(role, stack.region),
        description: `${deployment.appName} operator API, ${role}: invoke exactly the ${role} routes of platform/operator-routes.ts`,
        assumedBy: new AccountRootPrincipal(),
        maxSessionDuration: Duration.hours(1),
      });
    }
    this.roles = roles;

    const accessLogs = platformLogGroup(this, 'AccessLogs', { kind: 'apiAccessLogs', name: `/aws/apigateway/${deployment.appName}-operator-api/access`, logsKey: props.logsKey });

    this.api = new RestApi(this, 'Api', {
      restApiName: `${deployment.appName}-operator-api`,
      description: 'xborder operator API v1 (IAM-authorized; ops_viewer, ops_admin)',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'OnlyOperatorRoles',
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            notResources: consoleFiles,
            // The operator roles, and the MCP functions' execution roles acting as them (decision 0045).
            conditions: { StringNotEquals: { 'aws:PrincipalArn': [...OPERATOR_ROLES.map(roleArn), ...OPERATOR_ROLES.map(mcpRoleArn)] } },
          }),
          // The console's static files load before anyone has signed in (lib/constructs/operator-console.ts): the
          // app's code, no data. With authorization NONE, API Gateway needs the resource policy to allow them.
          new PolicyStatement({
            sid: 'ConsoleFilesBeforeSignIn',
            effect: Effect.ALLOW,
            principals: [new AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: consoleFiles,
          }),
        ],
      }),
      deployOptions: {
        stageName: deployment.apiStageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    // The role names are fixed, so the resource policy needs no reference to them (and no dependency: the roles'
    // trust names the console's identity pool, whose app client names this API's URL).

    for (const [type, response] of Object.entries(operatorGatewayResponses) as [string, GatewayResponseDeclaration][]) {
      this.api.addGatewayResponse(`Gateway${type}`, {
        type: ResponseType.of(type),
        statusCode: String(response.status),
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: { 'application/json': problemDocumentOf(response, '$context.requestId') },
      });
    }

    const iamReason =
      'Operators authenticate with IAM (SigV4) by assuming the ops_viewer or ops_admin role, whose execute-api permissions name exactly their routes; Cognito user pools would add a second identity store beside IAM/SSO.';
    for (const route of operatorRoutes) {
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, new LambdaIntegration(props.functions[route.function], { allowTestInvoke: false }), {
          authorizationType: AuthorizationType.IAM,
          operationName: route.function,
        });
      acknowledgeNag(method, 'AwsSolutions-COG4', iamReason);
    }

    const restApiLogicalId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
    for (const role of OPERATOR_ROLES) {
      const routes = operatorRoutesOf(role).map((route) => ({ method: route.method, path: executeApiPath(route.path) }));
      const policy = new ManagedPolicy(this, `${role === 'ops_admin' ? 'Admin' : 'Viewer'}Routes`, {
        description: `${deployment.appName} ${role}: execute-api:Invoke on exactly its operator routes`,
        roles: [roles[role]],
        statements: [
          new PolicyStatement({
            sid: 'InvokeOperatorRoutes',
            actions: ['execute-api:Invoke'],
            resources: routes.map((route) => this.api.arnForExecuteApi(route.method, route.path, deployment.apiStageName)),
          }),
        ],
      });
      // One acknowledgement per route ARN that holds a path parameter, in cdk-nag's finding-level form.
      for (const route of routes.filter((candidate) => candidate.path.includes('*'))) {
        acknowledgeNag(
          policy,
          `AwsSolutions-IAM5[Resource::arn:${nagPartition(stack)}:execute-api:${stack.region}:${stack.account}:<${restApiLogicalId}>/${deployment.apiStageName}/${route.method}${route.path}]`,
          'This resource is one operator route: execute-api ARNs can only write a path parameter ({id}) as "*"; the method, stage and every literal path segment are fixed.',
        );
      }
    }

    this.console = new OperatorConsole(this, 'Console', { api: this.api, roles });

    new MerchantApiFirewall(this, 'Firewall', {
      stage: this.api.deploymentStage,
      logsKey: props.logsKey,
      name: `${deployment.appName}-operator-api`,
      ratePerKey: false,
    });

    acknowledgeNag(
      this.api,
      'AwsSolutions-APIG2',
      'Every operator request is validated by its Lambda with the zod schema that also types the code, answering RFC 9457 problems that name each invalid field; an API Gateway model would duplicate the schema.',
    );
    const cacheReason = 'No API cache: operators must see the current state of merchants, keys, payments and the audit log.';
    acknowledgeNag(this.api.deploymentStage, 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', cacheReason);
    acknowledgeNag(this.api.deploymentStage, 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted', cacheReason);
    const backendCertificateReason =
      'Client certificates authenticate API Gateway to HTTP backends; every integration here is a Lambda invocation through the AWS API, authenticated by IAM (resource policy with SourceArn and SourceAccount).';
    acknowledgeNag(this.api.deploymentStage, 'NIST.800.53.R5-APIGWSSLEnabled', backendCertificateReason);
    acknowledgeNag(this.api.deploymentStage, 'PCI.DSS.321-APIGWSSLEnabled', backendCertificateReason);
  }
}
