import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/**
 * API Gateway REST proxy events for handler tests, built from a real event captured in
 * test/fixtures/events/apigateway/proxy-request.json with only the request-specific parts replaced.
 */
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'events', 'apigateway', 'proxy-request.json'), 'utf8'),
) as APIGatewayProxyEvent;

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly resource: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** Objects are serialized; strings are sent as-is (for malformed bodies). */
  readonly body?: unknown;
  readonly merchantId?: string;
}

export const apiGatewayEvent = (request: ApiRequest): APIGatewayProxyEvent => {
  const event = structuredClone(fixture);
  const headers = { ...event.headers, ...request.headers };
  const path = request.path ?? request.resource;
  return {
    ...event,
    resource: request.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value as string]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query
      ? Object.fromEntries(Object.entries(request.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: request.pathParameters ?? null,
    body: request.body === undefined ? null : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
    requestContext: {
      ...event.requestContext,
      resourcePath: request.resource,
      httpMethod: request.method,
      path: `/prod${path}`,
      requestId: randomUUID(),
      authorizer: request.merchantId
        ? { ...event.requestContext.authorizer, principalId: request.merchantId, merchantId: request.merchantId }
        : null,
    },
  };
};

export const lambdaContext = (functionName: string, timeoutMs = 10_000): Context => {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `test/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
