import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  type Resource,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import type { FunctionKey } from '../../platform/functions';
import { type GatewayResponseType, gatewayResponseBody, gatewayResponses } from '../../platform/gateway-responses';
import { MERCHANT_AUTHORIZER_CACHE_SECONDS, type RouteDeclaration, authorizerFunction, isCounterpartyWebhook, merchantApiName, requiresMerchantKey, routes, unknownMethodFunction } from '../../platform/routes';
import { acknowledgeNag } from './acknowledgements';
import { MerchantApiFirewall } from './merchant-api-firewall';
import { platformLogGroup } from './log-groups';

/** The merchant API's name in each region (API Gateway's `ApiName` metric dimension). */

/**
 * The merchant REST API from platform/routes.ts: one Lambda proxy integration per route behind the
 * merchant REQUEST authorizer, an ANY method on every declared resource that answers 405, and the
 * platform's problem+json bodies for API Gateway's own answers (401, 404 for unknown paths, 413, 429,
 * 5xx). Stage: KMS-encrypted JSON access logs, X-Ray tracing, error-level execution logs without request
 * data, throttling per method (lower for counterparties' webhooks), and a WAF web ACL (merchant-api-firewall.ts).
 */
/**
 * The stage's JSON access-log format, one line per request (the benchmark models log volume from it): CDK's
 * standard fields without caller and user (merchants authenticate with a key, not IAM), and the integration's
 * latency, which gives each request's function time now that Lambda's per-invocation report is not logged
 * (docs/operations.md, "Logs").
 */
export const merchantApiAccessLogFormat = (): AccessLogFormat =>
  AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      ip: AccessLogField.contextIdentitySourceIp(),
      requestTime: AccessLogField.contextRequestTime(),
      httpMethod: AccessLogField.contextHttpMethod(),
      resourcePath: AccessLogField.contextResourcePath(),
      status: AccessLogField.contextStatus(),
      protocol: AccessLogField.contextProtocol(),
      responseLength: AccessLogField.contextResponseLength(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
    }),
  );

export interface MerchantApiProps {
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  readonly logsKey: IKey;
  /** Steady-state and burst request limits of every method of the stage (API Gateway throttles per method). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * The limits of the routes counterparties call (acquirers' webhooks), lower than the merchants': what a
   * webhook flood may take from the account's regional API Gateway quota, which every API shares.
   */
  readonly webhookThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}

/** Routes called by counterparties with their own signature, not by merchants with a key. */
const webhookRoutes = (): RouteDeclaration[] => (routes as readonly RouteDeclaration[]).filter(isCounterpartyWebhook);

/** `/v1/channel_events/{channel}` → `/v1/channel_events/`: what the WAF matches. */
export const webhookPathPrefixes = (): string[] => [...new Set(webhookRoutes().map((route) => route.path.split('{')[0] as string))];

export class MerchantApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: MerchantApiProps) {
    super(scope, id);
    const accessLogs = platformLogGroup(this, 'AccessLogs', { kind: 'apiAccessLogs', name: `/aws/apigateway/${deployment.appName}-merchant-api/access`, logsKey: props.logsKey });

    this.api = new RestApi(this, 'Api', {
      restApiName: merchantApiName(),
      description: 'xborder merchant API v1',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: deployment.apiStageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        // A method's settings replace the stage's for that method: repeat the logging and metrics settings.
        methodOptions: Object.fromEntries(
          webhookRoutes().map((route) => [
            `${route.path}/${route.method}`,
            {
              loggingLevel: MethodLoggingLevel.ERROR,
              dataTraceEnabled: false,
              metricsEnabled: true,
              throttlingRateLimit: props.webhookThrottle.rateLimit,
              throttlingBurstLimit: props.webhookThrottle.burstLimit,
            },
          ]),
        ),
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: merchantApiAccessLogFormat(),
      },
    });

    for (const [type, response] of Object.entries(gatewayResponses) as [GatewayResponseType, (typeof gatewayResponses)[GatewayResponseType]][]) {
      this.api.addGatewayResponse(`Gateway${type}`, {
        type: ResponseType.of(type),
        statusCode: String(response.status),
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: { 'application/json': gatewayResponseBody(type, '$context.requestId') },
      });
    }

    const authorizer = new RequestAuthorizer(this, 'MerchantAuthorizer', {
      authorizerName: 'merchant-secret-key',
      handler: props.functions[authorizerFunction],
      identitySources: [IdentitySource.header('Authorization')],
      // Cached for 30 s per Authorization value exactly as received (API Gateway does not normalize it): a
      // revoked key stops working within 30 s. The authorizer accepts one spelling only, `Bearer <key>`, so a
      // key has one cache entry; other spellings are refused (docs/security.md, Edge protection).
      resultsCacheTtl: Duration.seconds(MERCHANT_AUTHORIZER_CACHE_SECONDS),
    });

    // One invoke permission for the whole API rather than one per resource's ANY method (32 of them): the function
    // answers 405 with the resource's Allow header and reads nothing, and the stack stays clear of CloudFormation's
    // 500-resource limit (test/infra/events-and-webhooks.test.ts keeps it under 450).
    const unknownMethod = new LambdaIntegration(props.functions[unknownMethodFunction], { scopePermissionToMethod: false });
    const withFallback = new Set<Resource>();
    const merchantAuthReason =
      'Merchants are servers authenticating with secret API keys (Stripe-style), verified by the REQUEST authorizer against hashed keys; Cognito user pools serve end-user sign-in, not server-to-server secret keys.';
    const signatureAuthReason =
      "Called by acquirers, which hold no merchant key: the function verifies the acquirer's HMAC-SHA256 signature over the raw body with a timestamp tolerance before believing anything in it.";
    const publicReason =
      'The OpenAPI document of the API: generated from the request and answer schemas, it holds no merchant data and reads no table, and integrators must read it before they have a key.';
    for (const route of routes as readonly RouteDeclaration[]) {
      const resource = this.api.root.resourceForPath(route.path);
      const integration = new LambdaIntegration(props.functions[route.function], { allowTestInvoke: false });
      if (requiresMerchantKey(route)) {
        const method = resource.addMethod(route.method, integration, { authorizer, authorizationType: AuthorizationType.CUSTOM, operationName: route.function });
        acknowledgeNag(method, 'AwsSolutions-COG4', merchantAuthReason);
      } else {
        const method = resource.addMethod(route.method, integration, { authorizationType: AuthorizationType.NONE, operationName: route.function });
        const reason = route.auth === 'public' ? publicReason : signatureAuthReason;
        acknowledgeNag(method, 'AwsSolutions-APIG4', reason);
        acknowledgeNag(method, 'AwsSolutions-COG4', reason);
      }
      if (!withFallback.has(resource)) {
        const fallback = resource.addMethod('ANY', unknownMethod, { authorizationType: AuthorizationType.NONE, operationName: 'rejectUnknownMethod' });
        const fallbackReason =
          'The ANY fallback only answers 405 Method Not Allowed with the Allow header: it reads no data and changes nothing, and must work before authentication so a wrong method is reported as such.';
        acknowledgeNag(fallback, 'AwsSolutions-APIG4', fallbackReason);
        acknowledgeNag(fallback, 'AwsSolutions-COG4', fallbackReason);
        withFallback.add(resource);
      }
    }

    new MerchantApiFirewall(this, 'Firewall', { stage: this.api.deploymentStage, logsKey: props.logsKey, webhookPaths: webhookPathPrefixes() });

    acknowledgeNag(
      this.api,
      'AwsSolutions-APIG2',
      'Every request is validated by its Lambda with the zod schema that also types the code, answering RFC 9457 problems that name each invalid field; an API Gateway model would duplicate the schema and answer with less precise errors.',
    );
    const cacheReason =
      'No API cache: every response is merchant-specific and must reflect the current state of money movements; a cache would serve stale balances and statuses.';
    acknowledgeNag(this.api.deploymentStage, 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', cacheReason);
    acknowledgeNag(this.api.deploymentStage, 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted', cacheReason);
    const backendCertificateReason =
      'Client certificates authenticate API Gateway to HTTP backends; every integration here is a Lambda invocation through the AWS API, authenticated by IAM (resource policy with SourceArn and SourceAccount).';
    acknowledgeNag(this.api.deploymentStage, 'NIST.800.53.R5-APIGWSSLEnabled', backendCertificateReason);
    acknowledgeNag(this.api.deploymentStage, 'PCI.DSS.321-APIGWSSLEnabled', backendCertificateReason);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledgeNag(
        cloudWatchRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'The AWS-managed policy is the documented role for API Gateway execution logging (account level, assumed only by apigateway.amazonaws.com); it grants CloudWatch Logs actions only.',
      );
    }
  }
}
