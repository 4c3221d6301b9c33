import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
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
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import type { FunctionKey } from '../../platform/functions';
import { type GatewayResponseType, gatewayResponseBody, gatewayResponses } from '../../platform/gateway-responses';
import { authorizerFunction, routes, unknownMethodFunction } from '../../platform/routes';
import { retentionDays } from './retention';

/**
 * The merchant REST API from platform/routes.ts: one Lambda proxy integration per route behind the
 * merchant REQUEST authorizer, an ANY method on every declared resource that answers 405, and the
 * platform's problem+json bodies for API Gateway's own answers (401, 404 for unknown paths, 413, 429,
 * 5xx). Stage: access logs (JSON), X-Ray tracing, error-level execution logs without request data,
 * and stage-wide throttling.
 */
export interface MerchantApiProps {
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  /** Steady-state and burst request limits for the whole stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

export class MerchantApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: MerchantApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${deployment.appName}-merchant-api/access`,
      retention: retentionDays(deployment.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: `${deployment.appName}-merchant-api`,
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
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
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
      // Cached per key for 30 s: a revoked key stops working within 30 s.
      resultsCacheTtl: Duration.seconds(30),
    });

    const unknownMethod = new LambdaIntegration(props.functions[unknownMethodFunction], { allowTestInvoke: false });
    const withFallback = new Set<Resource>();
    for (const route of routes) {
      const resource = this.api.root.resourceForPath(route.path);
      resource.addMethod(route.method, new LambdaIntegration(props.functions[route.function], { allowTestInvoke: false }), {
        authorizer,
        authorizationType: AuthorizationType.CUSTOM,
        operationName: route.function,
      });
      if (!withFallback.has(resource)) {
        resource.addMethod('ANY', unknownMethod, { authorizationType: AuthorizationType.NONE, operationName: 'rejectUnknownMethod' });
        withFallback.add(resource);
      }
    }
  }
}
