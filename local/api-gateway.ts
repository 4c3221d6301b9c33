import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { deployment } from '../platform/deployment';
import type { FunctionKey } from '../platform/functions';
import {
  type GatewayResponseDeclaration,
  type GatewayResponseType,
  gatewayResponseBody,
  gatewayResponses,
  operatorGatewayResponses,
  problemDocumentOf,
} from '../platform/gateway-responses';
import { type OperatorRouteDeclaration, operatorMayCall, operatorRoutes } from '../platform/operator-routes';
import { MERCHANT_AUTHORIZER_CACHE_SECONDS, type RouteDeclaration, authorizerFunction, requiresMerchantKey, routes, unknownMethodFunction } from '../platform/routes';
import type { MetricStore } from './cloudwatch';
import type { OperatorCredentials } from './iam/operators';
import { type VerificationFailure, verifyRequest } from '../lambdas/adapters/http/sigv4';
import type { LambdaHost } from './lambda-host';
import { readBody } from './http-body';

/**
 * A local stand-in for the API Gateway REST API that lib/ deploys, built from the same route
 * declaration. For each HTTP request it does what API Gateway does: match a resource (unknown path:
 * the 404 gateway response), run the REQUEST authorizer (no Authorization header: 401 without calling
 * it), build the Lambda proxy event (REST, payload 1.0), invoke the route's handler module and turn its
 * result into the HTTP response. The authorizer's answer (Allow or Deny) is cached per Authorization value,
 * exactly as received, for the declared TTL (MERCHANT_AUTHORIZER_CACHE_SECONDS), as API Gateway does; a
 * refusal (`Unauthorized`) is not cached.
 *
 * The same emulator serves the operator API (platform/operator-routes.ts) on its own port with IAM
 * authorization instead of the authorizer: it verifies the request's SigV4 signature against the locally
 * issued operator credentials (local/iam/operators.ts) and allows exactly the routes of the caller's role,
 * which is what the roles' execute-api permissions do in AWS; the caller's assumed-role ARN reaches the
 * handler in `requestContext.identity.userArn`, as API Gateway sends it.
 */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024; // API Gateway REST payload limit
const ACCOUNT = '000000000000';

/** One API the emulator can serve: its routes, how requests are authorized, and its gateway responses. */
export interface LocalApiDefinition {
  readonly id: string;
  readonly routes: readonly (RouteDeclaration | OperatorRouteDeclaration)[];
  readonly authorization: { readonly type: 'merchant-authorizer' } | { readonly type: 'iam'; readonly operators: readonly OperatorCredentials[] };
  readonly responses: Readonly<Partial<Record<string, GatewayResponseDeclaration>>>;
}

export const merchantApiDefinition: LocalApiDefinition = {
  id: 'local',
  routes,
  authorization: { type: 'merchant-authorizer' },
  responses: gatewayResponses,
};

export const operatorApiDefinition = (operators: readonly OperatorCredentials[]): LocalApiDefinition => ({
  id: 'local-ops',
  routes: operatorRoutes,
  authorization: { type: 'iam', operators },
  responses: operatorGatewayResponses,
});

/** API Gateway's answer type for each way a SigV4 check fails. */
const signatureFailureResponse: Record<VerificationFailure, string> = {
  missing: 'MISSING_AUTHENTICATION_TOKEN',
  malformed: 'INVALID_SIGNATURE',
  unknown_key: 'UNAUTHORIZED',
  bad_signature: 'INVALID_SIGNATURE',
  expired: 'EXPIRED_TOKEN',
};

interface Resource {
  readonly path: string;
  readonly segments: readonly string[];
  readonly literals: number;
  readonly methods: ReadonlyMap<string, RouteDeclaration | OperatorRouteDeclaration>;
}

const resourcesOf = (declared: LocalApiDefinition['routes']): readonly Resource[] => {
  const byPath = new Map<string, Map<string, RouteDeclaration | OperatorRouteDeclaration>>();
  for (const route of declared) {
    const methods = byPath.get(route.path) ?? new Map<string, RouteDeclaration | OperatorRouteDeclaration>();
    methods.set(route.method, route);
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([path, methods]) => {
    const segments = path.split('/').filter(Boolean);
    return { path, segments, literals: segments.filter((segment) => !segment.startsWith('{')).length, methods };
  });
};

const matchResource = (resources: readonly Resource[], path: string): { resource: Resource; parameters: Record<string, string> } | undefined => {
  const parts = path.split('/').filter(Boolean);
  let best: { resource: Resource; parameters: Record<string, string> } | undefined;
  for (const resource of resources) {
    if (resource.segments.length !== parts.length) continue;
    const parameters: Record<string, string> = {};
    const matches = resource.segments.every((segment, index) => {
      const part = parts[index] as string;
      if (segment.startsWith('{')) {
        try {
          parameters[segment.slice(1, -1)] = decodeURIComponent(part);
        } catch {
          return false;
        }
        return true;
      }
      return segment === part;
    });
    if (matches && (!best || resource.literals > best.resource.literals)) best = { resource, parameters };
  }
  return best;
};

const headerMaps = (request: IncomingMessage) => {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] as string;
    const value = request.rawHeaders[index + 1] as string;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
};

/**
 * An own property whatever the name, as in the JSON event Lambda parses: `obj['__proto__'] = v` would set
 * the prototype instead, and `?__proto__=x` would vanish before the handler saw it.
 */
const setOwn = <T>(target: Record<string, T>, name: string, value: T) =>
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });

const queryMaps = (search: URLSearchParams) => {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of search) {
    setOwn(single, name, value);
    if (Object.hasOwn(multi, name)) multi[name]?.push(value);
    else setOwn(multi, name, [value]);
  }
  const empty = Object.keys(single).length === 0;
  return { queryStringParameters: empty ? null : single, multiValueQueryStringParameters: empty ? null : multi };
};

class BodyTooLargeError extends Error {}

const apacheTime = (date: Date): string => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
};

export interface AccessLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
  /** The request's and the response's body sizes (what WAF inspects, what the access log's responseLength says). */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export interface ApiGatewayOptions {
  readonly host: LambdaHost;
  /**
   * The port to listen on (0: any free one), or an HTTP server already listening on 127.0.0.1 whose port was
   * handed out before the API was ready (the acquirers learn the merchant API's URL before it starts): holding
   * the socket keeps another listener from taking the port in between.
   */
  readonly port: number | Server;
  /** Which API to serve; the merchant API unless told. */
  readonly api?: LocalApiDefinition;
  readonly onAccess?: (entry: AccessLogEntry) => void;
  /** A function failed (what Lambda would write to the function's log group). */
  readonly onFunctionError?: (key: FunctionKey, error: unknown) => void;
  /**
   * Seconds the merchant authorizer's answer is cached per Authorization value; default the deployed
   * MERCHANT_AUTHORIZER_CACHE_SECONDS. Tests of revocation shorten it (time scaled, like Step Functions
   * waits); 0 disables the cache.
   */
  readonly authorizerCacheSeconds?: number;
  /**
   * Static pages served beside the API on its origin (the ops console on the operator API: local/console-site.ts),
   * before any route matching; answers false for the API's requests.
   */
  readonly site?: { serve(request: IncomingMessage, response: ServerResponse): boolean };
  /**
   * Where to record the API's per-method metrics (`Count`, `Latency`, `4XXError`, `5XXError`, with the dimensions
   * API Gateway gives them when the stage has detailed metrics on: ApiName, Stage, Method, Resource), as in AWS:
   * the local CloudWatch (local/cloudwatch.ts) that the operator API's health route reads.
   */
  readonly metrics?: { readonly store: MetricStore; readonly apiName: string };
}

/** One request's API Gateway metrics (per method, and the stage's totals without Method and Resource). */
const recordMethodMetrics = (metrics: NonNullable<ApiGatewayOptions['metrics']>, method: string, resource: string, status: number, latencyMs: number): void => {
  const timestamp = Date.now();
  const stage = { ApiName: metrics.apiName, Stage: deployment.apiStageName };
  for (const dimensions of [{ ...stage, Method: method, Resource: resource }, stage]) {
    const record = (name: string, value: number) => metrics.store.record({ namespace: 'AWS/ApiGateway', name, dimensions, timestamp, values: [value] });
    record('Count', 1);
    record('Latency', latencyMs);
    record('4XXError', status >= 400 && status < 500 ? 1 : 0);
    record('5XXError', status >= 500 ? 1 : 0);
  }
};

export interface LocalApiGateway {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Whether an authorizer's policy lets a method ARN through, as API Gateway evaluates it: an explicit Deny
 * that matches wins, then any matching Allow; nothing matching is a deny. `*` matches any characters
 * (slashes included) and `?` one, as in IAM resource patterns. Written here because the evaluation is a
 * few lines and no maintained library evaluates execute-api policies offline.
 */
export const policyAllows = (document: APIGatewayAuthorizerResult['policyDocument'], methodArn: string): boolean => {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(methodArn);
  const statements = document.Statement.map((statement) => {
    const { Effect, Resource } = statement as { Effect: string; Resource?: string | string[] };
    return { effect: Effect, resources: Resource === undefined ? [] : Array.isArray(Resource) ? Resource : [Resource] };
  });
  if (statements.some((statement) => statement.effect === 'Deny' && statement.resources.some(matches))) return false;
  return statements.some((statement) => statement.effect === 'Allow' && statement.resources.some(matches));
};

export const startApiGateway = async (options: ApiGatewayOptions): Promise<LocalApiGateway> => {
  const { host } = options;
  const api = options.api ?? merchantApiDefinition;
  const API_ID = api.id;
  const resources = resourcesOf(api.routes);
  const stage = deployment.apiStageName;
  const authorizerCacheMs = (options.authorizerCacheSeconds ?? MERCHANT_AUTHORIZER_CACHE_SECONDS) * 1000;
  const authorizerCache = new Map<string, { readonly policy: APIGatewayAuthorizerResult; readonly until: number }>();
  /** The ARN API Gateway gives the authorizer and evaluates its policy against: the request's own path. */
  const methodArnOf = (method: string, path: string): string => `arn:aws:execute-api:${deployment.primaryRegion}:${ACCOUNT}:${API_ID}/${stage}/${method}${path}`;

  const handle = async (request: IncomingMessage, requestId: string, matched: { resource?: string }): Promise<APIGatewayProxyResult> => {
    const gatewayResponse = (type: GatewayResponseType | keyof typeof operatorGatewayResponses): APIGatewayProxyResult => {
      const declared = api.responses[type] ?? gatewayResponses.DEFAULT_5XX;
      return { statusCode: declared.status, headers: { 'Content-Type': 'application/problem+json' }, body: problemDocumentOf(declared, requestId) };
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const match = matchResource(resources, url.pathname);
    if (!match) return gatewayResponse('MISSING_AUTHENTICATION_TOKEN');
    matched.resource = match.resource.path;

    let body: string;
    try {
      body = await readBody(request, { maxBytes: MAX_REQUEST_BYTES, tooLarge: () => new BodyTooLargeError() });
    } catch (error) {
      if (error instanceof BodyTooLargeError) return gatewayResponse('REQUEST_TOO_LARGE');
      throw error;
    }

    const { headers, multiValueHeaders } = headerMaps(request);
    const now = new Date();
    const route = match.resource.methods.get(method);
    const requestContext = {
      accountId: ACCOUNT,
      apiId: API_ID,
      authorizer: null as Record<string, unknown> | null,
      domainName: request.headers.host ?? '127.0.0.1',
      domainPrefix: '127',
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: request.headers['user-agent'] ?? null,
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, user: null, userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      protocol: `HTTP/${request.httpVersion}`,
      requestId,
      requestTime: apacheTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: API_ID,
      resourcePath: match.resource.path,
      stage,
    };
    const event: APIGatewayProxyEvent = {
      resource: match.resource.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...queryMaps(url.searchParams),
      pathParameters: Object.keys(match.parameters).length ? match.parameters : null,
      stageVariables: null,
      requestContext: requestContext as unknown as APIGatewayProxyEvent['requestContext'],
      body: body.length ? body : null,
      isBase64Encoded: false,
    };

    if (api.authorization.type === 'iam') {
      // No ANY fallback on an IAM API: an undeclared method is refused like an unsigned request.
      if (!route) return gatewayResponse('MISSING_AUTHENTICATION_TOKEN');
      const operators = api.authorization.operators;
      const [rawPath = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
      const verified = verifyRequest(
        { method, path: rawPath, query: rawQuery, headers: request.headers as Record<string, string>, body },
        (accessKeyId) => operators.find((operator) => operator.access_key_id === accessKeyId)?.secret_access_key,
        { region: deployment.primaryRegion, service: 'execute-api' },
      );
      if (!verified.ok) return gatewayResponse(signatureFailureResponse[verified.failure] as GatewayResponseType);
      const operator = operators.find((candidate) => candidate.access_key_id === verified.accessKeyId) as OperatorCredentials;
      // The caller's IAM policy: execute-api:Invoke on exactly its role's routes (an MCP function's: the tools' among them).
      if (!('roles' in route) || !operatorMayCall({ role: operator.role, principal: operator.principal ?? 'operator' }, route)) return gatewayResponse('ACCESS_DENIED');
      Object.assign(requestContext.identity, {
        accessKey: operator.access_key_id,
        accountId: ACCOUNT,
        caller: `AROALOCAL:${operator.user_arn.split('/').pop()}`,
        user: `AROALOCAL:${operator.user_arn.split('/').pop()}`,
        userArn: operator.user_arn,
      });
      return invokeIntegration(route.function, event);
    }

    if (!route) return invokeIntegration(unknownMethodFunction, event);
    if (!requiresMerchantKey(route as RouteDeclaration)) return invokeIntegration(route.function, event);

    const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    if (!authorization) return gatewayResponse('UNAUTHORIZED');
    const cached = authorizerCache.get(authorization);
    let policy = cached && cached.until > Date.now() ? cached.policy : undefined;
    if (!policy) {
      try {
        policy = await host.invoke<APIGatewayAuthorizerResult>(authorizerFunction, {
          type: 'REQUEST',
          methodArn: methodArnOf(method, event.path),
          resource: event.resource,
          path: event.path,
          httpMethod: method,
          headers,
          multiValueHeaders,
          queryStringParameters: event.queryStringParameters,
          multiValueQueryStringParameters: event.multiValueQueryStringParameters,
          pathParameters: event.pathParameters,
          stageVariables: null,
          requestContext,
        });
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') return gatewayResponse('UNAUTHORIZED');
        options.onFunctionError?.(authorizerFunction, error);
        return gatewayResponse('DEFAULT_5XX');
      }
      if (authorizerCacheMs > 0) {
        // Only answered keys are cached (a refusal is not), so entries are bounded by the keys in use; expired ones go now and then.
        if (authorizerCache.size >= 10_000) for (const [value, entry] of authorizerCache) if (entry.until <= Date.now()) authorizerCache.delete(value);
        authorizerCache.set(authorization, { policy, until: Date.now() + authorizerCacheMs });
      }
    }
    // The cached policy is evaluated against this request's method ARN, as API Gateway does.
    if (!policyAllows(policy.policyDocument, methodArnOf(method, event.path))) return gatewayResponse('ACCESS_DENIED');
    requestContext.authorizer = { ...policy.context, principalId: policy.principalId, integrationLatency: 0 };
    return invokeIntegration(route.function, event);

    async function invokeIntegration(key: FunctionKey, proxyEvent: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
      try {
        const result = await host.invoke<APIGatewayProxyResult>(key, proxyEvent);
        if (!result || typeof result.statusCode !== 'number') {
          options.onFunctionError?.(key, new Error('Malformed Lambda proxy response'));
          return gatewayResponse('DEFAULT_5XX');
        }
        return result;
      } catch (error) {
        options.onFunctionError?.(key, error);
        return gatewayResponse('DEFAULT_5XX');
      }
    }
  };

  const server: Server = typeof options.port === 'number' ? createServer() : options.port;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (options.site?.serve(request, response)) return;
    const started = performance.now();
    const requestId = randomUUID();
    const matched: { resource?: string } = {};
    handle(request, requestId, matched)
      .catch(
        (): APIGatewayProxyResult => ({
          statusCode: 502,
          headers: { 'Content-Type': 'application/problem+json' },
          body: gatewayResponseBody('DEFAULT_5XX', requestId),
        }),
      )
      .then((result) => {
        const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
        const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
        for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
        headers['x-amzn-RequestId'] = requestId;
        headers['Content-Length'] = String(body.length);
        response.writeHead(result.statusCode, headers);
        response.end(body);
        const latencyMs = performance.now() - started;
        if (options.metrics && matched.resource) recordMethodMetrics(options.metrics, request.method ?? '', matched.resource, result.statusCode, latencyMs);
        options.onAccess?.({
          requestId,
          method: request.method ?? '',
          path: request.url ?? '',
          status: result.statusCode,
          latencyMs,
          requestBytes: Number(request.headers['content-length'] ?? 0),
          responseBytes: body.length,
        });
      });
  });
  server.keepAliveTimeout = 65_000;

  const listenOn = options.port;
  if (typeof listenOn === 'number')
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenOn, '127.0.0.1', () => resolve());
    });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
