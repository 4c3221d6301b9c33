import { DomainError } from '../errors';
import type { PayoutChannel } from './beneficiary';
import type { PayoutFailureCode } from './payout';

/**
 * The payout workflow's error names: a contract with statemachines/payout.asl.json, whose Retry policies
 * match on them (Step Functions reads a Lambda error's `name`). Never renamed once deployed. Business
 * outcomes (insufficient funds, a refusal, an expired quote) are not errors: the steps record them on the
 * payout and the workflow goes on from there (lambdas/domain/payouts/payout-saga.ts).
 *
 *   name                 raised by                     workflow
 *   RailUnavailable      Submit, Inquire: not sent     retried (same key); then the recovery goes on trying
 *                        (the connection never opened)
 *   RailTimeout          Submit, Inquire: sent, no     retried; before sending again, Submit asks the rail
 *                        answer in time                what it holds under the payout's key
 *   RailOutcomeUnknown   Submit, Inquire: sent, and    the same: the funds stay reserved until the rail
 *                        the answer does not say       says definitely (found, paid, rejected)
 *                        (5xx, 429, SOAP Server fault,
 *                        key in use, key reused)
 *   RailRejected         the rail's adapter            not thrown out of a step: a definite refusal,
 *                                                      recorded; the funds are released
 */
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
