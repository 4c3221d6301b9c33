import { IdempotencyKeyReusedError, ResourceNotFoundError } from '../../domain/errors';
import { QuoteAlreadyUsedError, QuoteExpiredError, QuoteMismatchError } from '../../domain/fx/errors';
import { type FxQuote, assertQuoteUsable } from '../../domain/fx/objects';
import { summarizeMerchantShards } from '../../domain/ledger/balances';
import { accountKey, merchantAccount } from '../../domain/ledger/accounts';
import { InsufficientFundsError } from '../../domain/ledger/errors';
import { deriveId } from '../../domain/ids';
import { channelForRail } from '../../domain/payouts/beneficiary';
import { BeneficiaryMismatchError, type Payout, RAIL_MAXIMUM, RailLimitExceededError, isFinal } from '../../domain/payouts/payout';
import type { FxRepository } from '../../ports/fx-repository';
import type { LedgerStore } from '../../ports/ledger-store';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { Workflows } from '../../ports/workflows';
import { type CreateFxQuoteDeps, createFxQuote } from '../fx/create-fx-quote';
import { runPayoutWorkflow } from '../run-workflows';

export interface CreatePayoutCommand {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly requestFingerprint: string;
  readonly beneficiaryId: string;
  /** What the beneficiary receives, in its currency. */
  readonly amount: number;
  readonly currency: string;
  /** The balance to pay from when it is another currency (converted at `quoteId`, or at a quote taken now). */
  readonly sourceCurrency?: string;
  readonly quoteId?: string;
  readonly reference: string;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface CreatePayoutDeps {
  readonly payouts: PayoutRepository;
  readonly quotes: FxRepository;
  /** To quote a conversion the merchant did not quote itself (`source_currency` without `quote_id`). */
  readonly quoting: Omit<CreateFxQuoteDeps, 'quotes' | 'now'>;
  readonly ledger: Pick<LedgerStore, 'merchantShards'>;
  readonly workflows: Workflows;
  readonly now: () => Date;
  /** When to stop waiting for the payout's workflow (epoch ms). */
  readonly deadline?: number;
}

/** The validity of the quote a payout takes for itself: long enough for a review to finish the same day. */
export const PAYOUT_QUOTE_VALIDITY = 'HR_4' as const;

/**
 * Create a payout and run its workflow.
 * 1. Derive the payout id from the merchant and the Idempotency-Key. If it exists, this is a retry: another
 *    request reuses the key; the same request gets the payout (resume, below).
 * 2. The beneficiary must be the merchant's, and receive `currency`; the amount within its rail's limit.
 * 3. Converting: with `quote_id`, the quote must sell `source_currency` (if given) and buy exactly this
 *    amount in this currency, unused and unexpired; with only `source_currency`, the platform quotes it
 *    now (HR_4, buy amount fixed; a quote an earlier request under the key took for another payout refuses the
 *    key). Otherwise the payout is paid from the `currency` balance.
 * 4. Refuse at once (422 insufficient_funds) when the available balance cannot cover it; the saga's
 *    reservation stays the authority (a concurrent payout may still win the funds).
 * 5. Converting: claim the quote for the payout's id (one conditional update: unused and unexpired, or already
 *    this payout's; decision record 0057), then store the payout as `pending` (one conditional put). A create
 *    that dies between the two leaves the quote claimed for this id: its retry claims it again and stores the
 *    payout. A payout already stored under the id (a concurrent duplicate, or another request under the key)
 *    is answered as below, and a quote this request claimed that the stored payout does not use is freed.
 * 6. Run its workflow (Express, synchronously: reserve, screen, convert, submit to the rail, or hold it for
 *    review) and answer with the payout as the run left it: usually `processing` (the rail has it),
 *    `in_review`, or `failed` (the rail refused it, the funds were gone).
 */
export const createPayout = async (deps: CreatePayoutDeps, command: CreatePayoutCommand): Promise<Payout> => {
  const id = deriveId('po', command.merchantId, command.idempotencyKey);
  const existing = await deps.payouts.getPayout(id, { consistent: true });
  if (existing) return resume(deps, existing, command);

  const now = deps.now();
  const beneficiary = await deps.payouts.getBeneficiary(command.beneficiaryId, { consistent: true });
  if (!beneficiary || beneficiary.merchantId !== command.merchantId) throw new ResourceNotFoundError('beneficiary', command.beneficiaryId);
  if (beneficiary.currency !== command.currency) {
    throw new BeneficiaryMismatchError('currency', `Beneficiary ${beneficiary.id} receives ${beneficiary.currency}, not ${command.currency}.`);
  }
  const limit = RAIL_MAXIMUM[beneficiary.bankAccount.rail];
  if (limit !== undefined && command.amount > limit) throw new RailLimitExceededError(beneficiary.bankAccount.rail, limit);

  let quote: FxQuote | undefined;
  if (command.quoteId !== undefined) {
    quote = await deps.quotes.getQuote(command.quoteId, { consistent: true });
    if (!quote || quote.merchantId !== command.merchantId) throw new ResourceNotFoundError('fx_quote', command.quoteId);
    if (quote.buyCurrency !== command.currency || quote.buyAmount !== command.amount) {
      throw new QuoteMismatchError(quote.id, 'quote_id', `it buys ${quote.buyAmount} ${quote.buyCurrency}; the payout pays ${command.amount} ${command.currency}`);
    }
    if (command.sourceCurrency !== undefined && command.sourceCurrency !== quote.sellCurrency) {
      throw new QuoteMismatchError(quote.id, 'source_currency', `it sells ${quote.sellCurrency}, not ${command.sourceCurrency}`);
    }
    assertQuoteUsable(quote, id, now);
  } else if (command.sourceCurrency !== undefined && command.sourceCurrency !== command.currency) {
    ({ quote } = await createFxQuote(
      { ...deps.quoting, quotes: deps.quotes, now: () => now },
      {
        merchantId: command.merchantId,
        idempotencyKey: `payout:${id}`,
        requestFingerprint: `payout:${id}`,
        sellCurrency: command.sourceCurrency,
        buyCurrency: command.currency,
        amount: { buyAmount: command.amount },
        validity: PAYOUT_QUOTE_VALIDITY,
      },
    ));
    // The self-quote's id and fingerprint derive from the payout's id alone: a quote stored by an earlier request
    // under this key that died before storing its payout (a 5xx frees the key) is answered here whatever it priced.
    // Another payout under the key (another amount or currency) is refused, or it would send this amount while
    // reserving and converting what that quote sells.
    if (quote.buyCurrency !== command.currency || quote.buyAmount !== command.amount || quote.sellCurrency !== command.sourceCurrency) {
      throw new IdempotencyKeyReusedError();
    }
  }
  const sourceCurrency = quote?.sellCurrency ?? command.currency;
  const sourceAmount = quote?.sellAmount ?? command.amount;

  const available = summarizeMerchantShards(await deps.ledger.merchantShards(command.merchantId)).find((balance) => balance.currency === sourceCurrency)?.available ?? 0;
  if (available < sourceAmount) {
    throw new InsufficientFundsError(accountKey(merchantAccount('merchant_available', command.merchantId, sourceCurrency)), sourceAmount, available, 'this payout');
  }

  const createdAt = now.toISOString();
  const payout: Payout = {
    id,
    merchantId: command.merchantId,
    beneficiaryId: beneficiary.id,
    amount: command.amount,
    currency: command.currency,
    sourceAmount,
    sourceCurrency,
    quoteId: quote?.id ?? null,
    rail: beneficiary.bankAccount.rail,
    channel: channelForRail(beneficiary.bankAccount.rail),
    reference: command.reference,
    description: command.description,
    metadata: command.metadata,
    status: 'pending',
    review: null,
    railReference: null,
    failure: null,
    history: [{ status: 'pending', at: createdAt }],
    createdAt,
    updatedAt: createdAt,
    submittedAt: null,
    paidAt: null,
    returnedAt: null,
    canceledAt: null,
    version: 1,
    requestFingerprint: command.requestFingerprint,
    funds: 'none',
    screenedAt: null,
    railStatus: null,
    waiting: null,
    inFlightSince: createdAt,
    attention: null,
  };
  if (quote) {
    const claim = await deps.quotes.claimQuote({ quoteId: quote.id, merchantId: command.merchantId, user: id, now });
    if (claim === 'quote_missing') throw new ResourceNotFoundError('fx_quote', quote.id);
    if (claim === 'quote_expired') throw new QuoteExpiredError(quote.id, quote.expiresAt);
    if (claim === 'quote_used') throw new QuoteAlreadyUsedError(quote.id, (await deps.quotes.getQuote(quote.id, { consistent: true }))?.usedBy ?? 'another request');
  }
  const inserted = await deps.payouts.insertPayout(payout);
  if (inserted.created) return runPayoutWorkflow(deps, payout, 'create');
  if (quote && inserted.payout.quoteId !== quote.id) await deps.quotes.releaseQuote(quote.id, id);
  return resume(deps, inserted.payout, command);
};

/**
 * A retry of a create whose answer was lost (or a late retry, after its idempotency record expired): the
 * same request gets the payout as it is. A payout past its first run, and above all one in a final state,
 * is answered as stored: nothing is run again for it and nothing sent again (issue 13; a payout still in
 * flight is the recovery's). Only a payout stored by a create that died before running it is run now.
 */
const resume = async (deps: CreatePayoutDeps, payout: Payout, command: CreatePayoutCommand): Promise<Payout> => {
  if (payout.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  if (isFinal(payout.status) || payout.version > 1) return payout;
  return runPayoutWorkflow(deps, payout, 'create');
};
