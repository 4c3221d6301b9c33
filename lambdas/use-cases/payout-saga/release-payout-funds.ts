import { counter, emptyPosition } from '../../domain/ledger/positions';
import { type Payout, released, returned, reviewTimedOut } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, nextPayoutStep } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import { type LedgerPostingDeps, reversePosting, postLedgerEvent } from '../ledger/postings';
import { payoutFundsConverted, payoutFundsReleased, payoutPaid } from '../../domain/ledger/postings';
import { changePayout, loadPayout, stepResult } from './change-payout';

/**
 * Give back what a payout holds, newest first, as the ledger's position for the payout says (so a step
 * that died halfway, or a posting the payout has not recorded yet, is undone too):
 * 1. the payment to the rail (`paid`: only for a return);
 * 2. the conversion, at its own rate (the merchant is made whole in the currency it paid from);
 * 3. whatever is still reserved, back to available (a line `payout_cancel`, `payout_failure` or `payout_return`).
 * Every reversal's id derives from what it reverses: a repeat posts nothing twice.
 */
export const undoPayoutPostings = async (ledger: LedgerPostingDeps, payout: Payout, reason: 'canceled' | 'failed' | 'returned', options: { readonly reversePayment: boolean }) => {
  const position = async () => (await ledger.ledger.getPosition(payout.id)) ?? emptyPosition(payout.id, payout.merchantId);
  let current = await position();
  if (options.reversePayment && (counter(current, 'paid') > 0 || counter(current, 'convertedPaid') > 0)) {
    await reversePosting(ledger, { transactionId: payoutPaid.transactionId({ payoutId: payout.id }) });
    current = await position();
  }
  if (counter(current, 'convertedOutstanding') > 0) {
    await reversePosting(ledger, { transactionId: payoutFundsConverted.transactionId({ payoutId: payout.id }) });
    current = await position();
  }
  if (counter(current, 'outstanding') > 0) await postLedgerEvent(ledger, payoutFundsReleased, { merchantId: payout.merchantId, payoutId: payout.id, reason });
};

/**
 * Give back what a payout holds, and end it (workflow step "Release"): after a definite failure, a cancel,
 * or a return.
 * 1. The review wait expired (`expire`): claim the payout first, over its version: a decision that came in
 *    time wins (the payout then goes on), otherwise the failure `review_timeout` is noted.
 * 2. A payout with nothing to give back answers what it needs next.
 * 3. Returned by the bank after it was paid (whenever the return came: a rail's message runs this, no
 *    execution waits for it): reverse the payment and the conversion, release (`payout_return`); `returned`
 *    with the bank's reason.
 * 4. Otherwise reverse the conversion and release the reservation (`payout_cancel`, `payout_failure`):
 *    `canceled` stays canceled, anything else becomes `failed` with the failure it noted (a refusal by the
 *    rail, a rejection in review, an expired quote...).
 * Never reached on an unknown outcome at the rail: only a definite failure notes one.
 */
export const releasePayoutFunds = async (
  deps: { readonly payouts: PayoutRepository; readonly ledger: LedgerPostingDeps; readonly now: () => Date },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  let payout = await loadPayout(deps.payouts, input.payoutId);
  if (input.action === 'expire') payout = await changePayout(deps.payouts, payout.id, (current) => reviewTimedOut(current, deps.now()), payout);
  if (nextPayoutStep(payout, input.action) !== 'release') return stepResult(payout, input.action);
  const now = deps.now();
  if (payout.status === 'paid') {
    await undoPayoutPostings(deps.ledger, payout, 'returned', { reversePayment: true });
    const restored = await changePayout(deps.payouts, payout.id, (current) =>
      current.status === 'paid' && nextPayoutStep(current) === 'release' ? returned(current, current.failure ?? { code: 'other', message: 'Returned by the bank' }, now) : current,
      payout,
    );
    return stepResult(restored, input.action);
  }
  await undoPayoutPostings(deps.ledger, payout, payout.status === 'canceled' ? 'canceled' : 'failed', { reversePayment: false });
  return stepResult(await changePayout(deps.payouts, payout.id, (current) => (nextPayoutStep(current) === 'release' && current.status !== 'paid' ? released(current, now) : current), payout), input.action);
};
