import { DomainError } from '../errors';
import type { PayoutChannel, PayoutRail } from './beneficiary';
import type { ReviewReason, SanctionsHit } from './screening';

/**
 * A payout (`po_...`): money from one of the merchant's balances to a beneficiary's bank account, run by
 * the payout saga (statemachines/payout.asl.json, docs/decisions/0007-payout-saga-and-rails.md).
 *
 *   pending ──screening hit──> in_review ──approved──> pending
 *   pending ──submitted to the rail──> processing ──rail confirmed──> paid ──returned by the bank──> returned
 *   pending | in_review ──merchant cancels──> canceled          (only before submission)
 *   pending | in_review | processing ──refused, rejected, expired quote, rail failure──> failed
 *
 * Every change is a pure function of the payout that returns the next version, idempotent: asking for the
 * state it is already in (a retried saga step) returns it unchanged.
 */
export const PAYOUT_STATUSES = ['pending', 'in_review', 'processing', 'paid', 'failed', 'returned', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const isFinal = (status: PayoutStatus): boolean => status === 'failed' || status === 'returned' || status === 'canceled';

/** Stable codes of why a payout failed or was returned (`failure_code`). */
export const PAYOUT_FAILURE_CODES = [
  'insufficient_funds',
  'quote_expired',
  'rejected_in_review',
  'review_timeout',
  'rail_unavailable',
  'account_closed',
  'no_account',
  'invalid_account',
  'account_blocked',
  'beneficiary_deceased',
  'refused_by_bank',
  'limit_exceeded',
  'other',
] as const;
export type PayoutFailureCode = (typeof PAYOUT_FAILURE_CODES)[number];

export const isFailureCode = (value: unknown): value is PayoutFailureCode => (PAYOUT_FAILURE_CODES as readonly unknown[]).includes(value);

export interface PayoutFailure {
  readonly code: PayoutFailureCode;
  readonly message: string;
}

export interface PayoutReview {
  readonly reasons: readonly ReviewReason[];
  readonly hits: readonly SanctionsHit[];
  readonly listVersion: string;
  readonly screenedAt: string;
  readonly decision: 'approve' | 'reject' | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly note: string | null;
}

export interface PayoutHistoryEntry {
  readonly status: PayoutStatus;
  readonly at: string;
}

export interface Payout {
  readonly id: string;
  readonly merchantId: string;
  readonly beneficiaryId: string;
  /** What the beneficiary receives, in `currency` (the beneficiary's). */
  readonly amount: number;
  readonly currency: string;
  /** The balance debited; equal to amount/currency unless the payout converts. */
  readonly sourceAmount: number;
  readonly sourceCurrency: string;
  /** The quote the conversion uses (claimed by this payout at creation); null when nothing converts. */
  readonly quoteId: string | null;
  readonly rail: PayoutRail;
  readonly channel: PayoutChannel;
  /** The merchant's reference, sent to the rail (the beneficiary sees it on its statement). */
  readonly reference: string;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly status: PayoutStatus;
  readonly review: PayoutReview | null;
  readonly railReference: string | null;
  readonly failure: PayoutFailure | null;
  readonly history: readonly PayoutHistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly submittedAt: string | null;
  readonly paidAt: string | null;
  readonly returnedAt: string | null;
  readonly canceledAt: string | null;
  /** Incremented by every change; a change is written only over the version it was computed from. */
  readonly version: number;
  readonly requestFingerprint: string;
}

/** A change the payout's status does not allow: a bug in the saga or a race it lost (never a merchant error). */
export class PayoutTransitionError extends DomainError {
  override readonly name = 'PayoutTransitionError';

  constructor(
    readonly payoutId: string,
    readonly from: PayoutStatus,
    readonly to: string,
  ) {
    super(`Payout ${payoutId} cannot go from ${from} to ${to}`);
  }
}

/** The merchant asked to cancel a payout already submitted or finished (409 `payout_not_cancelable`). */
export class PayoutNotCancelableError extends DomainError {
  override readonly name = 'PayoutNotCancelableError';

  constructor(
    readonly payoutId: string,
    readonly status: PayoutStatus,
  ) {
    super(`Payout ${payoutId} cannot be canceled: its status is ${status}; only a pending or in_review payout (not yet submitted to the bank) can be.`);
  }
}

const next = (payout: Payout, status: PayoutStatus, now: Date, changes: Partial<Payout> = {}): Payout => {
  const at = now.toISOString();
  return {
    ...payout,
    ...changes,
    status,
    updatedAt: at,
    version: payout.version + 1,
    history: status === payout.status ? payout.history : [...payout.history, { status, at }],
  };
};

const requireStatus = (payout: Payout, to: string, ...allowed: PayoutStatus[]): void => {
  if (!allowed.includes(payout.status)) throw new PayoutTransitionError(payout.id, payout.status, to);
};

/** Screening flagged it: wait for an operator. */
export const toReview = (payout: Payout, review: Omit<PayoutReview, 'decision' | 'decidedBy' | 'decidedAt' | 'note'>, now: Date): Payout => {
  if (payout.status === 'in_review') return payout;
  requireStatus(payout, 'in_review', 'pending');
  return next(payout, 'in_review', now, { review: { ...review, decision: null, decidedBy: null, decidedAt: null, note: null } });
};

/** An operator decided. Approve: back to pending (the saga carries on). Reject: recorded; the saga fails it. */
export const decideReview = (payout: Payout, decision: 'approve' | 'reject', operator: string, note: string | null, now: Date): Payout => {
  if (payout.review?.decision === decision && payout.review.decidedBy === operator) return payout;
  requireStatus(payout, decision, 'in_review');
  if (!payout.review) throw new PayoutTransitionError(payout.id, payout.status, decision);
  const review: PayoutReview = { ...payout.review, decision, decidedBy: operator, decidedAt: now.toISOString(), note };
  return decision === 'approve' ? next(payout, 'pending', now, { review }) : next(payout, 'in_review', now, { review });
};

/** Cancel before submission; PayoutNotCancelableError afterwards. */
export const cancel = (payout: Payout, now: Date): Payout => {
  if (payout.status === 'canceled') return payout;
  if (payout.status !== 'pending' && payout.status !== 'in_review') throw new PayoutNotCancelableError(payout.id, payout.status);
  return next(payout, 'canceled', now, { canceledAt: now.toISOString() });
};

/** Handed to the rail: from here on it can no longer be canceled. */
export const submitted = (payout: Payout, now: Date): Payout => {
  if (payout.status === 'processing') return payout;
  requireStatus(payout, 'processing', 'pending');
  return next(payout, 'processing', now, { submittedAt: now.toISOString() });
};

export const withRailReference = (payout: Payout, railReference: string, now: Date): Payout =>
  payout.railReference === railReference ? payout : next(payout, payout.status, now, { railReference });

/** Why the payout is about to fail (a rail's refusal), kept until the saga records the failure; the first reason stays. */
export const noteFailure = (payout: Payout, failure: PayoutFailure, now: Date): Payout =>
  payout.failure ? payout : next(payout, payout.status, now, { failure });

export const paid = (payout: Payout, now: Date): Payout => {
  if (payout.status === 'paid' || payout.status === 'returned') return payout;
  requireStatus(payout, 'paid', 'processing');
  return next(payout, 'paid', now, { paidAt: now.toISOString() });
};

export const failed = (payout: Payout, failure: PayoutFailure, now: Date): Payout => {
  if (payout.status === 'failed') return payout;
  requireStatus(payout, 'failed', 'pending', 'in_review', 'processing');
  return next(payout, 'failed', now, { failure });
};

export const returned = (payout: Payout, failure: PayoutFailure, now: Date): Payout => {
  if (payout.status === 'returned') return payout;
  requireStatus(payout, 'returned', 'paid');
  return next(payout, 'returned', now, { failure, returnedAt: now.toISOString() });
};

/**
 * How long after `paid` the saga keeps listening for a return, per rail: about the longest a bank takes
 * to send a payment back in that scheme (ACH R-codes for credits within 2 banking days; SEPA returns
 * within 10 banking days; PIX refunds through MED within 80 days...). A return later than this is for
 * operations (docs/decisions/0007-payout-saga-and-rails.md).
 */
export const RETURN_WINDOW_SECONDS: Readonly<Record<PayoutRail, number>> = {
  ach: 5 * 86_400,
  sepa: 14 * 86_400,
  spei: 10 * 86_400,
  pix: 80 * 86_400,
  eft_ca: 10 * 86_400,
  swift: 30 * 86_400,
};

/** The most one payout may carry per rail (scheme limits), minor units of the rail's currency; absent: the platform maximum. */
export const RAIL_MAXIMUM: Readonly<Partial<Record<PayoutRail, number>>> = {
  ach: 100_000_000, // Same Day ACH: USD 1,000,000.00 per payment
  sepa: 99_999_999_999, // SCT: EUR 999,999,999.99
  spei: 99_999_999_999,
};

/** A payout above what its rail carries (422 `amount_exceeds_rail_limit`). */
export class RailLimitExceededError extends DomainError {
  override readonly name = 'RailLimitExceededError';

  constructor(
    readonly rail: PayoutRail,
    readonly limit: number,
  ) {
    super(`The ${rail} rail carries at most ${limit} minor units per payout.`);
  }
}

/** The payout does not fit the beneficiary (422 `beneficiary_mismatch`): another currency than its account's. */
export class BeneficiaryMismatchError extends DomainError {
  override readonly name = 'BeneficiaryMismatchError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
