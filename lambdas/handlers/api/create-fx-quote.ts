import * as z from 'zod/mini';
import { QUOTE_VALIDITIES } from '../../domain/fx/quote';
import { fxRepositoryFromEnvironment, rateProvider, spreadSchedule } from '../../shared/fx';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { amountSchema, currencySchema } from '../../shared/http/schemas';
import { presentFxQuote } from '../../shared/http/treasury-presenters';
import { createFxQuote } from '../../use-cases/fx/create-fx-quote';

/** POST /v1/fx/quotes */
const quotes = fxRepositoryFromEnvironment();
const rates = rateProvider();
const spreads = spreadSchedule();

const validityMessage = `must be one of ${QUOTE_VALIDITIES.join(', ')}`;

const body = z
  .strictObject(
    {
      sell_currency: currencySchema,
      buy_currency: currencySchema,
      sell_amount: z.optional(amountSchema),
      buy_amount: z.optional(amountSchema),
      validity: z.enum(QUOTE_VALIDITIES, { error: validityMessage }),
    },
    { error: 'must be a JSON object' },
  )
  .check(
    z.refine((quote) => (quote.sell_amount === undefined) !== (quote.buy_amount === undefined), {
      error: 'give exactly one of sell_amount and buy_amount',
      path: ['sell_amount'],
    }),
    z.refine((quote) => quote.sell_currency !== quote.buy_currency, { error: 'must differ from sell_currency', path: ['buy_currency'] }),
  );

export const handler = merchantCommandEndpoint({
  operation: 'createFxQuote',
  audit: { action: 'fx_quote.create' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { body: quote } = request;
    const created = await createFxQuote(
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
    return { status: 201, body: presented, change: { target: { type: 'fx_quote', id: created.id }, before: null, after: presented } };
  },
});
