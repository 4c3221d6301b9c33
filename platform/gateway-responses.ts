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
  // The authorizer allowed the key but not this route: a restricted key outside its scopes.
  ACCESS_DENIED: {
    status: 403,
    code: 'api_key_scope',
    title: 'Forbidden',
    detail: "This restricted key's scopes do not include this route.",
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

/**
 * The operator API's own answers. It is authorized by IAM (SigV4), so API Gateway refuses a request it
 * cannot authenticate or authorize with 403 before any function runs; an unknown path or method is
 * indistinguishable from an unsigned request there (MISSING_AUTHENTICATION_TOKEN), as in every IAM API.
 */
export const operatorGatewayResponses = {
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    code: 'missing_authentication',
    title: 'Forbidden',
    detail: 'Sign the request with AWS Signature Version 4 using operator credentials, on a declared route and method.',
  },
  INVALID_SIGNATURE: {
    status: 403,
    code: 'invalid_signature',
    title: 'Forbidden',
    detail: 'The request signature does not match: sign the exact method, path, query, headers and body sent.',
  },
  EXPIRED_TOKEN: {
    status: 403,
    code: 'expired_credentials',
    title: 'Forbidden',
    detail: 'The credentials or the signature have expired: sign again with fresh operator credentials.',
  },
  UNAUTHORIZED: {
    status: 403,
    code: 'invalid_credentials',
    title: 'Forbidden',
    detail: 'The access key in the signature is not recognized.',
  },
  ACCESS_DENIED: {
    status: 403,
    code: 'forbidden',
    title: 'Forbidden',
    detail: 'Your operator role does not allow this action.',
  },
  REQUEST_TOO_LARGE: gatewayResponses.REQUEST_TOO_LARGE,
  THROTTLED: gatewayResponses.THROTTLED,
  INTEGRATION_TIMEOUT: gatewayResponses.INTEGRATION_TIMEOUT,
  DEFAULT_5XX: gatewayResponses.DEFAULT_5XX,
} as const satisfies Record<string, GatewayResponseDeclaration>;

export type OperatorGatewayResponseType = keyof typeof operatorGatewayResponses;

/** The problem document of any declared gateway response, with API Gateway's request id placeholder. */
export const problemDocumentOf = (response: GatewayResponseDeclaration, requestId: string): string =>
  JSON.stringify({
    type: `${problemTypeBase}${response.code}`,
    title: response.title,
    status: response.status,
    detail: response.detail,
    code: response.code,
    request_id: requestId,
  });
