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

/** A list cursor (`starting_after`) that names no object of this merchant. */
export class InvalidCursorError extends DomainError {
  override readonly name = 'InvalidCursorError';

  constructor(
    readonly field: string,
    readonly id: string,
  ) {
    super(`No such object to list after: '${id}'`);
  }
}
