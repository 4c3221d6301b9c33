import { paid } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, nextPayoutStep } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { payoutPaid } from '../../domain/ledger/postings';
import { changePayout, loadPayout, stepResult } from './change-payout';

/**
 * The rail paid the payout (workflow step "Settle"; a return implies the payment): the held funds (converted,
 * if it converts) leave through the rail's clearing account, and the payout is `paid`.
 * 1. A payout with nothing to settle answers what it needs next (a repeated message, a repeated run).
 * 2. Post `payout_paid` (idempotent by derived id), then record `paid`.
 */
export const settlePayout = async (
  deps: { readonly payouts: PayoutRepository; readonly ledger: LedgerPostingDeps; readonly now: () => Date },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  const payout = await loadPayout(deps.payouts, input.payoutId);
  if (nextPayoutStep(payout, input.action) !== 'settle') return stepResult(payout, input.action);
  await postLedgerEvent(deps.ledger, payoutPaid, { merchantId: payout.merchantId, payoutId: payout.id, channel: payout.channel });
  return stepResult(await changePayout(deps.payouts, payout.id, (current) => (nextPayoutStep(current) === 'settle' ? paid(current, deps.now()) : current)), input.action);
};
