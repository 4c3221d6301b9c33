import { InvalidCursorError, ResourceNotFoundError } from '../../domain/errors';
import type { Conversion, FxQuote } from '../../domain/fx/objects';
import type { ConversionPage, FxRepository } from '../../ports/fx-repository';

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

/** The merchant's conversions, newest first; the cursor must be one of its own conversions. */
export const listConversions = async (
  deps: { readonly quotes: FxRepository },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<ConversionPage> => {
  let after: Conversion | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.quotes.getConversion(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.quotes.listConversions(query.merchantId, { limit: query.limit, after });
};
