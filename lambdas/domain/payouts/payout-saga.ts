import type { Payout, PayoutWait } from './payout';

/**
 * Which step a payout needs next, decided from the payout alone, never from where an execution happens to
 * be. Every run of the payout workflow (Express) asks this after each step: the merchant's create and
 * cancel, the operator's review decision, a rail's message, the end of the review wait and a recovery after
 * a crash all follow the same path from whatever the payout records, so a step never runs out of order and
 * a run that died is finished by the next one (docs/decisions/0012-payout-workflows-and-unknown-outcomes.md).
 *
 *   reserve    pending, nothing held or not screened: hold the source amount and screen the beneficiary
 *              (a hit holds it in review, in a durable wait)
 *   convert    screened, converts at its quote, not converted yet
 *   submit     ready to send, or sent with no definite answer from the rail (the step asks the rail before
 *              sending again: an unknown outcome is never released); once the rail takes it, a durable
 *              wait holds it until the rail's word
 *   waiting    a durable wait (Standard) holds it: an operator's decision, or the rail's confirmation
 *   settle     the rail paid it (or returned it, which implies paid): post the payment, paid
 *   release    give back what it holds: after a definite failure (a refusal, a rejection in review, an
 *              expired quote...) or a cancel → failed or canceled; after a return → returned
 *   done       final, or paid, with nothing held
 */
export const PAYOUT_STEPS = ['reserve', 'convert', 'submit', 'waiting', 'settle', 'release', 'done'] as const;
export type PayoutStep = (typeof PAYOUT_STEPS)[number];

/**
 * Why a workflow run asks: `expire` is the review wait ending with no decision, `rail` a rail's message (its
 * word recorded first), `paid` a rail's message saying paid that the run carries instead (Settle records the
 * word and the payment in one write: decision record 0052), `review` an operator's decision.
 */
export const PAYOUT_ACTIONS = ['create', 'review', 'cancel', 'rail', 'paid', 'expire', 'resume'] as const;
export type PayoutAction = (typeof PAYOUT_ACTIONS)[number];

/** What a workflow carries of a payout and hands back to the API: all of it but the request fingerprint. */
export type PayoutState = Omit<Payout, 'requestFingerprint'>;

type Decidable = Pick<Payout, 'status' | 'funds' | 'failure' | 'screenedAt' | 'quoteId' | 'railStatus'>;

export const nextPayoutStep = (payout: Decidable, action: PayoutAction = 'resume'): PayoutStep => {
  const holdsFunds = payout.funds === 'reserved' || payout.funds === 'converted';
  switch (payout.status) {
    case 'canceled':
    case 'failed':
      return holdsFunds ? 'release' : 'done';
    case 'returned':
      return 'done';
    case 'paid':
      return payout.railStatus === 'returned' ? 'release' : 'done';
    case 'in_review':
      return payout.failure || action === 'expire' ? 'release' : 'waiting';
    case 'pending':
      if (payout.failure) return 'release';
      if (payout.funds === 'none' || !payout.screenedAt) return 'reserve';
      if (payout.quoteId !== null && payout.funds === 'reserved') return 'convert';
      return 'submit';
    case 'processing':
      switch (payout.railStatus) {
        case 'paid':
        case 'returned':
          return 'settle';
        case 'failed':
          return 'release';
        case 'received':
          return 'waiting';
        default:
          return 'submit';
      }
  }
};

/**
 * Whether a durable wait of the payout must go on waiting: for a review, the payout is in review and
 * undecided (or the step that opened the wait has not recorded the review yet); for the confirmation, the
 * payout is with the rail and the rail has said nothing definite (or the step that opened the wait has not
 * recorded that the rail took it yet).
 */
export const waitsFor = (payout: Decidable, wait: PayoutWait): boolean =>
  wait === 'review'
    ? (payout.status === 'in_review' && !payout.failure) || (payout.status === 'pending' && !payout.screenedAt && !payout.failure)
    : payout.status === 'processing' && (payout.railStatus === null || payout.railStatus === 'received');

/** What every payout workflow task answers: the payout as it now is, and the step it needs next. */
export interface PayoutStepResult {
  readonly next: PayoutStep;
  readonly payout: PayoutState;
}

export const stateOfPayout = (payout: Payout): PayoutState => {
  const { requestFingerprint: _fingerprint, ...state } = payout;
  return state;
};

/** A payout as stored before, with the state a workflow reported since: what the merchant sees now. */
export const payoutWithState = (payout: Payout, state: PayoutState): Payout => ({ ...payout, ...state });

/** How long the durable waits last: an operator has 7 days to decide; a rail that says nothing for 5 days is overdue (operations reconcile it). */
export const REVIEW_WAIT_SECONDS = 7 * 86_400;
export const CONFIRMATION_WAIT_SECONDS = 5 * 86_400;
