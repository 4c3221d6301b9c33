/**
 * Business errors. Their `name`s are a contract: Step Functions `Retry`/`Catch` match on them and
 * lambdas/shared/http/problem.ts maps each to one HTTP problem response. Domain code throws only these.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The object does not exist or belongs to another merchant; the two cases are indistinguishable. */
export class ResourceNotFoundError extends DomainError {
  override readonly name = 'ResourceNotFoundError';

  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`No such ${resource}: '${id}'`);
  }
}

/** An Idempotency-Key already used for a different request by the same merchant. */
export class IdempotencyKeyReusedError extends DomainError {
  override readonly name = 'IdempotencyKeyReusedError';

  constructor() {
    super('This Idempotency-Key was already used with a different request. Use a new key for a new request.');
  }
}

/**
 * Another request with the same Idempotency-Key may still be running: the object it creates (or the card it
 * holds for it) is younger than the time a request may run. Answered 409 `idempotency_in_progress`, as
 * Powertools answers a live in-progress record; never stored as the key's answer (decision record 0048).
 */
export class RequestInFlightError extends DomainError {
  override readonly name = 'RequestInFlightError';

  constructor() {
    super('A request with this Idempotency-Key is still being processed. Retry after it completes.');
  }
}

/** A list cursor (`starting_after`, `ending_before`) that names no object of this merchant's list. */
export class InvalidCursorError extends DomainError {
  override readonly name = 'InvalidCursorError';

  constructor(
    readonly field: string,
    readonly id: string,
  ) {
    super(`No such object to list ${field === 'ending_before' ? 'before' : 'after'}: '${id}'`);
  }
}

/** A report whose window is unbounded, too long, or holds more lines than one download carries. */
export class ReportTooLargeError extends DomainError {
  override readonly name = 'ReportTooLargeError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A change asked of a payment in a status that does not allow it (capture twice, capture a canceled one...). */
export class PaymentNotCapturableError extends DomainError {
  override readonly name = 'PaymentNotCapturableError';

  constructor(readonly paymentId: string, readonly status: string) {
    super(`Payment ${paymentId} cannot be captured: its status is ${status}; only a payment that requires capture can be.`);
  }
}

export class PaymentNotCancelableError extends DomainError {
  override readonly name = 'PaymentNotCancelableError';

  constructor(readonly paymentId: string, readonly status: string) {
    super(`Payment ${paymentId} cannot be canceled: its status is ${status}; only an uncaptured payment that requires capture can be.`);
  }
}

/** An operator asked to redrive a workflow execution Step Functions will not redrive (not failed, older than 14 days, already redriven). */
export class ExecutionNotRedrivableError extends DomainError {
  override readonly name = 'ExecutionNotRedrivableError';

  constructor(
    readonly executionArn: string,
    reason: string,
  ) {
    super(`Execution ${executionArn} cannot be redriven: ${reason}`);
  }
}

/** An operator's review decision for a payment that is not waiting in the risk review queue (not sent there, or decided). */
export class PaymentNotInReviewError extends DomainError {
  override readonly name = 'PaymentNotInReviewError';

  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} is not waiting for a risk review decision.`);
  }
}

export class PaymentNotRefundableError extends DomainError {
  override readonly name = 'PaymentNotRefundableError';

  constructor(readonly paymentId: string, readonly status: string, reason?: string) {
    super(reason ?? `Payment ${paymentId} cannot be refunded: its status is ${status}; only a succeeded payment can be.`);
  }
}

/** An amount above what the payment allows (capture above capturable, refunds above captured). */
export class AmountTooLargeError extends DomainError {
  override readonly name = 'AmountTooLargeError';

  constructor(readonly field: string, readonly requested: number, readonly allowed: number, what: string) {
    super(`${field} is ${requested}, above the ${allowed} ${what}.`);
  }
}

/** Someone else changed the object since it was read: reread and decide again. */
export class StaleVersionError extends DomainError {
  override readonly name = 'StaleVersionError';

  constructor(readonly objectId: string, readonly expectedVersion: number) {
    super(`${objectId} changed after version ${expectedVersion} was read.`);
  }
}
