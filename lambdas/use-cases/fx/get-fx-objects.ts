import { ResourceNotFoundError } from '../../domain/errors';
import type { Conversion, FxQuote } from '../../domain/fx/objects';
import type { ConversionPage, FxRepository } from '../../ports/fx-repository';
import { type ListRequest, resolveListWindow } from '../list-window';

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

/** The merchant's conversions, newest first; a cursor must be one of its own conversions. */
export const listConversions = async (deps: { readonly quotes: FxRepository }, request: ListRequest): Promise<ConversionPage> =>
  deps.quotes.listConversions(request.merchantId, await resolveListWindow(request, (id) => deps.quotes.getConversion(id)));
