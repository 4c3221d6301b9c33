import { ResourceNotFoundError } from '../../domain/errors';
import { type Payout, cancel } from '../../domain/payouts/payout';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { Workflows } from '../../ports/workflows';
import { withOptimisticRetry } from '../optimistic';
import { runPayoutWorkflow } from '../run-workflows';
import { closePayoutWait } from './close-payout-wait';

/**
 * The merchant cancels a payout (`POST /v1/payouts/{id}/cancel`).
 * 1. Load it: another merchant's is not found.
 * 2. Move it to `canceled`, only from `pending` or `in_review` (before submission: PayoutNotCancelableError
 *    otherwise), written over the version read; if the workflow changed it meanwhile, read again and decide
 *    again (the submission and this cancel cannot both win).
 * 3. Run the payout's workflow (Express, synchronously) to release what it holds (and reverse a
 *    conversion), and answer with the payout as it left it.
 * 4. End the review wait of a payout held for review.
 * Canceling a canceled payout returns it unchanged. Returns the payout as read and as written (the audit
 * log records both).
 */
export const cancelPayout = async (
  deps: { readonly payouts: PayoutRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  command: { readonly merchantId: string; readonly payoutId: string },
): Promise<{ readonly before: Payout; readonly after: Payout }> => {
  const { payout, canceled } = await withOptimisticRetry(async () => {
    const payout = await deps.payouts.getPayout(command.payoutId, { consistent: true });
    if (!payout || payout.merchantId !== command.merchantId) throw new ResourceNotFoundError('payout', command.payoutId);
    const canceled = cancel(payout, deps.now());
    if (canceled !== payout) await deps.payouts.updatePayout(canceled);
    return { payout, canceled };
  });
  const after = canceled.inFlightSince ? await runPayoutWorkflow(deps, canceled, 'cancel') : canceled;
  await closePayoutWait(deps, after, 'review');
  return { before: payout, after };
};
