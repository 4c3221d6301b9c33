import { DomainError } from './errors';

/**
 * What a card channel (acquirer) can answer besides success. The `name` of each class is a contract:
 * the payment saga's ASL `Retry` and `Catch` match on it (Step Functions reads `error.name`), so a name
 * never changes once deployed. No message or field of these errors ever holds a card number or a CVC.
 *
 *   name                    retry?                               meaning
 *   CardDeclined            no                                   the issuer said no; the payment fails
 *   ChannelUnavailable      yes, back-off, same Idempotency-Key  the acquirer did not apply the request
 *   ChannelTimeout          yes, back-off, same Idempotency-Key  no readable answer: it may have applied it
 *   CaptureFailed           no                                   the acquirer refused the capture for good
 *   AuthorizationExpired    no                                   the authorization lapsed; funds released
 *   ChannelRequestRejected  no                                   4xx: our request breaks the contract (a bug)
 */
export const CHANNEL_ERROR_NAMES = [
  'CardDeclined',
  'ChannelUnavailable',
  'ChannelTimeout',
  'CaptureFailed',
  'AuthorizationExpired',
  'ChannelRequestRejected',
] as const;
export type ChannelErrorName = (typeof CHANNEL_ERROR_NAMES)[number];

/** Why an issuer or acquirer declined a card (the acquirer's `decline_code`). */
export const DECLINE_CODES = [
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'do_not_honor',
  'lost_card',
  'stolen_card',
] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];

export const isDeclineCode = (value: unknown): value is DeclineCode => (DECLINE_CODES as readonly unknown[]).includes(value);

/** Fields every channel error carries: which channel, and the acquirer's request id when it sent one. */
export interface ChannelErrorContext {
  readonly channel: string;
  readonly channelRequestId?: string;
}

export abstract class ChannelError extends DomainError {
  abstract override readonly name: ChannelErrorName;
  /** Whether the saga retries it (with the same Idempotency-Key). */
  abstract readonly retryable: boolean;
  readonly channel: string;
  readonly channelRequestId: string | undefined;

  constructor(context: ChannelErrorContext, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.channel = context.channel;
    this.channelRequestId = context.channelRequestId;
  }
}

/**
 * The issuer declined the authorization (HTTP 402, `card_error`). Not retried: asking again with the same
 * key replays the decline, and a new key is a new attempt the merchant's customer must make.
 * `authorizationId` is the acquirer's record of the declined attempt, kept for reconciliation.
 */
export class CardDeclinedError extends ChannelError {
  override readonly name = 'CardDeclined';
  override readonly retryable = false;

  constructor(
    context: ChannelErrorContext,
    readonly declineCode: DeclineCode,
    readonly authorizationId: string | undefined,
  ) {
    super(context, `The card was declined by ${context.channel}: ${declineCode}`);
  }
}

/**
 * The acquirer answered that it did not process the request: HTTP 5xx, 429, a processing error it marks
 * retryable, a request with the same key still in progress, or the connection was refused before the
 * request was sent. Retried with back-off and the same Idempotency-Key.
 */
export class ChannelUnavailableError extends ChannelError {
  override readonly name = 'ChannelUnavailable';
  override readonly retryable = true;

  constructor(
    context: ChannelErrorContext,
    readonly reason: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(context, `${context.channel} is unavailable: ${reason}${status ? ` (HTTP ${status})` : ''}`, options);
  }
}

/**
 * No readable answer in time: the request may or may not have been applied (the call timed out, the
 * connection dropped after the request was sent, or the answer was unreadable). Retrying with the same
 * Idempotency-Key is the resolution: the acquirer then returns the original outcome and never applies
 * the operation twice. When retries run out, `findOperation(idempotencyKey)` tells what happened.
 */
export class ChannelTimeoutError extends ChannelError {
  override readonly name = 'ChannelTimeout';
  override readonly retryable = true;

  constructor(
    context: ChannelErrorContext,
    readonly reason: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(context, `${context.channel} gave no answer (${reason}); the outcome is unknown`, options);
  }
}

/** The acquirer refused the capture for good (HTTP 402 `capture_failed`). Not retried: compensate (void). */
export class CaptureFailedError extends ChannelError {
  override readonly name = 'CaptureFailed';
  override readonly retryable = false;

  constructor(
    context: ChannelErrorContext,
    readonly authorizationId: string,
    readonly code: string,
  ) {
    super(context, `${context.channel} refused the capture of ${authorizationId}: ${code}`);
  }
}

/**
 * The authorization lapsed (7 days for a Visa customer-initiated authorization) before the capture or
 * void: the hold is already released. Not retried. For a void this is the outcome the void wanted.
 */
export class AuthorizationExpiredError extends ChannelError {
  override readonly name = 'AuthorizationExpired';
  override readonly retryable = false;

  constructor(
    context: ChannelErrorContext,
    readonly authorizationId: string,
  ) {
    super(context, `Authorization ${authorizationId} at ${context.channel} has expired`);
  }
}

/**
 * The acquirer refused the request as invalid (HTTP 4xx other than the cases above): a malformed field, an
 * unsupported currency, an amount above what is capturable or refundable, an operation the authorization's
 * state does not allow, an Idempotency-Key reused for a different request, a bad API key; or a redirect,
 * which is never followed (it would resend the card elsewhere): a wrong base URL. Retrying cannot
 * help; it is a bug or a misconfiguration, so it is not retried and should alert.
 */
export class ChannelRequestRejectedError extends ChannelError {
  override readonly name = 'ChannelRequestRejected';
  override readonly retryable = false;

  constructor(
    context: ChannelErrorContext,
    readonly status: number,
    readonly code: string,
    readonly param: string | undefined,
    detail: string,
  ) {
    super(context, `${context.channel} rejected the request (HTTP ${status} ${code}${param ? ` on ${param}` : ''}): ${detail}`);
  }
}
