import type { APIGatewayProxyResult } from 'aws-lambda';
import { problemTypeBase } from '../../../platform/gateway-responses';

/**
 * The one map from errors to HTTP answers: RFC 9457 problem documents (`application/problem+json`)
 * with a stable `code`. Domain errors are mapped by `name`; adapter-level request errors carry their own
 * status. Anything unknown is a 500 that says nothing about internals.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request the adapter refuses before any use case runs (bad JSON, validation, headers...). */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problem = (
  status: number,
  code: string,
  detail: string,
  extra: { errors?: readonly FieldError[]; headers?: Record<string, string> } = {},
): Problem => ({ status, code, title: titles[status] ?? 'Error', detail, ...extra });

type ErrorWithFields = Error & { field?: string; homeRegion?: string; movingTo?: string };

/** How long a merchant waits before retrying a request refused while its home region moves (a move takes minutes). */
export const HOME_REGION_MOVE_RETRY_AFTER_SECONDS = 60;

/**
 * The merchant's ledger lives in another region (421: this region will not serve it; the `Home-Region` header
 * names the one that will), or is being moved (409 with Retry-After). Either way nothing was written
 * (docs/decisions/0024-home-region-routing-and-moves.md).
 */
const regionRefusal = (error: ErrorWithFields): Problem =>
  error.movingTo === undefined
    ? problem(
        421,
        'wrong_region',
        `This merchant's payments are processed in ${error.homeRegion}, not in this region. Nothing was done; send the request, with the same Idempotency-Key, to the ${error.homeRegion} endpoint.`,
        { headers: { 'Home-Region': error.homeRegion ?? '' } },
      )
    : problem(
        409,
        'home_region_moving',
        `This merchant's payments are moving to ${error.movingTo}. Nothing was done; retry with the same Idempotency-Key after ${HOME_REGION_MOVE_RETRY_AFTER_SECONDS} seconds.`,
        { headers: { 'Retry-After': String(HOME_REGION_MOVE_RETRY_AFTER_SECONDS), 'Home-Region': error.homeRegion ?? '' } },
      );

/** A duplicate while the first request with its key still runs: Powertools' in-progress record, or the create's own guard (decision record 0048). */
const inProgress = problem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed. Retry after it completes.');

/** Domain and library error names → problems. Keep in step with docs/api.md. */
const problemsByErrorName: Record<string, (error: ErrorWithFields) => Problem> = {
  ResourceNotFoundError: (error) => problem(404, 'resource_not_found', error.message),
  ApiKeyLimitReachedError: (error) => problem(409, 'api_key_limit_reached', error.message),
  WebhookEndpointLimitError: (error) => problem(409, 'webhook_endpoint_limit_reached', error.message),
  LastActiveApiKeyError: (error) => problem(409, 'last_active_api_key', error.message),
  ApiKeyScopeError: (error) => problem(403, 'api_key_scope', error.message),
  MerchantExistsError: (error) => problem(409, 'merchant_exists', error.message),
  IdempotencyKeyReusedError: (error) => problem(422, 'idempotency_key_reused', error.message),
  IdempotencyValidationError: () =>
    problem(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    ),
  IdempotencyAlreadyInProgressError: () => inProgress,
  RequestInFlightError: () => inProgress,
  IdempotencyPersistenceLayerError: () =>
    problem(503, 'service_unavailable', 'The platform could not record this request. Retry with the same Idempotency-Key.'),
  PaymentNotCapturableError: (error) => problem(409, 'payment_not_capturable', error.message),
  PaymentNotCancelableError: (error) => problem(409, 'payment_not_cancelable', error.message),
  PaymentNotRefundableError: (error) => problem(409, 'payment_not_refundable', error.message),
  PaymentNotInReviewError: (error) => problem(409, 'payment_not_in_review', error.message),
  ExecutionNotRedrivableError: (error) => problem(409, 'execution_not_redrivable', error.message),
  AmountTooLargeError: (error) =>
    problem(422, 'amount_too_large', error.message, { errors: [{ field: error.field ?? 'amount', message: error.message }] }),
  StaleVersionError: () => problem(409, 'concurrent_update', 'The object changed while the request was processed. Retry with the same Idempotency-Key.'),
  ReportTooLargeError: (error) =>
    problem(422, 'validation_error', 'The request has invalid parameters.', {
      errors: [{ field: error.field ?? 'created[gte]', message: error.message }],
    }),
  InvalidCursorError: (error) =>
    problem(422, 'validation_error', 'The request has invalid parameters.', {
      errors: [{ field: error.field ?? 'starting_after', message: error.message }],
    }),
  // FX, beneficiaries and payouts (docs/api.md).
  QuoteExpiredError: (error) => problem(422, 'quote_expired', error.message),
  QuoteAlreadyUsedError: (error) => problem(409, 'quote_already_used', error.message),
  QuoteMismatchError: (error) => problem(422, 'quote_mismatch', error.message, { errors: [{ field: error.field ?? 'quote_id', message: error.message }] }),
  AmountTooSmallToConvertError: (error) => problem(422, 'amount_too_small', error.message),
  FxAmountOutOfRangeError: (error) => problem(422, 'amount_too_large', error.message),
  CurrencyNotQuotedError: (error) =>
    problem(422, 'currency_not_supported', error.message, { errors: [{ field: error.field ?? 'currency', message: error.message }] }),
  InsufficientFundsError: (error) => problem(422, 'insufficient_funds', error.message),
  BeneficiaryMismatchError: (error) =>
    problem(422, 'beneficiary_mismatch', error.message, { errors: [{ field: error.field ?? 'beneficiary_id', message: error.message }] }),
  RailLimitExceededError: (error) => problem(422, 'amount_exceeds_rail_limit', error.message, { errors: [{ field: 'amount', message: error.message }] }),
  PayoutNotCancelableError: (error) => problem(409, 'payout_not_cancelable', error.message),
  NotHomeRegionError: regionRefusal,
};

/** A refusal because of where the merchant's ledger lives: a contract answer, but never stored for replay. */
export const isRegionRefusal = (error: unknown): boolean => error instanceof Error && error.name === 'NotHomeRegionError';

/** True for errors whose answer is part of the API contract (and so may be stored for idempotent replay). */
export const isContractError = (error: unknown): error is Error =>
  error instanceof RequestError || (error instanceof Error && error.name in problemsByErrorName);

export const toProblem = (error: unknown): Problem => {
  if (error instanceof RequestError) return error.problem;
  if (error instanceof Error) {
    const map = problemsByErrorName[error.name];
    if (map) return map(error);
  }
  return problem(500, 'internal_error', 'The request failed inside the platform. Retry with the same Idempotency-Key.');
};

export const problemResponse = (value: Problem, requestId: string): APIGatewayProxyResult => ({
  statusCode: value.status,
  headers: {
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
    'Request-Id': requestId,
    ...value.headers,
  },
  body: JSON.stringify({
    type: `${problemTypeBase}${value.code}`,
    title: value.title,
    status: value.status,
    detail: value.detail,
    code: value.code,
    ...(value.errors ? { errors: value.errors } : {}),
    request_id: requestId,
  }),
});

/** A download: the file's text with its media type and the name a browser saves it under, never cached. */
export const fileResponse = (status: number, file: { readonly body: string; readonly contentType: string; readonly filename: string }, requestId: string): APIGatewayProxyResult => ({
  statusCode: status,
  headers: {
    'Content-Type': file.contentType,
    'Content-Disposition': `attachment; filename="${file.filename}"`,
    'Cache-Control': 'no-store',
    'Request-Id': requestId,
  },
  body: file.body,
});

export const jsonResponse = (status: number, body: unknown, requestId: string): APIGatewayProxyResult => ({
  statusCode: status,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Request-Id': requestId },
  body: JSON.stringify(body),
});
