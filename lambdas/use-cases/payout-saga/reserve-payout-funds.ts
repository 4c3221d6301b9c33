import { ResourceNotFoundError } from '../../domain/errors';
import { InsufficientFundsError } from '../../domain/ledger/errors';
import { type ScreeningResult, reservationRefused, reserved } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, REVIEW_WAIT_SECONDS, nextPayoutStep } from '../../domain/payouts/payout-saga';
import { payoutDay, screenPayoutRequest } from '../../domain/payouts/screening';
import type { MerchantRepository } from '../../ports/merchant-repository';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { SanctionsList } from '../../ports/sanctions-list';
import type { Workflows } from '../../ports/workflows';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { payoutFundsReserved } from '../../domain/ledger/postings';
import { changePayout, loadPayout, stepResult } from './change-payout';

/**
 * Hold the payout's source amount and screen its beneficiary (workflow step "Reserve"), recorded in one write.
 * 1. A payout past this step answers what it needs next (a repeated or resumed run: nothing posted twice).
 * 2. Post the reservation: available → reserved, the statement line `payout` (idempotent: its transaction id
 *    derives from the payout). The available balance no longer covers it (a concurrent payout or conversion
 *    won the funds since the create checked): nothing is held, the payout fails `insufficient_funds`. The
 *    reservation is the authority.
 * 3. Screen: the beneficiary's name and country against the sanctions list, the amount against the review
 *    limits, a beneficiary added within 24 hours against a lower limit, and the merchant's payouts in this
 *    currency today (this one counted once, whatever the runs) against the daily limit
 *    (domain/payouts/screening.ts); the merchant's own limits where an operator set them. A hit is never a refusal: start the payout's review wait (Standard,
 *    named by the payout: it holds the payout for an operator's decision, 7 days at most) before recording it.
 * 4. Record both on the payout, whatever it became meanwhile: a cancel that came first then releases the funds.
 */
export const reservePayoutFunds = async (
  deps: {
    readonly payouts: PayoutRepository;
    readonly ledger: LedgerPostingDeps;
    readonly sanctions: SanctionsList;
    /** The merchant's own payout limits, read when the payout is screened (a lowered limit applies at once). */
    readonly merchants: Pick<MerchantRepository, 'getMerchant'>;
    readonly workflows: Pick<Workflows, 'openPayoutWait'>;
    readonly now: () => Date;
  },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  const payout = await loadPayout(deps.payouts, input.payoutId);
  if (nextPayoutStep(payout, input.action) !== 'reserve') return stepResult(payout, input.action);
  try {
    await postLedgerEvent(deps.ledger, payoutFundsReserved, { merchantId: payout.merchantId, payoutId: payout.id, amount: payout.sourceAmount, currency: payout.sourceCurrency });
  } catch (error) {
    if (!(error instanceof InsufficientFundsError)) throw error;
    return stepResult(await changePayout(deps.payouts, payout.id, (current) => reservationRefused(current, deps.now()), payout), input.action);
  }
  const beneficiary = await deps.payouts.getBeneficiary(payout.beneficiaryId, { consistent: true });
  if (!beneficiary) throw new ResourceNotFoundError('beneficiary', payout.beneficiaryId);
  const now = deps.now();
  const dayTotal = await deps.payouts.countPayoutDay({
    merchantId: payout.merchantId,
    currency: payout.currency,
    day: payoutDay(payout.createdAt),
    payoutId: payout.id,
    amount: payout.amount,
  });
  const merchant = await deps.merchants.getMerchant(payout.merchantId);
  const found = screenPayoutRequest({
    beneficiaryName: beneficiary.name,
    beneficiaryCountry: beneficiary.country,
    amount: payout.amount,
    currency: payout.currency,
    list: deps.sanctions,
    beneficiaryCreatedAt: beneficiary.createdAt,
    now,
    dayTotal,
    merchantLimits: merchant?.payoutLimits?.[payout.currency],
  });
  const screening: ScreeningResult =
    found.outcome === 'clear'
      ? { outcome: 'clear' }
      : { outcome: 'review', review: { reasons: found.reasons, hits: found.hits, listVersion: found.listVersion, screenedAt: now.toISOString() } };
  if (screening.outcome === 'review') await deps.workflows.openPayoutWait({ payoutId: payout.id, wait: 'review', waitSeconds: REVIEW_WAIT_SECONDS });
  return stepResult(await changePayout(deps.payouts, payout.id, (current) => reserved(current, screening, now), payout), input.action);
};
