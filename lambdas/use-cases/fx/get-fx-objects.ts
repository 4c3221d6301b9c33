import { ResourceNotFoundError } from '../../domain/errors';
import type { Conversion, FxQuote } from '../../domain/fx/objects';
import type { FxRepository } from '../../ports/fx-repository';

/** One quote of this merchant (another merchant's is "not found", like one that never existed). */
export const getFxQuote = async (deps: { readonly quotes: FxRepository }, query: { readonly merchantId: string; readonly quoteId: string }): Promise<FxQuote> => {
  const quote = await deps.quotes.getQuote(query.quoteId);
  if (!quote || quote.merchantId !== query.merchantId) throw new ResourceNotFoundError('fx_quote', query.quoteId);
  return quote;
};

/** One conversion of this merchant. */
export const getConversion = async (
  deps: { readonly quotes: FxRepository },
  query: { readonly merchantId: string; readonly conversionId: string },
): Promise<Conversion> => {
  const conversion = await deps.quotes.getConversion(query.conversionId);
  if (!conversion || conversion.merchantId !== query.merchantId) throw new ResourceNotFoundError('conversion', query.conversionId);
  return conversion;
};
