import { ResourceNotFoundError } from '../../domain/errors';
import { payoutFundsConverted } from '../../domain/ledger/postings';
import { fundsConverted, noteFailure } from '../../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, nextPayoutStep } from '../../domain/payouts/payout-saga';
import type { FxRepository } from '../../ports/fx-repository';
import type { PayoutRepository } from '../../ports/payout-repository';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { changePayout, loadPayout, stepResult } from './change-payout';

/**
 * Convert the held funds into the payout currency at the payout's quote (workflow step "Convert"), the
 * quote the payout claimed when it was created: reserved → reserved, through the platform's FX position.
 * 1. A payout with nothing to convert (same currency, or converted already) answers what it needs next.
 * 2. The quote's validity ended before the conversion (a long review): the failure is noted
 *    (`quote_expired`) and the next step releases the funds; the merchant makes a new payout.
 * 3. Post the conversion (idempotent by derived id) and record it.
 */
export const convertPayoutFunds = async (
  deps: { readonly payouts: PayoutRepository; readonly quotes: FxRepository; readonly ledger: LedgerPostingDeps; readonly now: () => Date },
  input: { readonly payoutId: string; readonly action?: PayoutAction },
): Promise<PayoutStepResult> => {
  const payout = await loadPayout(deps.payouts, input.payoutId);
  if (nextPayoutStep(payout, input.action) !== 'convert' || payout.quoteId === null) return stepResult(payout, input.action);
  const quote = await deps.quotes.getQuote(payout.quoteId, { consistent: true });
  if (!quote) throw new ResourceNotFoundError('fx_quote', payout.quoteId);
  const now = deps.now();
  const alreadyPosted = await deps.ledger.ledger.getTransaction(payoutFundsConverted.transactionId({ payoutId: payout.id }));
  if (!alreadyPosted && now.getTime() >= Date.parse(quote.expiresAt)) {
    const expired = await changePayout(deps.payouts, payout.id, (current) =>
      nextPayoutStep(current) === 'convert' ? noteFailure(current, { code: 'quote_expired', message: 'The quote expired before the payout was converted' }, now) : current,
      payout,
    );
    return stepResult(expired, input.action);
  }
  await postLedgerEvent(deps.ledger, payoutFundsConverted, {
    merchantId: payout.merchantId,
    payoutId: payout.id,
    quoteId: quote.id,
    sellCurrency: quote.sellCurrency,
    sellAmount: quote.sellAmount,
    buyCurrency: quote.buyCurrency,
    buyAmount: quote.buyAmount,
    spreadAmount: quote.spreadAmount,
    rate: quote.rate,
  });
  return stepResult(await changePayout(deps.payouts, payout.id, (current) => fundsConverted(current, deps.now()), payout), input.action);
};
