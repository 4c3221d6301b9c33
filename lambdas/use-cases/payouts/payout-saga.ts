import { ResourceNotFoundError, StaleVersionError } from '../../domain/errors';
import { QuoteExpiredError } from '../../domain/fx/errors';
import { InsufficientFundsError } from '../../domain/ledger/errors';
import { counter, emptyPosition } from '../../domain/ledger/positions';
import { transactionId } from '../../domain/ledger/transaction';
import {
  type Payout,
  type PayoutFailure,
  type PayoutStatus,
  failed,
  isFailureCode,
  noteFailure,
  paid,
  returned,
  submitted,
  toReview,
  withRailReference,
} from '../../domain/payouts/payout';
import { PayoutCanceledError, PayoutInsufficientFundsError, RailRejectedError } from '../../domain/payouts/saga-errors';
import { type ReviewReason, screenPayoutRequest } from '../../domain/payouts/screening';
import type { BankAccountVault } from '../../ports/bank-account-vault';
import type { FxRepository } from '../../ports/fx-repository';
import type { PayoutRailPort } from '../../ports/payout-rail';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { SanctionsList } from '../../ports/sanctions-list';
import { type LedgerPostingDeps, convertPayoutFunds, postPayoutPaid, releaseFunds, reserveFunds, reversePosting } from '../ledger/postings';

/**
 * The payout saga's steps (statemachines/payout.asl.json runs them; docs/decisions/0007). Each step is
 * idempotent: it may run again after a retry, or from the start after a restart of the local engine, and
 * then changes nothing it already changed (ledger postings by derived transaction id, payout changes only
 * forward). A step before submission throws PayoutCanceled when the merchant canceled the payout.
 */
export interface PayoutStepDeps {
  readonly payouts: PayoutRepository;
  readonly now: () => Date;
}

const load = async (deps: PayoutStepDeps, payoutId: string): Promise<Payout> => {
  const payout = await deps.payouts.getPayout(payoutId, { consistent: true });
  if (!payout) throw new ResourceNotFoundError('payout', payoutId);
  return payout;
};

const requireNotCanceled = (payout: Payout): void => {
  if (payout.status === 'canceled') throw new PayoutCanceledError(payout.id);
};

/** Apply a change over the version read; on a concurrent change (the merchant canceling), read and decide again. */
const change = async (deps: PayoutStepDeps, payoutId: string, decide: (payout: Payout) => Payout): Promise<Payout> => {
  for (let attempt = 1; ; attempt += 1) {
    const payout = await load(deps, payoutId);
    const next = decide(payout);
    if (next === payout) return payout;
    try {
      await deps.payouts.updatePayout(next);
      return next;
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= 5) throw error;
    }
  }
};

/**
 * ReserveFunds: hold the source amount (available → reserved). PayoutInsufficientFunds when the available
 * balance cannot cover it now (a concurrent payout or conversion won the funds since creation).
 */
export const reservePayoutFunds = async (deps: PayoutStepDeps & { readonly ledger: LedgerPostingDeps }, payoutId: string): Promise<void> => {
  const payout = await load(deps, payoutId);
  // The saga's first step: it runs, so the sweeper must leave the payout alone (saga-start marker).
  await deps.payouts.payoutSagaStarted(payoutId);
  requireNotCanceled(payout);
  try {
    await reserveFunds(deps.ledger, { merchantId: payout.merchantId, payoutId, amount: payout.sourceAmount, currency: payout.sourceCurrency });
  } catch (error) {
    if (error instanceof InsufficientFundsError) throw new PayoutInsufficientFundsError(payoutId, payout.sourceCurrency, error.needed, error.available);
    throw error;
  }
};

/**
 * Screen: the beneficiary's name and country against the sanctions list, the amount against the review
 * limits. A hit moves the payout to `in_review` (recording what matched, for the operator only) and the
 * saga waits for a decision; a payout already screened keeps its first result.
 */
export const screenPayout = async (
  deps: PayoutStepDeps & { readonly sanctions: SanctionsList },
  payoutId: string,
): Promise<{ readonly outcome: 'clear' | 'review'; readonly reasons: readonly ReviewReason[] }> => {
  const payout = await load(deps, payoutId);
  requireNotCanceled(payout);
  if (payout.review) return { outcome: 'review', reasons: payout.review.reasons };
  if (payout.status !== 'pending') return { outcome: 'clear', reasons: [] };
  const beneficiary = await deps.payouts.getBeneficiary(payout.beneficiaryId, { consistent: true });
  if (!beneficiary) throw new ResourceNotFoundError('beneficiary', payout.beneficiaryId);
  const now = deps.now();
  const result = screenPayoutRequest({
    beneficiaryName: beneficiary.name,
    beneficiaryCountry: beneficiary.country,
    amount: payout.amount,
    currency: payout.currency,
    list: deps.sanctions,
  });
  if (result.outcome === 'clear') return { outcome: 'clear', reasons: [] };
  const updated = await change(deps, payoutId, (current) => {
    requireNotCanceled(current);
    return toReview(current, { reasons: result.reasons, hits: result.hits, listVersion: result.listVersion, screenedAt: now.toISOString() }, now);
  });
  return { outcome: 'review', reasons: updated.review?.reasons ?? result.reasons };
};

/**
 * ConvertFunds: the reserved source amount becomes the payout amount in the payout currency, at the
 * payout's quote (claimed at creation). QuoteExpiredError when the quote's validity ended before the
 * conversion (a long review): the saga then fails the payout and releases the funds.
 */
export const convertPayout = async (deps: PayoutStepDeps & { readonly ledger: LedgerPostingDeps; readonly quotes: FxRepository }, payoutId: string): Promise<void> => {
  const payout = await load(deps, payoutId);
  if (!payout.quoteId) return;
  requireNotCanceled(payout);
  const quote = await deps.quotes.getQuote(payout.quoteId, { consistent: true });
  if (!quote) throw new ResourceNotFoundError('fx_quote', payout.quoteId);
  const alreadyConverted = await deps.ledger.ledger.getTransaction(transactionId('payout_funds_converted', payoutId));
  if (!alreadyConverted && deps.now().getTime() >= Date.parse(quote.expiresAt)) throw new QuoteExpiredError(quote.id, quote.expiresAt);
  await convertPayoutFunds(deps.ledger, {
    merchantId: payout.merchantId,
    payoutId,
    quoteId: quote.id,
    sellCurrency: quote.sellCurrency,
    sellAmount: quote.sellAmount,
    buyCurrency: quote.buyCurrency,
    buyAmount: quote.buyAmount,
    spreadAmount: quote.spreadAmount,
    rate: quote.rate,
  });
};

/**
 * SubmitToRail: the point of no return for the merchant.
 * 1. `pending` → `processing`, over the version read: the merchant's cancel and this cannot both win.
 * 2. Record the rail's reference for the payout before sending (a confirmation may beat the answer).
 * 3. Reveal the account from the vault (this function alone may decrypt bank accounts) and submit, with the
 *    payout id as the rail's idempotency key. RailRejected: the reason is kept on the payout, then thrown.
 * A payout already submitted (a re-run) is submitted again: the rail answers with the first result.
 */
export const submitPayout = async (
  deps: PayoutStepDeps & { readonly vault: BankAccountVault; readonly rails: (channel: Payout['channel']) => PayoutRailPort },
  payoutId: string,
): Promise<{ readonly railReference: string; readonly bankReference: string }> => {
  const payout = await change(deps, payoutId, (current) => {
    requireNotCanceled(current);
    return current.status === 'pending' ? submitted(current, deps.now()) : current;
  });
  if (payout.status !== 'processing' && payout.status !== 'paid' && payout.status !== 'returned') {
    throw new Error(`Payout ${payoutId} is ${payout.status}: it cannot be submitted`);
  }
  const beneficiary = await deps.payouts.getBeneficiary(payout.beneficiaryId, { consistent: true });
  if (!beneficiary) throw new ResourceNotFoundError('beneficiary', payout.beneficiaryId);
  const rail = deps.rails(payout.channel);
  const identity = { payoutId, scheme: payout.rail, createdAt: payout.createdAt };
  const railReference = rail.railReference(identity);
  await deps.payouts.putRailReference(rail.channel, railReference, payoutId);
  await change(deps, payoutId, (current) => withRailReference(current, railReference, deps.now()));
  const account = await deps.vault.revealBankAccount(beneficiary.bankAccount.token, payout.merchantId);
  try {
    const submission = await rail.submit({
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
    return { railReference: submission.railReference, bankReference: submission.bankReference };
  } catch (error) {
    if (error instanceof RailRejectedError) {
      await change(deps, payoutId, (current) => noteFailure(current, { code: error.reason.code, message: error.reason.message }, deps.now()));
    }
    throw error;
  }
};

/** Settle: the rail confirmed; the reserved funds leave through its clearing account, and the payout is `paid`. */
export const settlePayout = async (deps: PayoutStepDeps & { readonly ledger: LedgerPostingDeps }, payoutId: string): Promise<void> => {
  const payout = await load(deps, payoutId);
  await postPayoutPaid(deps.ledger, { merchantId: payout.merchantId, payoutId, channel: payout.channel });
  await change(deps, payoutId, (current) => paid(current, deps.now()));
};

/** How a saga error (its Catch's `{Error, Cause}`) becomes the payout's failure code and message. */
export const failureOf = (payout: Payout, error: { readonly Error?: string; readonly Cause?: string } | undefined): PayoutFailure => {
  const name = error?.Error ?? '';
  let cause: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(error?.Cause ?? '{}');
    if (parsed !== null && typeof parsed === 'object') cause = parsed as Record<string, unknown>;
  } catch {
    // A cause that is not JSON carries no code.
  }
  if (isFailureCode(cause.code)) return { code: cause.code, message: typeof cause.message === 'string' ? cause.message : name };
  if (payout.failure) return payout.failure;
  switch (name) {
    case 'PayoutInsufficientFunds':
      return { code: 'insufficient_funds', message: 'The available balance no longer covered the payout when it was reserved' };
    case 'QuoteExpiredError':
      return { code: 'quote_expired', message: 'The quote expired before the payout was converted' };
    case 'PayoutRejectedInReview':
      return { code: 'rejected_in_review', message: 'The payout was rejected in review' };
    case 'States.Timeout':
      return { code: 'review_timeout', message: 'No review decision was made in time' };
    case 'RailUnavailable':
      return { code: 'rail_unavailable', message: 'The bank rail did not accept the payout after several attempts' };
    default:
      return { code: 'other', message: `The payout failed (${name || 'unknown error'})` };
  }
};

/**
 * Compensate: undo what the saga did, newest first, then record the outcome.
 * 1. A payment to the rail (a return): reverse it; the funds come back to the reservation.
 * 2. A conversion: reverse it at its own rate; the funds are back in the source currency.
 * 3. Release whatever is still reserved to available (a line `payout_cancel`, `payout_failure` or `payout_return`).
 * 4. The payout becomes `canceled`, `failed` (with its failure code) or `returned`.
 * Every reversal has an id derived from what it reverses, so a repeated compensation posts nothing twice.
 */
export const compensatePayout = async (
  deps: PayoutStepDeps & { readonly ledger: LedgerPostingDeps },
  payoutId: string,
  outcome: 'canceled' | 'failed' | 'returned',
  error?: { readonly Error?: string; readonly Cause?: string },
): Promise<{ readonly status: PayoutStatus }> => {
  const payout = await load(deps, payoutId);
  const position = async () => (await deps.ledger.ledger.getPosition(payoutId)) ?? emptyPosition(payoutId, payout.merchantId);
  let current = await position();
  if (counter(current, 'paid') > 0 || counter(current, 'convertedPaid') > 0) {
    await reversePosting(deps.ledger, { transactionId: transactionId('payout_paid', payoutId) });
    current = await position();
  }
  if (counter(current, 'convertedOutstanding') > 0) {
    await reversePosting(deps.ledger, { transactionId: transactionId('payout_funds_converted', payoutId) });
    current = await position();
  }
  if (counter(current, 'outstanding') > 0) {
    await releaseFunds(deps.ledger, { merchantId: payout.merchantId, payoutId, reason: outcome });
  }
  const now = deps.now();
  const finished = await change(deps, payoutId, (latest) => {
    if (latest.status === 'canceled' || latest.status === 'failed' || latest.status === 'returned') return latest;
    if (outcome === 'returned') return returned(latest, failureOf(latest, error), now);
    return failed(latest, failureOf(latest, error), now);
  });
  return { status: finished.status };
};
