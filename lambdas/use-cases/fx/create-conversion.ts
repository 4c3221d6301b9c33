import { IdempotencyKeyReusedError, RequestInFlightError, ResourceNotFoundError } from '../../domain/errors';
import { QuoteAlreadyUsedError, QuoteExpiredError } from '../../domain/fx/errors';
import { type Conversion, assertQuoteUsable } from '../../domain/fx/objects';
import { deriveId } from '../../domain/ids';
import { InsufficientFundsError, PostingConflictError } from '../../domain/ledger/errors';
import type { FxRepository } from '../../ports/fx-repository';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { conversion as conversionPosting } from '../../domain/ledger/postings';

export interface CreateConversionCommand {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly requestFingerprint: string;
  readonly quoteId: string;
}

export interface CreateConversionDeps {
  readonly quotes: FxRepository;
  readonly ledger: LedgerPostingDeps;
  readonly now: () => Date;
  /**
   * How long this request may still run (the endpoint's `inFlightMs`): the quote's claim leases the key that
   * long, so a duplicate in flight is refused (decision record 0060).
   */
  readonly inFlightMs: number;
}

/**
 * Convert between the merchant's balances at a quote's locked rate. The conversion is written once, completed
 * (decision record 0052), in its posting's transaction (0062): the quote's claim is what holds a key's conversion
 * to one quote while it runs.
 * 1. Derive the conversion id from the merchant and its Idempotency-Key. If that conversion is stored, this
 *    is a retry: the same request gets it, another request reuses the key. (A `pending` one, stored by the
 *    code before 0052, is finished below.)
 * 2. Load the quote: another merchant's is not found; used by something else → QuoteAlreadyUsedError;
 *    past `expires_at` → QuoteExpiredError (a quote this conversion claimed already stays its own).
 * 3. Claim the quote for the conversion (one conditional update: unused and unexpired, or already its own
 *    with its lease run out), so two conversions can never both use one quote, and a key's conversion uses one
 *    quote. The claim leases the key for the time this request may run (`lease_until`, same update, decision
 *    record 0060): a duplicate in flight finds the lease live → RequestInFlightError (409), as a payment's.
 * 4. Post it to the ledger (both legs, the FX position, the spread revenue; idempotent by the conversion
 *    id) and store it completed in the posting's own transaction (decision record 0062): a posted conversion
 *    always has its object, whenever the request dies. If available funds cannot cover the sell amount: free
 *    the quote (only if the lease is still this request's: one that outran it and was taken over leaves the
 *    quote to the taker) and refuse with InsufficientFundsError, in the merchant's words; nothing stored.
 *    Posted before at another quote (a first request under the key died before storing its conversion, before
 *    0062): free this quote, IdempotencyKeyReusedError.
 * 5. Posted before at this quote (a replay: nothing written): store it completed unless stored (a request
 *    before 0062 that died between its posting and its Put left none; a duplicate that outran its lease stored
 *    it, and then its conversion is the answer, `created: false`). A stored conversion leaves its lease to run
 *    out: its retries find the conversion first (step 1).
 */
export const createConversion = async (deps: CreateConversionDeps, command: CreateConversionCommand): Promise<{ readonly conversion: Conversion; readonly created: boolean }> => {
  const id = deriveId('cv', command.merchantId, command.idempotencyKey);
  const stored = await deps.quotes.getConversion(id, { consistent: true });
  if (stored) {
    if (stored.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
    if (stored.status === 'completed') return { conversion: stored, created: false };
  }
  const now = deps.now();
  const quoteId = stored?.quoteId ?? command.quoteId;
  const quote = await deps.quotes.getQuote(quoteId, { consistent: true });
  if (!quote || quote.merchantId !== command.merchantId) throw new ResourceNotFoundError('fx_quote', quoteId);
  let leaseUntil: number | undefined;
  if (!stored) {
    assertQuoteUsable(quote, id, now);
    leaseUntil = now.getTime() + deps.inFlightMs;
    const claim = await deps.quotes.claimQuote({ quoteId: quote.id, merchantId: command.merchantId, user: id, now, leaseUntil });
    if (claim === 'quote_missing') throw new ResourceNotFoundError('fx_quote', quote.id);
    if (claim === 'quote_in_flight') throw new RequestInFlightError();
    if (claim !== 'claimed') {
      const latest = await deps.quotes.getQuote(quote.id, { consistent: true });
      if (claim === 'quote_used') throw new QuoteAlreadyUsedError(quote.id, latest?.usedBy ?? 'another request');
      throw new QuoteExpiredError(quote.id, latest?.expiresAt ?? quote.expiresAt);
    }
  }
  // A request that fails otherwise (5xx: throttled, a timeout) keeps the claim, whose posting may have happened, and
  // lets the lease go (best effort, a write only on this path) so its retry proceeds at once, as a payment's (0048).
  const letLeaseGo = async () => {
    if (leaseUntil !== undefined) await deps.quotes.releaseLease(quote.id, id, leaseUntil).catch(() => undefined);
  };
  // Its posting's id derives from the conversion's id: the conversion is whole before it is posted, and is stored
  // with the posting, in its transaction (decision record 0062).
  const event = {
    merchantId: command.merchantId,
    conversionId: id,
    quoteId: quote.id,
    sellCurrency: quote.sellCurrency,
    sellAmount: quote.sellAmount,
    buyCurrency: quote.buyCurrency,
    buyAmount: quote.buyAmount,
    spreadAmount: quote.spreadAmount,
    rate: quote.rate,
  };
  const conversion: Conversion = {
    id,
    merchantId: command.merchantId,
    quoteId: quote.id,
    sellCurrency: quote.sellCurrency,
    sellAmount: quote.sellAmount,
    buyCurrency: quote.buyCurrency,
    buyAmount: quote.buyAmount,
    rate: quote.rate,
    status: 'completed',
    transactionId: conversionPosting.transactionId(event),
    createdAt: stored?.createdAt ?? now.toISOString(),
    completedAt: deps.now().toISOString(),
    requestFingerprint: command.requestFingerprint,
  };
  let posted;
  try {
    posted = await postLedgerEvent(deps.ledger, conversionPosting, event, { companion: deps.quotes.conversionWithPosting(conversion) });
  } catch (error) {
    if (error instanceof PostingConflictError) {
      // The id's conversion was posted at another quote (a first request that died before storing it, and now
      // another request under its key): this one is refused, and the quote it claimed is free again.
      await deps.quotes.releaseQuote(quote.id, id, leaseUntil);
      throw new IdempotencyKeyReusedError();
    }
    if (!(error instanceof InsufficientFundsError)) {
      await letLeaseGo();
      throw error;
    }
    await deps.quotes.releaseQuote(quote.id, id, leaseUntil);
    throw new InsufficientFundsError(error.account, error.needed, error.available, 'what this conversion sells');
  }
  if (!posted.replayed) return { conversion, created: true };
  // Posted before this request: by a request before decision 0062 that died between its posting and its Put (the
  // conversion is missing), or by a duplicate that outran its lease (stored with its posting). Store it unless stored.
  let inserted;
  try {
    inserted = await deps.quotes.insertConversion({ ...conversion, transactionId: posted.transaction.id });
  } catch (error) {
    await letLeaseGo();
    throw error;
  }
  if (!inserted.created && inserted.conversion.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  return inserted;
};
