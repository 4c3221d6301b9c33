import { ResourceNotFoundError } from '../../domain/errors';
import { type Payout, decideReview } from '../../domain/payouts/payout';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { Workflows } from '../../ports/workflows';
import { withOptimisticRetry } from '../optimistic';
import { runPayoutWorkflow } from '../run-workflows';
import { closePayoutWait } from './close-payout-wait';

/**
 * An operator's decision on a payout held for review (a sanctions match or an amount at the review limit).
 * The operator API calls this (`POST /v1/payouts/{id}/review`; `npm run ops -- review-payout <po_id> approve|reject`).
 *   approve: the payout goes back to `pending` and its workflow carries on (conversion, submission);
 *   reject:  the failure `rejected_in_review` is noted; its workflow releases the funds and fails it.
 * 1. Load the payout; it must be `in_review`, undecided (PayoutTransitionError otherwise: canceled by the
 *    merchant, decided otherwise, timed out).
 * 2. Record the decision, operator and note on the payout, over the version read.
 * 3. Run the payout's workflow (Express, synchronously), and answer with the payout as it left it.
 * 4. End the review wait.
 * Deciding the same way twice by the same operator changes nothing (`after` is then `before`).
 */
export const decidePayoutReview = async (
  deps: { readonly payouts: PayoutRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  payoutId: string,
  decision: 'approve' | 'reject',
  operator: string,
  note: string | null = null,
): Promise<{ readonly before: Payout; readonly after: Payout }> => {
  if (!/^\S{1,128}$/.test(operator)) throw new RangeError('operator must be 1 to 128 visible characters');
  const { payout, decided } = await withOptimisticRetry(async () => {
    const payout = await deps.payouts.getPayout(payoutId, { consistent: true });
    if (!payout) throw new ResourceNotFoundError('payout', payoutId);
    const decided = decideReview(payout, decision, operator, note, deps.now());
    if (decided !== payout) await deps.payouts.updatePayout(decided);
    return { payout, decided };
  });
  if (decided === payout) return { before: payout, after: payout };
  const after = decided.inFlightSince ? await runPayoutWorkflow(deps, decided, 'review') : decided;
  await closePayoutWait(deps, after, 'review');
  return { before: payout, after };
};
