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
 *   RailUnavailable          SubmitToRail: nothing sent       retried (same idempotency key), then release; failed
 *   RailTimeout              SubmitToRail                     retried, then wait for the rail's own answer
 *   RailOutcomeUnknown       SubmitToRail: sent, and the      never released: the payment may exist (ask the
 *                            answer does not say (5xx, 429,   rail: PayoutRailPort.lookup)
 *                            Server fault, key in use)
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

/** The request never reached the rail (connection refused, outbox not writable): nothing was sent; retry with the same key. */
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

/**
 * The rail answered, after the request may have reached it, without saying whether it took the payment:
 * a 5xx, a 429, a SOAP Server fault, "this key is in use" (the first request is still being processed),
 * "this key was used for another request". The payment may exist: ask the rail, or wait for its word;
 * never release on this.
 */
export class RailOutcomeUnknownError extends DomainError {
  override readonly name = 'RailOutcomeUnknown';
  readonly retryable = true;

  constructor(
    readonly context: RailErrorContext,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${context.channel} answered ${reason}; whether it took the payment is unknown`, options);
  }
}

/** The rail refused the payment when it was submitted (invalid account, limit, a bug in our request): nothing exists under its key. */
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
