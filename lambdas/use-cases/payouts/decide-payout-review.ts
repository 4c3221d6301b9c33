import { ResourceNotFoundError, StaleVersionError } from '../../domain/errors';
import { type Payout, decideReview } from '../../domain/payouts/payout';
import { type SignalDeps, deliverSignal } from './signals';

/**
 * An operator's decision on a payout held for review (a sanctions match or an amount at the review limit).
 * The operator API calls this (`POST /v1/payouts/{id}/review`; `npm run ops -- review-payout <po_id> approve|reject`).
 *   approve: the payout goes back to `pending` and the saga carries on (conversion, submission);
 *   reject:  the decision is recorded and the saga fails the payout (`rejected_in_review`) and releases its funds.
 * 1. Load the payout; it must be `in_review` (PayoutTransitionError otherwise: canceled by the merchant,
 *    already decided otherwise).
 * 2. Record the decision, operator and note on the payout, over the version read.
 * 3. Signal the saga's review wait (stored first, so a saga that registers its wait later still finds it).
 * Deciding the same way twice by the same operator changes nothing (`after` is then `before`).
 */
export const decidePayoutReview = async (
  deps: SignalDeps,
  payoutId: string,
  decision: 'approve' | 'reject',
  operator: string,
  note: string | null = null,
): Promise<{ readonly before: Payout; readonly after: Payout }> => {
  if (!/^\S{1,128}$/.test(operator)) throw new RangeError('operator must be 1 to 128 visible characters');
  for (let attempt = 1; ; attempt += 1) {
    const payout = await deps.payouts.getPayout(payoutId, { consistent: true });
    if (!payout) throw new ResourceNotFoundError('payout', payoutId);
    const next = decideReview(payout, decision, operator, note, deps.now());
    if (next !== payout) {
      try {
        await deps.payouts.updatePayout(next);
      } catch (error) {
        if (error instanceof StaleVersionError && attempt < 5) continue;
        throw error;
      }
    }
    await deliverSignal(
      deps,
      payoutId,
      decision === 'approve'
        ? { purpose: 'review', outcome: 'success', output: { decision, operator } }
        : { purpose: 'review', outcome: 'failure', error: 'PayoutRejectedInReview', cause: JSON.stringify({ code: 'rejected_in_review', message: `Rejected in review by ${operator}` }) },
    );
    return { before: payout, after: next };
  }
};
