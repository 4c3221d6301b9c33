import { DomainError } from '../errors';
import { formatMoney } from '../money';

/**
 * Ledger errors. Their `name`s are a contract with the saga (ASL `Retry`/`Catch`):
 * - LedgerContentionError: transient; retry the task with back-off.
 * - InsufficientFundsError: the posting would take a non-negative account below zero; a business answer
 *   (for example a refund waits until funds settle), not retried blindly.
 * - PostingRejectedError: the business event contradicts what the ledger holds (over-refund, capture of
 *   an uncaptured amount...); `reason` says which rule.
 * - PostingConflictError: a transaction id was already used for a different event: a caller bug, alert.
 * - NotHomeRegionError: the merchant's ledger is written in another region, or is being moved (`movingTo`);
 *   the merchant API refuses the request, a workflow holds the step (decision 0024).
 * - UnbalancedTransactionError: a template built a transaction whose debits and credits differ: a bug.
 */
/**
 * Not enough money: the one name for it, from the ledger's balance plan to the merchant API's 422
 * `insufficient_funds` (shared/http/problem.ts) and the refund workflow's Catch. `account` is the ledger
 * account that cannot cover `needed` (minor units of its currency); `what`, when given, says in the
 * merchant's words what it does not cover (a conversion's sell amount, a payout).
 */
export class InsufficientFundsError extends DomainError {
  override readonly name = 'InsufficientFundsError';
  readonly currency: string;

  constructor(
    readonly account: string,
    readonly needed: number,
    readonly available: number,
    what?: string,
  ) {
    const currency = account.split(':')[2] ?? '';
    super(
      what === undefined
        ? `Account ${account} holds ${available}, the posting needs ${needed}`
        : `The available ${currency} balance (${formatMoney({ amount: available, currency })}) does not cover ${what} (${formatMoney({ amount: needed, currency })}).`,
    );
    this.currency = currency;
  }
}

export const POSTING_REJECTION_REASONS = [
  'invalid_input',
  'currency_mismatch',
  'capture_exceeds_authorized',
  'already_captured',
  'not_captured',
  'refund_exceeds_captured',
  'nothing_to_settle',
  'payout_already_reserved',
  'payout_not_reserved',
  'payout_converted',
  'already_converted',
  'conversion_mismatch',
  'reversal_of_reversal',
  'reversal_not_allowed',
  'too_many_items',
  'fees_already_booked',
] as const;
export type PostingRejectionReason = (typeof POSTING_REJECTION_REASONS)[number];

export class PostingRejectedError extends DomainError {
  override readonly name = 'PostingRejectedError';

  constructor(
    readonly reason: PostingRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export class PostingConflictError extends DomainError {
  override readonly name = 'PostingConflictError';

  constructor(readonly transactionId: string) {
    super(`Transaction ${transactionId} was already posted for a different event`);
  }
}

export class NotHomeRegionError extends DomainError {
  override readonly name = 'NotHomeRegionError';

  constructor(
    readonly merchantId: string,
    readonly homeRegion: string,
    readonly region: string,
    /** Set while the merchant is being moved (fenced, or a move begun): the region it is moving to. */
    readonly movingTo?: string,
  ) {
    super(
      movingTo === undefined
        ? `The ledger of ${merchantId} is written in ${homeRegion}, not ${region}`
        : `The ledger of ${merchantId} is being moved from ${homeRegion} to ${movingTo}; nothing is written for it until the move ends`,
    );
  }
}

export class LedgerContentionError extends DomainError {
  override readonly name = 'LedgerContentionError';

  constructor(
    readonly transactionId: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`Transaction ${transactionId} still conflicted after ${attempts} attempts`, options);
  }
}

export class UnbalancedTransactionError extends DomainError {
  override readonly name = 'UnbalancedTransactionError';

  constructor(
    readonly transactionId: string,
    readonly currency: string,
    readonly debits: number,
    readonly credits: number,
  ) {
    super(`Transaction ${transactionId} does not balance in ${currency}: debits ${debits}, credits ${credits}`);
  }
}
