import { paid, paidAsTheRailSays, recordRailAnswer } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, nextPayoutStep } from '../../domain/payouts/payout-saga';
import type { BankPayoutDebit } from '../../domain/reconciliation/statement-matching';
import type { JournalTransaction } from '../../domain/ledger/transaction';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { ReconciliationRepository } from '../../ports/reconciliation-repository';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { payoutPaid } from '../../domain/ledger/postings';
import { changePayout, loadPayout, stepResult } from './change-payout';

/**
 * The debit the bank must book for a `payout_paid` posting: what left through the rail's clearing account
 * (its one credit entry: the converted amount and currency for a payout that converted), due on the
 * posting's UTC day. Derived from the stored transaction, so a retried step records the same item.
 */
export const payoutDebitOf = (transaction: JournalTransaction, channel: string): BankPayoutDebit => {
  const credit = transaction.entries.find((entry) => entry.side === 'credit');
  if (!credit) throw new RangeError(`payout_paid ${transaction.id} has no credit entry`);
  return { payoutId: transaction.sourceId, merchantId: transaction.merchantId, channel, amount: credit.amount, currency: credit.currency, valueDate: transaction.createdAt.slice(0, 10) };
};

/**
 * The rail paid the payout (workflow step "Settle"; a return implies the payment): the held funds (converted,
 * if it converts) leave through the rail's clearing account, and the payout is `paid`.
 * 1. A payout with nothing to settle answers what it needs next (a repeated message, a repeated run).
 * 2. Post `payout_paid` (idempotent by derived id).
 * 3. Record the debit the bank must book for it (decision 0043: the bank statement's check that every paid
 *    payout left the account), from the posting, before the payout changes: a step that dies in between is
 *    run again and writes the same item, and once `paid` the step is never needed again. Here, not in a
 *    merchant's request: Settle runs on the rail's message (or a recovery).
 * 4. Record `paid`. With action `paid` (a rail's message said paid and the run carries the word instead of a
 *    write recording it first: decision record 0052), the word is recorded in the same write; the step decides
 *    from the payout as if it were recorded. A run that dies before that write leaves nothing recorded but the
 *    posting and the debit: the message's handler then records the word and runs the payout again (a replay of
 *    both), or the rail sends the message again.
 */
export const settlePayout = async (
  deps: { readonly payouts: PayoutRepository; readonly ledger: LedgerPostingDeps; readonly reports: Pick<ReconciliationRepository, 'recordPayoutDebit'>; readonly now: () => Date },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  const payout = await loadPayout(deps.payouts, input.payoutId);
  const told = input.action === 'paid' ? recordRailAnswer(payout, { status: 'paid' }, deps.now()) : payout;
  if (nextPayoutStep(told, input.action) !== 'settle') return stepResult(payout, input.action);
  const posted = await postLedgerEvent(deps.ledger, payoutPaid, { merchantId: payout.merchantId, payoutId: payout.id, channel: payout.channel });
  await deps.reports.recordPayoutDebit(payoutDebitOf(posted.transaction, payout.channel));
  const settle = (current: typeof payout) => {
    if (nextPayoutStep(current) === 'settle') return paid(current, deps.now());
    return input.action === 'paid' ? paidAsTheRailSays(current, deps.now()) : current;
  };
  return stepResult(await changePayout(deps.payouts, payout.id, settle, payout), input.action);
};
