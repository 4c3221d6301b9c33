import { IdempotencyKeyReusedError, ResourceNotFoundError } from '../../domain/errors';
import { QuoteAlreadyUsedError, QuoteExpiredError } from '../../domain/fx/errors';
import { type Conversion, assertQuoteUsable } from '../../domain/fx/objects';
import { deriveId } from '../../domain/ids';
import { InsufficientFundsError } from '../../domain/ledger/errors';
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
}

/**
 * Convert between the merchant's balances at a quote's locked rate.
 * 1. Derive the conversion id from the merchant and its Idempotency-Key. If that conversion exists, this is
 *    a retry: the same request finishes it (or returns it), another request reuses the key.
 * 2. Load the quote: another merchant's is not found; used by something else → QuoteAlreadyUsedError;
 *    past `expires_at` → QuoteExpiredError.
 * 3. Claim the quote and record the conversion as `pending`, in one DynamoDB transaction (the claim is
 *    conditional, so two conversions can never both use one quote).
 * 4. Post it to the ledger (both legs, the FX position, the spread revenue; idempotent by the conversion
 *    id). If available funds cannot cover the sell amount: forget the pending conversion, free the quote,
 *    and refuse with InsufficientFundsError, in the merchant's words.
 * 5. Mark it completed and return it.
 */
export const createConversion = async (deps: CreateConversionDeps, command: CreateConversionCommand): Promise<Conversion> => {
  const id = deriveId('cv', command.merchantId, command.idempotencyKey);
  let conversion = await deps.quotes.getConversion(id, { consistent: true });
  if (conversion) {
    if (conversion.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
    if (conversion.status === 'completed') return conversion;
  } else {
    const now = deps.now();
    const quote = await deps.quotes.getQuote(command.quoteId, { consistent: true });
    if (!quote || quote.merchantId !== command.merchantId) throw new ResourceNotFoundError('fx_quote', command.quoteId);
    assertQuoteUsable(quote, id, now);
    conversion = {
      id,
      merchantId: command.merchantId,
      quoteId: quote.id,
      sellCurrency: quote.sellCurrency,
      sellAmount: quote.sellAmount,
      buyCurrency: quote.buyCurrency,
      buyAmount: quote.buyAmount,
      rate: quote.rate,
      status: 'pending',
      transactionId: null,
      createdAt: now.toISOString(),
      completedAt: null,
      requestFingerprint: command.requestFingerprint,
    };
    const claim = await deps.quotes.startConversion(conversion, now);
    if (claim === 'quote_missing') throw new ResourceNotFoundError('fx_quote', command.quoteId);
    if (claim !== 'claimed') {
      const latest = await deps.quotes.getQuote(command.quoteId, { consistent: true });
      if (claim === 'quote_used') throw new QuoteAlreadyUsedError(command.quoteId, latest?.usedBy ?? 'another request');
      throw new QuoteExpiredError(command.quoteId, latest?.expiresAt ?? quote.expiresAt);
    }
  }
  const quote = await deps.quotes.getQuote(conversion.quoteId, { consistent: true });
  if (!quote) throw new ResourceNotFoundError('fx_quote', conversion.quoteId);
  let posted;
  try {
    posted = await postLedgerEvent(deps.ledger, conversionPosting, {
      merchantId: conversion.merchantId,
      conversionId: conversion.id,
      quoteId: quote.id,
      sellCurrency: quote.sellCurrency,
      sellAmount: quote.sellAmount,
      buyCurrency: quote.buyCurrency,
      buyAmount: quote.buyAmount,
      spreadAmount: quote.spreadAmount,
      rate: quote.rate,
    });
  } catch (error) {
    if (!(error instanceof InsufficientFundsError)) throw error;
    await deps.quotes.abandonConversion(conversion);
    throw new InsufficientFundsError(error.account, error.needed, error.available, 'what this conversion sells');
  }
  const completed: Conversion = { ...conversion, status: 'completed', transactionId: posted.transaction.id, completedAt: deps.now().toISOString() };
  await deps.quotes.completeConversion(completed);
  return completed;
};
