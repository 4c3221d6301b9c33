import { DomainError } from '../errors';
import type { PayoutChannel } from './beneficiary';
import type { PayoutFailureCode } from './payout';

/**
 * The payout saga's error names: a contract with statemachines/payout.asl.json, whose Retry and Catch
 * match on them (Step Functions reads a Lambda error's `name`), and with SendTaskFailure, whose `error`
 * carries the same names. Never renamed once deployed.
 *
 *   name                     raised by                        saga
 *   PayoutCanceled           any step before submission       release the reservation; canceled
 *   PayoutInsufficientFunds  ReserveFunds                     nothing reserved; failed (insufficient_funds)
 *   PayoutRejectedInReview   an operator (SendTaskFailure)    release; failed (rejected_in_review)
 *   RailUnavailable          SubmitToRail                     retried (same idempotency key), then release; failed
 *   RailTimeout              SubmitToRail                     retried, then wait for the rail's own answer
 *   RailRejected             SubmitToRail                     release; failed (the rail's reason)
 *   PayoutFailedAtRail       the rail (SendTaskFailure)       release; failed (the rail's reason)
 *   PayoutReturned           the rail (SendTaskFailure)       reverse the payment and conversion, release; returned
 */
export class PayoutCanceledError extends DomainError {
  override readonly name = 'PayoutCanceled';

  constructor(readonly payoutId: string) {
    super(`Payout ${payoutId} was canceled`);
  }
}

export class PayoutInsufficientFundsError extends DomainError {
  override readonly name = 'PayoutInsufficientFunds';

  constructor(
    readonly payoutId: string,
    readonly currency: string,
    readonly needed: number,
    readonly available: number,
  ) {
    super(`Payout ${payoutId} needs ${needed} ${currency} minor units; ${available} are available`);
  }
}

/** What a rail said about a payment: our failure code, the scheme's own code (R03, AC04...) and its words. */
export interface RailReason {
  readonly code: PayoutFailureCode;
  readonly railCode: string;
  readonly message: string;
}

interface RailErrorContext {
  readonly channel: PayoutChannel;
}

/** The rail did not take the request (5xx, 429, connection refused, outbox not writable): retry with the same key. */
export class RailUnavailableError extends DomainError {
  override readonly name = 'RailUnavailable';
  readonly retryable = true;

  constructor(
    readonly context: RailErrorContext,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${context.channel} is unavailable: ${reason}`, options);
  }
}

/** No readable answer in time: the rail may have taken it. Retrying with the same key resolves it. */
export class RailTimeoutError extends DomainError {
  override readonly name = 'RailTimeout';
  readonly retryable = true;

  constructor(
    readonly context: RailErrorContext,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${context.channel} gave no answer (${reason}); the outcome is unknown`, options);
  }
}

/** The rail refused the payment when it was submitted (invalid account, limit, a bug in our request). */
export class RailRejectedError extends DomainError {
  override readonly name = 'RailRejected';
  readonly retryable = false;

  constructor(
    readonly context: RailErrorContext,
    readonly reason: RailReason,
  ) {
    super(`${context.channel} rejected the payment: ${reason.railCode} ${reason.message}`);
  }
}
