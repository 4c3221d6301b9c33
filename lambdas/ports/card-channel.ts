import type { MinorUnits } from '../domain/money';
import type { ChannelErrorName, DeclineCode } from '../domain/channel-errors';
import type { CaptureMethod } from '../domain/payment';

/**
 * A card channel: one acquirer the payment saga authorizes, captures, voids and refunds at. Amounts are
 * integer minor units of an ISO 4217 currency. Every mutating call carries an idempotency key; calling
 * again with the same key and the same command returns the original outcome (or throws the original
 * error) and never applies the operation twice, so any call may be retried after a timeout.
 *
 * Failures are the named errors of lambdas/domain/channel-errors.ts (CardDeclined, ChannelUnavailable,
 * ChannelTimeout, CaptureFailed, AuthorizationExpired, ChannelRequestRejected). Results are plain JSON
 * (strings, numbers, booleans, null) so a task handler can return them to Step Functions as they are.
 */

/** Card credentials as the customer gave them. They pass through to the acquirer and are never logged. */
export interface CardCredentials {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc?: string;
}

export interface AuthorizeCommand {
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: string;
  readonly card: CardCredentials;
  /** Our merchant id (`mer_...`), reported back in the acquirer's settlement files. */
  readonly merchantReference: string;
  /** Our payment id (`pay_...`): one payment, at most one approved authorization per channel. */
  readonly paymentReference: string;
  /**
   * Capture intent. `automatic`: the platform captures the full amount at once (a final authorization);
   * `manual`: it captures later, possibly less (a pre-authorization).
   */
  readonly captureMethod: CaptureMethod;
  /**
   * A sale (automatic payments only, decision record 0053): capture the full amount in the same request.
   * The answer is the authorization with its capture (`status` `captured`, `captureIds`), or, when the
   * acquirer approved the authorization but did not capture it, the authorization alone: the platform then
   * captures it with `capture` as without a sale. Without it the acquirer never captures by itself.
   */
  readonly capture?: boolean;
  /** Allow several partial captures against this authorization (split shipments). Default false. */
  readonly multiCapture?: boolean;
}

export interface CaptureCommand {
  readonly idempotencyKey: string;
  readonly authorizationId: string;
  /** At most what is still capturable; with a final capture the rest of the hold is released. */
  readonly amount: number;
  readonly currency: string;
  /** Default true. `false` (multi-capture authorizations only) keeps the remainder capturable. */
  readonly finalCapture?: boolean;
}

export interface VoidCommand {
  readonly idempotencyKey: string;
  readonly authorizationId: string;
}

export interface RefundCommand {
  readonly idempotencyKey: string;
  readonly authorizationId: string;
  /** Refunds of one authorization may be partial and several; their total never exceeds what was captured. */
  readonly amount: number;
  readonly currency: string;
  readonly reason?: string;
}

export type AuthorizationStatus = 'authorized' | 'partially_captured' | 'captured' | 'voided' | 'expired' | 'declined';

export interface ChannelCard {
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  /** The acquirer's stable fingerprint of the card number: matches two payments by the same card. */
  readonly fingerprint: string;
}

/** An authorization as the acquirer holds it at the moment of the answer. */
export interface ChannelAuthorization {
  readonly channel: string;
  readonly authorizationId: string;
  /** The issuer's approval code; null for a declined authorization. */
  readonly authCode: string | null;
  readonly status: AuthorizationStatus;
  readonly currency: string;
  /** Amount the issuer approved and holds. */
  readonly amountAuthorized: MinorUnits;
  readonly amountCapturable: MinorUnits;
  readonly amountCaptured: MinorUnits;
  readonly amountRefunded: MinorUnits;
  /** Hold given back to the cardholder: by a void, a final partial capture, or expiry. */
  readonly amountReleased: MinorUnits;
  readonly captureMethod: CaptureMethod;
  readonly multiCapture: boolean;
  readonly card: ChannelCard;
  readonly merchantReference: string;
  readonly paymentReference: string;
  readonly createdAt: string;
  /** When an uncaptured hold lapses (7 days after authorization, Visa customer-initiated). */
  readonly expiresAt: string;
  readonly voidedAt: string | null;
  readonly captureIds: readonly string[];
  readonly refundIds: readonly string[];
}

export interface ChannelCapture {
  readonly channel: string;
  readonly captureId: string;
  readonly authorizationId: string;
  readonly amount: MinorUnits;
  readonly currency: string;
  readonly finalCapture: boolean;
  /** Hold released by this capture (authorized − captured in total, when final). */
  readonly amountReleased: MinorUnits;
  /** The acquirer's processing fee for this capture, deducted at settlement; `net` = amount − fee. */
  readonly fee: MinorUnits;
  readonly net: MinorUnits;
  /** `pending` until the acquirer settles it (announced by a `capture.settled` webhook). */
  readonly status: 'pending' | 'settled';
  readonly createdAt: string;
  readonly settledAt: string | null;
}

export interface ChannelRefund {
  readonly channel: string;
  readonly refundId: string;
  readonly authorizationId: string;
  readonly amount: MinorUnits;
  readonly currency: string;
  /** `pending` until the acquirer completes it (announced by a `refund.succeeded` webhook). */
  readonly status: 'pending' | 'succeeded';
  readonly createdAt: string;
  readonly succeededAt: string | null;
}

export type ChannelOperationType = 'authorize' | 'capture' | 'void' | 'refund';

/** What a recorded operation ended in, when it did not succeed: the error the call threw. */
export interface ChannelOperationFailure {
  readonly name: ChannelErrorName;
  readonly code: string;
  readonly declineCode: DeclineCode | null;
  readonly message: string;
}

interface ChannelOperationBase {
  readonly channel: string;
  readonly operationId: string;
  readonly idempotencyKey: string;
  /** The authorization the operation acted on (null for an authorize). */
  readonly target: string | null;
  /** The channel object the operation produced: `auth_...`, `cap_...`, `rfd_...`; null when none. */
  readonly reference: string | null;
  readonly createdAt: string;
}

/** One request the acquirer recorded (it answered it definitively), as found by key or reference. */
export type ChannelOperation = ChannelOperationBase &
  (
    | { readonly type: 'authorize'; readonly outcome: 'succeeded'; readonly authorization: ChannelAuthorization }
    | { readonly type: 'capture'; readonly outcome: 'succeeded'; readonly capture: ChannelCapture }
    | { readonly type: 'void'; readonly outcome: 'succeeded'; readonly authorization: ChannelAuthorization }
    | { readonly type: 'refund'; readonly outcome: 'succeeded'; readonly refund: ChannelRefund }
    | { readonly type: ChannelOperationType; readonly outcome: 'failed'; readonly failure: ChannelOperationFailure }
  );

export interface CardChannel {
  /** The channel's name (`atlas`, `boreal`): the routing key and the prefix of its configuration. */
  readonly channel: string;

  /** Hold funds on the card. Declines throw CardDeclined. */
  authorize(command: AuthorizeCommand): Promise<ChannelAuthorization>;

  /** Capture all or part of an authorization; a final capture releases the rest of the hold. */
  capture(command: CaptureCommand): Promise<ChannelCapture>;

  /** Release an authorization nothing was captured from. Voiding a voided authorization returns it as is. */
  void(command: VoidCommand): Promise<ChannelAuthorization>;

  /** Give back part or all of what was captured. */
  refund(command: RefundCommand): Promise<ChannelRefund>;

  /**
   * The operation recorded under an idempotency key, or undefined when the acquirer never recorded one
   * (it never received the request, or answered it with a transient error): resolves an ambiguous outcome
   * without sending the operation again.
   */
  findOperation(idempotencyKey: string): Promise<ChannelOperation | undefined>;

  /** Every recorded operation that produced or acted on a channel reference, oldest first. */
  operationsFor(reference: string): Promise<readonly ChannelOperation[]>;

  /** The authorization's current state (captures, refunds, released hold); undefined if unknown. */
  getAuthorization(authorizationId: string): Promise<ChannelAuthorization | undefined>;
}
