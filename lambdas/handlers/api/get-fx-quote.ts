import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository } from '../../wiring/fx';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentFxQuote } from '../../shared/http/treasury-presenters';
import { getFxQuote } from '../../use-cases/fx/get-fx-objects';

/** GET /v1/fx/quotes/{id} */
const quotes = fxRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getFxQuote',
  query: treasuryContracts.getFxQuote.query,
  handle: async (request) => {
    const quote = await getFxQuote({ quotes }, { merchantId: request.principal.merchantId, quoteId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentFxQuote(quote, new Date()) };
  },
});
