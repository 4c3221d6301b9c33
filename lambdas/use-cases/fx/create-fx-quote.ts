import { IdempotencyKeyReusedError } from '../../domain/errors';
import { CurrencyNotQuotedError } from '../../domain/fx/errors';
import type { FxQuote } from '../../domain/fx/objects';
import { type FixedSide, type QuoteValidity, type SpreadSchedule, VALIDITY_SECONDS, priceQuote, rateText, spreadBps } from '../../domain/fx/quote';
import { deriveId } from '../../domain/ids';
import type { FxRepository } from '../../ports/fx-repository';
import type { RateProvider } from '../../ports/rate-provider';

export interface CreateFxQuoteCommand {
  readonly merchantId: string;
  /** The quote id derives from it; `quoteIdFor` lets a payout take its own quote under its own id. */
  readonly idempotencyKey: string;
  readonly requestFingerprint: string;
  readonly sellCurrency: string;
  readonly buyCurrency: string;
  readonly amount: FixedSide;
  readonly validity: QuoteValidity;
}

export interface CreateFxQuoteDeps {
  readonly quotes: FxRepository;
  readonly rates: RateProvider;
  readonly spreads: SpreadSchedule;
  readonly now: () => Date;
}

/**
 * Quote a conversion and lock its client rate.
 * 1. Derive the quote id from the merchant and its Idempotency-Key.
 * 2. Refuse a currency the rate source does not quote.
 * 3. Read the mid rate now; price the quote: client rate = mid − spread (by pair and validity), the amount
 *    the merchant did not fix rounded in the platform's favour, the spread revenue.
 * 4. Store it (conditional put), valid until now + validity. If the id is taken this is a retry whose
 *    answer was lost, or a duplicate of the request running beside it: return the stored quote when the
 *    request matches (its rate, not today's; `created: false`), refuse the key when it does not. So a
 *    concurrent duplicate needs no in-progress guard: whichever stores first, both answer its quote.
 */
export const createFxQuote = async (deps: CreateFxQuoteDeps, command: CreateFxQuoteCommand): Promise<{ readonly quote: FxQuote; readonly created: boolean }> => {
  const id = deriveId('qt', command.merchantId, command.idempotencyKey);
  if (!deps.rates.supports(command.sellCurrency)) throw new CurrencyNotQuotedError('sell_currency', command.sellCurrency);
  if (!deps.rates.supports(command.buyCurrency)) throw new CurrencyNotQuotedError('buy_currency', command.buyCurrency);
  const now = deps.now();
  const mid = await deps.rates.midRate(command.sellCurrency, command.buyCurrency, now);
  const priced = priceQuote({
    sellCurrency: command.sellCurrency,
    buyCurrency: command.buyCurrency,
    amount: command.amount,
    mid: mid.rate,
    spreadBps: spreadBps(deps.spreads, command.sellCurrency, command.buyCurrency, command.validity),
  });
  const quote: FxQuote = {
    id,
    merchantId: command.merchantId,
    sellCurrency: command.sellCurrency,
    buyCurrency: command.buyCurrency,
    sellAmount: priced.sellAmount,
    buyAmount: priced.buyAmount,
    fixedSide: priced.fixedSide,
    rate: rateText(priced.rate),
    midRate: rateText(priced.midRate),
    spreadBps: priced.spreadBps,
    spreadAmount: priced.spreadAmount,
    validity: command.validity,
    rateSource: mid.source,
    rateAsOf: mid.asOf,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + VALIDITY_SECONDS[command.validity] * 1_000).toISOString(),
    usedBy: null,
    usedAt: null,
    requestFingerprint: command.requestFingerprint,
  };
  const stored = await deps.quotes.insertQuote(quote);
  if (!stored.created && stored.quote.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  return stored;
};
