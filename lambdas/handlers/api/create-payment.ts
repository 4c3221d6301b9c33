import * as z from 'zod/mini';
import { DynamoDbPaymentRepository } from '../../adapters/dynamodb/payment-repository';
import { isExpired, passesLuhn, summarizeCard } from '../../domain/card';
import { CAPTURE_METHODS } from '../../domain/payment';
import { dynamoDbDocumentClient } from '../../shared/clients';
import { cardHoldsFromEnvironment } from '../../shared/card-holds';
import { workflows } from '../../shared/payment-deps';
import { tableNameFromEnv } from '../../shared/config';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { amountSchema, currencySchema, descriptionSchema, metadataSchema } from '../../shared/http/schemas';
import { createPayment } from '../../use-cases/create-payment';

/** POST /v1/payments */
const payments = new DynamoDbPaymentRepository(dynamoDbDocumentClient(), tableNameFromEnv('payments'));
const holds = cardHoldsFromEnvironment();

const monthMessage = 'must be an integer from 1 to 12';
const yearMessage = 'must be a four-digit year';
const numberMessage = 'must be a string of 12 to 19 digits';
const cvcMessage = 'must be a string of 3 or 4 digits';

const cardSchema = z
  .strictObject(
    {
      number: z
        .string({ error: numberMessage })
        .check(z.regex(/^\d{12,19}$/, { error: numberMessage }), z.refine(passesLuhn, { error: 'is not a valid card number' })),
      exp_month: z.int({ error: monthMessage }).check(z.minimum(1, { error: monthMessage }), z.maximum(12, { error: monthMessage })),
      exp_year: z.int({ error: yearMessage }).check(z.minimum(2000, { error: yearMessage }), z.maximum(2099, { error: yearMessage })),
      cvc: z.string({ error: cvcMessage }).check(z.regex(/^\d{3,4}$/, { error: cvcMessage })),
    },
    { error: 'must be an object with number, exp_month, exp_year and cvc' },
  )
  .check(
    z.refine((card) => !isExpired(card.exp_month, card.exp_year, new Date()), {
      error: 'the card has expired',
      path: ['exp_year'],
    }),
  );

const body = z.strictObject(
  {
    amount: amountSchema,
    currency: currencySchema,
    payment_method: z.strictObject(
      { type: z.literal('card', { error: 'must be "card"' }), card: cardSchema },
      { error: 'must be an object: {"type": "card", "card": {...}}' },
    ),
    capture_method: z._default(z.enum(CAPTURE_METHODS, { error: 'must be "automatic" or "manual"' }), 'automatic'),
    description: z._default(z.nullable(descriptionSchema), null),
    metadata: z._default(metadataSchema, {}),
  },
  { error: 'must be a JSON object' },
);

export const handler = merchantCommandEndpoint({
  operation: 'createPayment',
  audit: { action: 'payment.create' },
  body,
  fingerprintView: (request) => ({
    ...request,
    payment_method: { type: request.payment_method.type, card: summarizeCard(request.payment_method.card) },
  }),
  handle: async (request) => {
    const payment = await createPayment(
      { payments, holds, workflows: workflows(), now: () => new Date(), deadline: request.deadline },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        amount: request.body.amount,
        currency: request.body.currency,
        captureMethod: request.body.capture_method,
        card: request.body.payment_method.card,
        description: request.body.description,
        metadata: request.body.metadata,
      },
    );
    const presented = presentPayment(payment);
    // Also on a retry that finds the payment its crashed first attempt created: recorded at least once.
    return { status: 201, body: presented, change: { target: { type: 'payment', id: payment.id }, before: null, after: presented } };
  },
});
