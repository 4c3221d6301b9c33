import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { routeFor, routeScope } from '../../../platform/routes';
import { type ApiKeyScope, scopesAllow } from '../../domain/api-key';
import type { MerchantPrincipal } from '../../domain/merchant';
import { endpointMetrics, logger, traceHandler } from '../powertools';
import { RequestError, fileResponse, jsonResponse, problem, problemResponse, toProblem } from './problem';
import { checkedPathParameters, singleQueryParameters } from './request';
import { parseOrRefuse } from './validation';

/**
 * The adapter every merchant endpoint is built from. It owns the HTTP concerns so handlers hold none:
 * the authorizer's principal, zod validation into field errors, problem responses and Powertools
 * logging/metrics/tracing. A handler supplies schemas and one call into a use case. POST endpoints add
 * the Idempotency-Key contract through merchant-command-endpoint.ts.
 */

export interface EndpointResult {
  readonly status: number;
  readonly body: unknown;
  /** The body is a file to download (a CSV report, `body` its text), not JSON. */
  readonly file?: { readonly contentType: 'text/csv; charset=utf-8'; readonly filename: string };
}

interface RequestBase {
  readonly principal: MerchantPrincipal;
  readonly requestId: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

export interface QueryRequest<Query> extends RequestBase {
  readonly query: Query;
}

export interface CommandRequest<Body> extends RequestBase {
  readonly body: Body;
  readonly idempotencyKey: string;
  /** Hash of method, resource and the body's fingerprint view (no card data). */
  readonly requestFingerprint: string;
  /** The command's identity across retries (merchant id + Idempotency-Key), as recorded in the audit log. */
  readonly commandId: string;
  /**
   * When (epoch ms) the work this request waits for must be given up, so the function still answers
   * (and records the answer) before its own timeout: a workflow run not finished by then goes on alone.
   */
  readonly deadline: number;
  /**
   * How long another request with the same key may still be running: this invocation's time left when it
   * started (the function's timeout), the lease Powertools gives an in-progress record.
   */
  readonly inFlightMs: number;
}

/** What a POST handler keeps for itself after the work it waits for: recording the answer and the audit entry. */
export const ANSWER_MARGIN_MS = 2_000;

/**
 * Adds facts to the invocation's one log line (written when it answers): what the request did worth keeping
 * for an incident, such as the audit anchor of a command or the operator who asked.
 */
export type LogNote = (fields: Readonly<Record<string, unknown>>) => void;

type Handler = (event: APIGatewayProxyEvent, context: Context, note: LogNote) => Promise<APIGatewayProxyResult>;

export const principalOf = (event: APIGatewayProxyEvent): MerchantPrincipal => {
  const authorizer = event.requestContext.authorizer as Record<string, unknown> | null | undefined;
  const merchantId = authorizer?.merchantId;
  const keyId = authorizer?.keyId;
  if (typeof merchantId !== 'string' || typeof keyId !== 'string') {
    throw new RequestError(problem(401, 'unauthorized', 'Send a valid secret API key as "Authorization: Bearer <key>".'));
  }
  // A restricted key's scopes, space-separated (authorizer context values are strings); none for a secret key.
  const scopes = authorizer?.scopes;
  if (typeof scopes !== 'string' || scopes === '') return { merchantId, keyId };
  const principal = { merchantId, keyId, scopes: scopes.split(' ') as ApiKeyScope[] };
  // Checked again here, behind the gateway's policy (which the authorizer builds from the same routes).
  const route = routeFor(event.httpMethod, event.resource);
  if (route) {
    const { resource, access } = routeScope(route);
    if (!scopesAllow(principal.scopes, resource, access)) {
      throw new RequestError(problem(403, 'api_key_scope', `This restricted key lacks the scope ${resource}:${access}.`));
    }
  }
  return principal;
};

/** The path parameters of a merchant route, each checked against the id shape platform/routes.ts declares for it. */
export const merchantPathParameters = (event: APIGatewayProxyEvent): Readonly<Record<string, string>> =>
  checkedPathParameters(event, routeFor(event.httpMethod, event.resource)?.params);

/**
 * One log line per invocation, written when it answers: `request handled` (INFO) with the operation, API
 * Gateway's request id (the access log's `requestId`), the merchant, the status and what the handler noted;
 * or `request failed` (ERROR) with the error instead, for a 5xx. Request-scoped facts go into the log call
 * rather than into shared logger state, so concurrent invocations in one process (the local runtime) never
 * mix them.
 *
 * Metrics (embedded metric format: log lines too) only when there is news: Powertools' ColdStart on an
 * instance's first invocation, ServerErrors on a 5xx answer, each published at once. API Gateway's per-method
 * metrics (Count, 4XXError, 5XXError, Latency: the stages have them on) count every request, so no metric
 * line is written per request. Each endpoint has its own Metrics instance with its operation as a default
 * dimension.
 */
export const wrap = (operation: string, inner: Handler) => {
  const metrics = endpointMetrics(operation);
  return middy(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    metrics.captureColdStartMetric(context.functionName);
    const requestId = event.requestContext.requestId;
    const merchantId = (event.requestContext.authorizer as Record<string, unknown> | null | undefined)?.merchantId;
    const noted: Record<string, unknown> = {};
    const note: LogNote = (fields) => Object.assign(noted, fields);
    let response: APIGatewayProxyResult;
    let failure: unknown;
    try {
      response = await inner(event, context, note);
    } catch (error) {
      const value = toProblem(error);
      if (value.status >= 500) failure = error;
      response = problemResponse(value, requestId);
    }
    if (response.statusCode >= 500) metrics.singleMetric().addMetric('ServerErrors', MetricUnit.Count, 1);
    const line = { operation, api_request_id: requestId, merchant_id: merchantId, status: response.statusCode, ...noted };
    if (failure === undefined) logger.info('request handled', line);
    else logger.error('request failed', { ...line, error: failure as Error });
    return response;
  })
    .use(injectLambdaContext(logger))
    .use(traceHandler());
};

/** GET endpoints: checked path ids, a validated query string, no body, no idempotency. */
export const merchantQueryEndpoint = <QuerySchema extends z.ZodMiniType>(definition: {
  readonly operation: string;
  readonly query: QuerySchema;
  readonly handle: (request: QueryRequest<z.infer<QuerySchema>>) => Promise<EndpointResult>;
}) =>
  wrap(definition.operation, async (event) => {
    const principal = principalOf(event);
    const pathParameters = merchantPathParameters(event);
    const query = parseOrRefuse(definition.query, singleQueryParameters(event));
    const result = await definition.handle({ principal, requestId: event.requestContext.requestId, pathParameters, query });
    if (result.file) return fileResponse(result.status, { ...result.file, body: String(result.body) }, event.requestContext.requestId);
    return jsonResponse(result.status, result.body, event.requestContext.requestId);
  });

