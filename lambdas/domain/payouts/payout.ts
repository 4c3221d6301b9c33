import { DomainError } from '../errors';
import type { PayoutChannel, PayoutRail } from './beneficiary';
import { nextPayoutStep } from './payout-saga';
import type { ReviewReason, SanctionsHit } from './screening';

/**
 * A payout (`po_...`): money from one of the merchant's balances to a beneficiary's bank account, run by
 * the payout workflow (statemachines/payout.asl.json, docs/decisions/0012-payout-workflows-and-unknown-outcomes.md).
 *
 *   pending ──screening hit──> in_review ──approved──> pending
 *   pending ──submitted to the rail──> processing ──rail confirmed──> paid ──returned by the bank──> returned
 *   pending | in_review ──merchant cancels──> canceled          (only before submission)
 *   pending | in_review | processing ──refused, rejected, expired quote, rail failure──> failed
 *
 * Beside its status a payout records what each step of its workflow did (the money moved, the screening,
 * what the rail said, which durable wait holds it), so the next step is decided from the payout alone
 * (payout-saga.ts). Every change is a pure function of the payout that returns the next version, idempotent:
 * asking for the state it is already in (a retried step) returns it unchanged.
 */
export const PAYOUT_STATUSES = ['pending', 'in_review', 'processing', 'paid', 'failed', 'returned', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const isFinal = (status: PayoutStatus): boolean => status === 'failed' || status === 'returned' || status === 'canceled';

/**
 * Where the payout's money is in the ledger, recorded after each posting (the postings are idempotent by
 * derived ids; the ledger stays the authority, this is what the workflow decides from):
 *   none       nothing reserved yet (or the reservation was refused)
 *   reserved   the source amount is held (available → reserved)
 *   converted  the held amount was converted into the payout currency at the payout's quote
 *   paid       it left through the rail's clearing account
 *   released   it is back in the merchant's available balance (canceled, failed, or returned)
 */
export const PAYOUT_FUNDS = ['none', 'reserved', 'converted', 'paid', 'released'] as const;
export type PayoutFunds = (typeof PAYOUT_FUNDS)[number];

/**
 * What the rail said about the payment, the last definite word: `received` (it took the payment and has
 * not settled it), `paid`, `failed` (refused at submission, or rejected by the beneficiary's bank before
 * payment), `returned` (sent back after payment). Null: nothing sent, or sent and no definite answer yet
 * (an unknown outcome: the submit step asks the rail before sending again).
 */
export const RAIL_STATUSES = ['received', 'paid', 'failed', 'returned'] as const;
export type RailStatus = (typeof RAIL_STATUSES)[number];

/** The durable waits a payout can be held in (Standard workflows named by its id). */
export const PAYOUT_WAITS = ['review', 'confirmation'] as const;
export type PayoutWait = (typeof PAYOUT_WAITS)[number];

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
  readonly funds: PayoutFunds;
  /** When screening ran (clear, or held for review). */
  readonly screenedAt: string | null;
  readonly railStatus: RailStatus | null;
  /** The durable wait holding the payout (its Standard workflow started), if any. */
  readonly waiting: PayoutWait | null;
  /**
   * Since when the payout has been in flight outside any durable workflow: it has a step to run (set by
   * every change that leaves it one, kept while it moves on); null while a durable wait holds it or once it
   * has nothing left to do. A payout in flight for longer than an Express run lasts is recovered.
   */
  readonly inFlightSince: string | null;
  /** Money may sit in the wrong place (a wait overdue, a recovery that gave up, a conflicting rail report): operations must look. */
  readonly attention: { readonly step: string; readonly reason: string; readonly at: string } | null;
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

/**
 * The next version. A change of status ends the wait that held the old one. The payout is in flight while
 * it has a step to run (since the change that gave it one), and not while a wait holds it or it is done.
 */
const next = (payout: Payout, status: PayoutStatus, now: Date, changes: Partial<Payout> = {}): Payout => {
  const at = now.toISOString();
  const changed: Payout = {
    ...payout,
    ...(status === payout.status ? {} : { waiting: null }),
    ...changes,
    status,
    updatedAt: at,
    version: payout.version + 1,
    history: status === payout.status ? payout.history : [...payout.history, { status, at }],
  };
  const step = nextPayoutStep(changed);
  return { ...changed, inFlightSince: step === 'waiting' || step === 'done' ? null : (payout.inFlightSince ?? at) };
};

const requireStatus = (payout: Payout, to: string, ...allowed: PayoutStatus[]): void => {
  if (!allowed.includes(payout.status)) throw new PayoutTransitionError(payout.id, payout.status, to);
};

/**
 * An operator decided, while the payout waits for it (not once a failure is noted: a review timeout claims
 * it first). Approve: back to pending (the workflow carries on). Reject: the failure is noted; the workflow
 * releases the funds and fails it.
 */
export const decideReview = (payout: Payout, decision: 'approve' | 'reject', operator: string, note: string | null, now: Date): Payout => {
  if (payout.review?.decision === decision && payout.review.decidedBy === operator) return payout;
  requireStatus(payout, decision, 'in_review');
  if (!payout.review || payout.review.decision !== null || payout.failure) throw new PayoutTransitionError(payout.id, payout.status, decision);
  const review: PayoutReview = { ...payout.review, decision, decidedBy: operator, decidedAt: now.toISOString(), note };
  return decision === 'approve'
    ? next(payout, 'pending', now, { review })
    : next(payout, 'in_review', now, { review, failure: { code: 'rejected_in_review', message: `Rejected in review by ${operator}` } });
};

/** Held for review and still waiting for an operator's decision (what the operators' review queue lists). */
export const awaitsReview = (payout: Payout): boolean => payout.status === 'in_review' && payout.review?.decision === null && !payout.failure;

/** The review wait ended with no decision: the payout fails `review_timeout` (a decision in time wins). */
export const reviewTimedOut = (payout: Payout, now: Date): Payout =>
  awaitsReview(payout)
    ? next(payout, 'in_review', now, { failure: { code: 'review_timeout', message: 'No review decision was made in time' } })
    : payout;

/** Cancel before submission; PayoutNotCancelableError afterwards. */
export const cancel = (payout: Payout, now: Date): Payout => {
  if (payout.status === 'canceled') return payout;
  if (payout.status !== 'pending' && payout.status !== 'in_review') throw new PayoutNotCancelableError(payout.id, payout.status);
  return next(payout, 'canceled', now, { canceledAt: now.toISOString() });
};

/** What screening found (domain/payouts/screening.ts), as `reserved` records it. */
export type ScreeningResult = { readonly outcome: 'clear' } | { readonly outcome: 'review'; readonly review: Omit<PayoutReview, 'decision' | 'decidedBy' | 'decidedAt' | 'note'> };

/**
 * The reservation was posted and the beneficiary screened, recorded in one write. A hit holds the payout
 * `in_review` in its review wait (started before this is written). Whatever the payout became meanwhile, the
 * reservation is recorded: a payout canceled first then releases it.
 */
export const reserved = (payout: Payout, screening: ScreeningResult, now: Date): Payout => {
  if (payout.status !== 'pending') return payout.funds === 'none' ? next(payout, payout.status, now, { funds: 'reserved' }) : payout;
  if (payout.funds !== 'none' && payout.screenedAt) return payout;
  if (screening.outcome === 'clear') return next(payout, 'pending', now, { funds: 'reserved', screenedAt: now.toISOString() });
  const review: PayoutReview = { ...screening.review, decision: null, decidedBy: null, decidedAt: null, note: null };
  return next(payout, 'in_review', now, { funds: 'reserved', screenedAt: screening.review.screenedAt, review, waiting: 'review' });
};

/** The conversion was posted. */
export const fundsConverted = (payout: Payout, now: Date): Payout => (payout.funds === 'reserved' ? next(payout, payout.status, now, { funds: 'converted' }) : payout);

/**
 * The reservation was refused (a concurrent payout or conversion won the funds): nothing is held, the
 * payout fails `insufficient_funds`.
 */
export const reservationRefused = (payout: Payout, now: Date): Payout => {
  if (payout.funds !== 'none' || isFinal(payout.status)) return payout;
  return next(payout, 'failed', now, { failure: { code: 'insufficient_funds', message: 'The available balance no longer covered the payout when it was reserved' } });
};

/**
 * About to be handed to the rail, under the reference every message of the rail will name: from here on it
 * can no longer be canceled, and whatever the rail answers (or not) decides it.
 */
export const submitted = (payout: Payout, railReference: string, now: Date): Payout => {
  if (payout.status === 'processing') return payout;
  requireStatus(payout, 'processing', 'pending');
  return next(payout, 'processing', now, { submittedAt: now.toISOString(), railReference });
};

/** Why the payout is about to fail (an expired quote, a rail's refusal), kept until the workflow records the failure; the first reason stays. */
export const noteFailure = (payout: Payout, failure: PayoutFailure, now: Date): Payout =>
  payout.failure ? payout : next(payout, payout.status, now, { failure });

/** What a rail can say about a payment, as the workflow records it. */
export type RailAnswer =
  | { readonly status: 'received' | 'paid' }
  | { readonly status: 'failed' | 'returned'; readonly failure: PayoutFailure };

/**
 * How far each word of a rail goes: received < paid < returned; failed excludes paid and returned. A rail
 * repeats itself and reorders (at-least-once callbacks, files read out of order, a lookup): only a word that
 * goes further is recorded, so a duplicate or a late `received` changes nothing.
 */
const RAIL_RANK: Readonly<Record<RailStatus, number>> = { received: 1, paid: 2, returned: 3, failed: 2 };

/** The rail's word contradicts what was recorded (paid after a failure, failed after a payment): money may be in the wrong place. */
export const railConflict = (payout: Pick<Payout, 'railStatus' | 'funds'>, answer: RailStatus): boolean => {
  const paidLike = (status: RailStatus | null) => status === 'paid' || status === 'returned';
  if (answer === 'failed') return paidLike(payout.railStatus) || payout.funds === 'paid';
  if (paidLike(answer)) return payout.railStatus === 'failed' || (payout.funds === 'released' && payout.railStatus !== 'returned');
  return false;
};

/**
 * Record what the rail said, only on a payout sent to it (`processing` or `paid`), only when it goes further
 * than what is recorded and does not contradict it (railConflict: the caller flags those for operations).
 * A rejection or a return keeps its reason as the payout's failure.
 */
export const recordRailAnswer = (payout: Payout, answer: RailAnswer, now: Date): Payout => {
  if (payout.status !== 'processing' && payout.status !== 'paid') return payout;
  if (railConflict(payout, answer.status)) return payout;
  if (payout.railStatus !== null && RAIL_RANK[answer.status] <= RAIL_RANK[payout.railStatus]) return payout;
  const failure = 'failure' in answer ? { failure: answer.failure } : {};
  // The rail took it: the confirmation wait (started before this is written) holds it until the rail's word.
  const waiting = answer.status === 'received' ? { waiting: 'confirmation' as const } : {};
  return next(payout, payout.status, now, { railStatus: answer.status, ...failure, ...waiting });
};

/**
 * The rail's word `paid` and the payment it settles, recorded in one write (one version): what Settle
 * records when the run carried the word instead of a write recording it first (decision record 0052). A payout
 * the word would not move on to settling (not with the rail, a word already recorded, a contradiction) is
 * returned unchanged.
 */
export const paidAsTheRailSays = (payout: Payout, now: Date): Payout => {
  const told = recordRailAnswer(payout, { status: 'paid' }, now);
  if (told === payout || told.status !== 'processing' || nextPayoutStep(told) !== 'settle') return payout;
  return next(payout, 'paid', now, { railStatus: 'paid', paidAt: now.toISOString(), funds: 'paid' });
};

/** The money left through the rail's clearing account: paid. */
export const paid = (payout: Payout, now: Date): Payout => {
  if (payout.status === 'paid' || payout.status === 'returned') return payout;
  requireStatus(payout, 'paid', 'processing');
  return next(payout, 'paid', now, { paidAt: now.toISOString(), funds: 'paid' });
};

/** The held funds went back to available: canceled stays canceled, anything else fails with the failure it noted. */
export const released = (payout: Payout, now: Date): Payout => {
  if (payout.funds === 'released' || (isFinal(payout.status) && payout.funds === 'none')) return payout;
  if (payout.status === 'canceled') return next(payout, 'canceled', now, { funds: payout.funds === 'none' ? 'none' : 'released' });
  requireStatus(payout, 'failed', 'pending', 'in_review', 'processing', 'failed');
  const failure = payout.failure ?? { code: 'other' as const, message: 'The payout failed' };
  return next(payout, 'failed', now, { failure, funds: payout.funds === 'none' ? 'none' : 'released' });
};

/** The bank sent a paid payout back: the payment and any conversion were reversed and the funds restored. */
export const returned = (payout: Payout, failure: PayoutFailure, now: Date): Payout => {
  if (payout.status === 'returned') return payout;
  requireStatus(payout, 'returned', 'paid');
  return next(payout, 'returned', now, { failure, returnedAt: now.toISOString(), funds: 'released', railStatus: 'returned' });
};

/** Operations must look (the metric alarms); the payout keeps its status and its funds stay where they are. */
export const needsAttention = (payout: Payout, step: string, reason: string, now: Date): Payout =>
  payout.attention?.step === step ? payout : next(payout, payout.status, now, { attention: { step, reason, at: now.toISOString() } });

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
