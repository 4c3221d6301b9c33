import { ResourceNotFoundError } from '../../domain/errors';
import { recordRailAnswer, submitted } from '../../domain/payouts/payout';
import { CONFIRMATION_WAIT_SECONDS, type PayoutAction, type PayoutStepResult, nextPayoutStep } from '../../domain/payouts/payout-saga';
import { RailRejectedError } from '../../domain/payouts/saga-errors';
import type { BankAccountVault } from '../../ports/bank-account-vault';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { Workflows } from '../../ports/workflows';
import { type RailDirectory, answerOf, changePayout, loadPayout, railIdentity, stepResult } from './change-payout';

/**
 * Send the payout to its rail (workflow step "Submit"): the point of no return for the merchant, and the
 * only step that sends money. The only function allowed to decrypt bank accounts.
 * 1. A payout that does not need sending answers what it needs next: a final payout, one the merchant
 *    canceled, one the rail already answered for. Nothing is ever sent for a final payout (issue 13).
 * 2. First attempt (`pending`): record the rail's reference (its messages find the payout by it) and move
 *    the payout to `processing` over the version read, before anything is sent: the merchant's cancel and
 *    this cannot both win, and any later attempt knows the payment may have reached the rail.
 * 3. A later attempt (`processing`, no definite answer recorded: the previous one timed out, got a 5xx or
 *    "key in use", or died): ask the rail what it holds under the payout's key. A definite state (taken,
 *    paid, rejected, returned) is recorded, and nothing is sent. Nothing there (or a rail that cannot tell)
 *    → send again: the rail's idempotency (the same key, MessageId or file name) keeps it to one payment.
 * 4. Send, revealing the account from the vault for this call only. Taken → start the payout's
 *    confirmation wait (Standard, named by the payout: one transition while the rail settles, an alarm if it
 *    says nothing for 5 days), then record `received`. A definite refusal (RailRejected) → `failed` with the
 *    rail's reason: the next step releases the funds. Anything else (RailUnavailable, RailTimeout,
 *    RailOutcomeUnknown) propagates: the workflow retries this step, then hands the payout to the recovery;
 *    its funds stay reserved until the rail says something definite.
 */
export const submitPayout = async (
  deps: {
    readonly payouts: PayoutRepository;
    readonly vault: Pick<BankAccountVault, 'revealBankAccount'>;
    readonly rails: RailDirectory;
    readonly workflows: Pick<Workflows, 'openPayoutWait'>;
    readonly now: () => Date;
  },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  let payout = await loadPayout(deps.payouts, input.payoutId);
  if (nextPayoutStep(payout, input.action) !== 'submit') return stepResult(payout, input.action);
  const rail = deps.rails(payout.channel);
  const identity = railIdentity(payout);
  const record = async (answer: Parameters<typeof recordRailAnswer>[1]) => {
    if (answer.status === 'received') await deps.workflows.openPayoutWait({ payoutId: payout.id, wait: 'confirmation', waitSeconds: CONFIRMATION_WAIT_SECONDS });
    return stepResult(await changePayout(deps.payouts, payout.id, (current) => recordRailAnswer(current, answer, deps.now()), payout), input.action);
  };

  if (payout.status === 'pending') {
    const railReference = rail.railReference(identity);
    await deps.payouts.putRailReference(rail.channel, railReference, payout.id);
    payout = await changePayout(deps.payouts, payout.id, (current) =>
      current.status === 'pending' && nextPayoutStep(current) === 'submit' ? submitted(current, railReference, deps.now()) : current,
      payout,
    );
    if (payout.status !== 'processing' || nextPayoutStep(payout) !== 'submit') return stepResult(payout, input.action);
  } else {
    const answer = answerOf(await rail.lookup(identity));
    if (answer) return record(answer);
  }

  const beneficiary = await deps.payouts.getBeneficiary(payout.beneficiaryId, { consistent: true });
  if (!beneficiary) throw new ResourceNotFoundError('beneficiary', payout.beneficiaryId);
  const account = await deps.vault.revealBankAccount(beneficiary.bankAccount.token, payout.merchantId);
  try {
    await rail.submit({
      ...identity,
      merchantId: payout.merchantId,
      amount: payout.amount,
      currency: payout.currency,
      reference: payout.reference,
      beneficiary: { name: beneficiary.name, country: beneficiary.country, entityType: beneficiary.entityType },
      account,
      ...(beneficiary.bankAccount.accountType ? { accountType: beneficiary.bankAccount.accountType } : {}),
      ...(beneficiary.bankAccount.pixKeyType ? { pixKeyType: beneficiary.bankAccount.pixKeyType } : {}),
    });
  } catch (error) {
    if (!(error instanceof RailRejectedError)) throw error;
    return record({ status: 'failed', failure: { code: error.reason.code, message: error.reason.message } });
  }
  return record({ status: 'received' });
};
