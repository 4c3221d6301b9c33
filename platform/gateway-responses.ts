/**
 * Answers API Gateway gives on its own (no Lambda involved), as RFC 9457 problem documents. lib/ installs
 * them as gateway responses with `$context.requestId` substituted by API Gateway; local/ renders the same
 * bodies. The catalogue of problem codes is docs/api.md.
 */
export const problemTypeBase = 'https://xborder.example/problems/';

export interface GatewayResponseDeclaration {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
}

export const gatewayResponses = {
  UNAUTHORIZED: {
    status: 401,
    code: 'unauthorized',
    title: 'Unauthorized',
    detail: 'Send a valid secret API key as "Authorization: Bearer <key>".',
  },
  ACCESS_DENIED: {
    status: 401,
    code: 'unauthorized',
    title: 'Unauthorized',
    detail: 'Send a valid secret API key as "Authorization: Bearer <key>".',
  },
  MISSING_AUTHENTICATION_TOKEN: {
    status: 404,
    code: 'route_not_found',
    title: 'Not Found',
    detail: 'No API route matches this path.',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    title: 'Payload Too Large',
    detail: 'The request body is larger than the API accepts.',
  },
  THROTTLED: {
    status: 429,
    code: 'rate_limited',
    title: 'Too Many Requests',
    detail: 'Too many requests; retry with exponential back-off.',
  },
  INTEGRATION_TIMEOUT: {
    status: 504,
    code: 'upstream_timeout',
    title: 'Gateway Timeout',
    detail: 'The request took too long. It may still complete: retry with the same Idempotency-Key.',
  },
  DEFAULT_5XX: {
    status: 502,
    code: 'internal_error',
    title: 'Bad Gateway',
    detail: 'The request failed inside the platform. Retry with the same Idempotency-Key.',
  },
} as const satisfies Record<string, GatewayResponseDeclaration>;

export type GatewayResponseType = keyof typeof gatewayResponses;

/** The body with a request id placeholder; API Gateway fills `$context.requestId`. */
export const gatewayResponseBody = (type: GatewayResponseType, requestId: string): string => {
  const response = gatewayResponses[type];
  return JSON.stringify({
    type: `${problemTypeBase}${response.code}`,
    title: response.title,
    status: response.status,
    detail: response.detail,
    code: response.code,
    request_id: requestId,
  });
};
