import { ResourceNotFoundError } from '../../domain/errors';
import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import type { Payout, PayoutFailure, RailAnswer } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, nextPayoutStep, stateOfPayout } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { PayoutRailPort, RailPaymentState } from '../../ports/payout-rail';
import { withOptimisticRetry } from '../optimistic';

/**
 * Every step of the payout workflow changes a payout the same way: read it (strongly consistent), decide
 * from what is there (nothing to do, when a repeated step finds its work done), write the change only over
 * the version read, and decide again if someone changed the payout meanwhile (the merchant canceling, a
 * rail's message, another run). Every step then answers the payout as it now is and the step it needs next
 * (domain/payouts/payout-saga.ts), which the workflow's Choice states route on.
 */

export const loadPayout = async (payouts: PayoutRepository, payoutId: string): Promise<Payout> => {
  const payout = await payouts.getPayout(payoutId, { consistent: true });
  if (!payout) throw new ResourceNotFoundError('payout', payoutId);
  return payout;
};

/**
 * Apply `decide` to the payout as stored; `decide` returns the payout itself when there is nothing to change.
 * `read`: the payout as this step last read or wrote it, decided from on the first attempt instead of reading
 * it again (a step reads it once, not once more per change). The write is still conditioned on that version:
 * if the payout changed since, the write is refused and the next attempt reads it.
 */
export const changePayout = async (payouts: PayoutRepository, payoutId: string, decide: (payout: Payout) => Payout, read?: Payout): Promise<Payout> =>
  withOptimisticRetry(async (attempt) => {
    const payout = attempt === 1 && read?.id === payoutId ? read : await loadPayout(payouts, payoutId);
    const next = decide(payout);
    if (next === payout) return payout;
    await payouts.updatePayout(next);
    return next;
  });

/** A step's answer: the payout's state and its next step (for the run's action: `expire` releases, `overdue` inquires). */
export const stepResult = (payout: Payout, action: PayoutAction = 'resume'): PayoutStepResult => ({
  next: nextPayoutStep(payout, action),
  payout: stateOfPayout(payout),
});

/** The payout's identity at its rail: every rail derives its key and reference from these alone. */
export const railIdentity = (payout: Payout) => ({ payoutId: payout.id, scheme: payout.rail, createdAt: payout.createdAt });

export type RailDirectory = (channel: PayoutChannel) => PayoutRailPort;

/** A definite state the rail reported, as the payout records it; undefined for what says nothing definite. */
export const answerOf = (state: RailPaymentState): RailAnswer | undefined => {
  switch (state.status) {
    case 'received':
    case 'paid':
      return { status: state.status };
    case 'failed':
    case 'returned': {
      const failure: PayoutFailure = { code: state.reason.code, message: state.reason.message };
      return { status: state.status, failure };
    }
    default:
      return undefined;
  }
};
