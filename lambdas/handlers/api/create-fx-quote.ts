import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository, rateProvider, spreadSchedule } from '../../wiring/fx';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentFxQuote } from '../../shared/http/treasury-presenters';
import { createFxQuote } from '../../use-cases/fx/create-fx-quote';

/** POST /v1/fx/quotes */
const quotes = fxRepository();
const rates = rateProvider();
const spreads = spreadSchedule();

const body = treasuryContracts.createFxQuote.body;

export const handler = merchantCommandEndpoint({
  operation: 'createFxQuote',
  audit: { action: 'fx_quote.create' },
  body,
  fingerprintView: (request) => request,
  // The quote's conditional insert under its derived id makes a duplicate in flight answer the same quote.
  guardsDuplicates: true,
  handle: async (request) => {
    const { body: quote } = request;
    const { quote: created } = await createFxQuote(
      { quotes, rates, spreads, now: () => new Date() },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        sellCurrency: quote.sell_currency,
        buyCurrency: quote.buy_currency,
        amount: quote.sell_amount !== undefined ? { sellAmount: quote.sell_amount } : { buyAmount: quote.buy_amount as number },
        validity: quote.validity,
      },
    );
    const presented = presentFxQuote(created, new Date());
    // Every 201 records its entry (at least once, as every create, decision record 0060): a retry that finds the quote its
    // first attempt stored records the entry that attempt's failed append lost.
    return { status: 201, body: presented, change: { target: { type: 'fx_quote', id: created.id }, before: null, after: presented } };
  },
});
