import { ResourceNotFoundError, StaleVersionError } from '../../domain/errors';
import { type Payout, cancel } from '../../domain/payouts/payout';
import { PayoutCanceledError } from '../../domain/payouts/saga-errors';
import { type SignalDeps, deliverSignal } from './signals';

/**
 * The merchant cancels a payout (`POST /v1/payouts/{id}/cancel`).
 * 1. Load it: another merchant's is not found.
 * 2. Move it to `canceled`, only from `pending` or `in_review` (before submission: PayoutNotCancelableError
 *    otherwise), written over the version read; if the saga changed it meanwhile, read again and decide
 *    again (the saga's submission and this cancel cannot both win).
 * 3. Signal the review wait with PayoutCanceled, so a payout held for review stops waiting at once; the
 *    saga's next step sees `canceled` and releases the reservation (and reverses a conversion).
 * Canceling a canceled payout returns it unchanged. Returns the payout as read and as written (the audit
 * log records both).
 */
export const cancelPayout = async (
  deps: SignalDeps,
  command: { readonly merchantId: string; readonly payoutId: string },
): Promise<{ readonly before: Payout; readonly after: Payout }> => {
  for (let attempt = 1; ; attempt += 1) {
    const payout = await deps.payouts.getPayout(command.payoutId, { consistent: true });
    if (!payout || payout.merchantId !== command.merchantId) throw new ResourceNotFoundError('payout', command.payoutId);
    const next = cancel(payout, deps.now());
    if (next !== payout) {
      try {
        await deps.payouts.updatePayout(next);
      } catch (error) {
        if (error instanceof StaleVersionError && attempt < 5) continue;
        throw error;
      }
    }
    const canceled = new PayoutCanceledError(payout.id);
    await deliverSignal(deps, payout.id, { purpose: 'review', outcome: 'failure', error: canceled.name, cause: JSON.stringify({ code: 'canceled', message: 'The merchant canceled the payout' }) });
    return { before: payout, after: next };
  }
};
