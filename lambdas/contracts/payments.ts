import * as z from 'zod/mini';
import { isExpired, passesLuhn } from '../domain/card';
import { LINE_TYPES } from '../domain/ledger/transaction';
import { COUNTRY_CODES } from '../domain/payouts/countries';
import { CANCELLATION_REASONS, CAPTURE_METHODS, PAYMENT_STATUSES } from '../domain/payment';
import { PAYMENT_EVENT_TYPES } from '../domain/payment-lifecycle';
import { REFUND_REASONS, REFUND_STATUSES } from '../domain/refund';
import { type RouteContract, currencyAmountSchema, listOf, nullableTimestamp, timestamp } from './common';
import { amountSchema, createdFilterFields, createdListQuerySchema, currencySchema, descriptionSchema, emptyBody, idSchema, metadataSchema, noQuery } from './fields';

/** Payments, refunds and balances: request and response schemas (docs/api.md, "Payments"). */

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

const countryMessage = 'must be an ISO 3166-1 alpha-2 country code, such as "CA"';
const countrySchema = z.enum(COUNTRY_CODES as [string, ...string[]], { error: countryMessage });
const customerIdMessage = 'must be 1 to 64 visible ASCII characters';
const ipMessage = 'must be an IPv4 or IPv6 address';

/** What risk screening may read about the customer and card besides the card itself (all optional; domain/risk.ts). */
export const riskContextSchema = z.strictObject(
  {
    customer_id: z.optional(z.string({ error: customerIdMessage }).check(z.regex(/^[\x21-\x7e]{1,64}$/, { error: customerIdMessage }))),
    ip_address: z.optional(z.union([z.ipv4({ error: ipMessage }), z.ipv6({ error: ipMessage })], { error: ipMessage })),
    ip_country: z.optional(countrySchema),
    card_country: z.optional(countrySchema),
  },
  { error: 'must be an object: {"customer_id"?, "ip_address"?, "ip_country"?, "card_country"?}' },
);

export const createPaymentBody = z.strictObject(
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
    risk_context: z.optional(riskContextSchema),
  },
  { error: 'must be a JSON object' },
);

export const capturePaymentBody = z.strictObject({ amount_to_capture: z.optional(amountSchema) }, { error: 'must be a JSON object' });

export const cancelPaymentBody = z.strictObject(
  {
    cancellation_reason: z._default(
      z.enum(CANCELLATION_REASONS, { error: `must be one of ${CANCELLATION_REASONS.join(', ')}` }),
      'requested_by_customer',
    ),
  },
  { error: 'must be a JSON object' },
);

export const createRefundBody = z.strictObject(
  {
    payment_id: idSchema('payment'),
    amount: z.optional(amountSchema),
    reason: z._default(z.nullable(z.enum(REFUND_REASONS, { error: `must be one of ${REFUND_REASONS.join(', ')}` })), null),
  },
  { error: 'must be a JSON object' },
);

export const paymentSchema = z.strictObject({
  id: z.string(),
  object: z.literal('payment'),
  status: z.enum(PAYMENT_STATUSES),
  amount: z.int(),
  currency: z.string(),
  amount_capturable: z.int(),
  amount_received: z.int(),
  amount_refunded: z.int(),
  capture_method: z.enum(CAPTURE_METHODS),
  payment_method: z.strictObject({
    type: z.literal('card'),
    brand: z.enum(['visa', 'mastercard', 'amex', 'discover', 'jcb', 'diners', 'unionpay', 'unknown']),
    last4: z.string(),
    exp_month: z.int(),
    exp_year: z.int(),
  }),
  failure_code: z.nullable(z.string()),
  failure_message: z.nullable(z.string()),
  cancellation_reason: z.nullable(z.string()),
  description: z.nullable(z.string()),
  metadata: z.record(z.string(), z.string()),
  created_at: timestamp,
  livemode: z.boolean(),
});
export type PaymentJson = z.output<typeof paymentSchema>;

export const refundSchema = z.strictObject({
  id: z.string(),
  object: z.literal('refund'),
  payment_id: z.string(),
  status: z.enum(REFUND_STATUSES),
  amount: z.int(),
  currency: z.string(),
  reason: z.nullable(z.enum(REFUND_REASONS)),
  failure_code: z.nullable(z.string()),
  failure_message: z.nullable(z.string()),
  created_at: timestamp,
  livemode: z.boolean(),
});
export type RefundJson = z.output<typeof refundSchema>;

export const paymentEventSchema = z.strictObject({
  id: z.string(),
  object: z.literal('payment_event'),
  type: z.enum(PAYMENT_EVENT_TYPES),
  payment_id: z.string(),
  created_at: timestamp,
  data: z.record(z.string(), z.nullable(z.union([z.string(), z.number(), z.boolean()]))),
});
export type PaymentEventJson = z.output<typeof paymentEventSchema>;

export const balanceSchema = z.strictObject({
  object: z.literal('balance'),
  available: z.array(currencyAmountSchema),
  pending: z.array(currencyAmountSchema),
  reserved: z.array(currencyAmountSchema),
  livemode: z.boolean(),
});
export type BalanceJson = z.output<typeof balanceSchema>;

export const balanceTransactionSchema = z.strictObject({
  id: z.string(),
  object: z.literal('balance_transaction'),
  type: z.enum(LINE_TYPES),
  source: z.string(),
  amount: z.int(),
  fee: z.int(),
  net: z.int(),
  currency: z.string(),
  status: z.enum(['pending', 'available']),
  available_on: nullableTimestamp,
  description: z.string(),
  created_at: timestamp,
});
export type BalanceTransactionJson = z.output<typeof balanceTransactionSchema>;

export const paymentListSchema = listOf(paymentSchema);
export const paymentEventListSchema = listOf(paymentEventSchema);
export const balanceTransactionListSchema = listOf(balanceTransactionSchema);
export const refundListSchema = listOf(refundSchema);

export const paymentSchemas = {
  Payment: paymentSchema,
  PaymentList: paymentListSchema,
  PaymentEvent: paymentEventSchema,
  PaymentEventList: paymentEventListSchema,
  Refund: refundSchema,
  RefundList: refundListSchema,
  Balance: balanceSchema,
  BalanceTransaction: balanceTransactionSchema,
  BalanceTransactionList: balanceTransactionListSchema,
};

const payment = { description: 'The payment', schema: paymentSchema };

export const paymentContracts = {
  createPayment: {
    tag: 'Payments',
    summary: 'Create a card payment',
    description: 'Authorizes the card; with `capture_method: automatic` also captures. Answers when the workflow ends or its wait runs out (then `processing`).',
    body: createPaymentBody,
    responses: { 201: { description: 'The payment created (or found again for the same Idempotency-Key)', schema: paymentSchema } },
  },
  listPayments: {
    tag: 'Payments',
    summary: 'List payments, newest first',
    description: '`created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('payment'),
    responses: { 200: { description: 'One page of payments', schema: paymentListSchema } },
  },
  getPayment: { tag: 'Payments', summary: 'Retrieve a payment', query: noQuery, responses: { 200: payment } },
  requestPaymentCapture: {
    tag: 'Payments',
    summary: 'Capture an authorized payment',
    description: '`amount_to_capture` defaults to everything authorized.',
    body: capturePaymentBody,
    responses: { 200: payment },
  },
  requestPaymentCancel: { tag: 'Payments', summary: 'Cancel an uncaptured payment', body: cancelPaymentBody, responses: { 200: payment } },
  listPaymentEvents: {
    tag: 'Payments',
    summary: "A payment's timeline, oldest first",
    query: noQuery,
    responses: { 200: { description: 'Every timeline entry of the payment', schema: paymentEventListSchema } },
  },
  createRefund: {
    tag: 'Refunds',
    summary: 'Refund a captured payment, in full or in part',
    body: createRefundBody,
    responses: { 201: { description: 'The refund created (or found again for the same Idempotency-Key)', schema: refundSchema } },
  },
  listRefunds: {
    tag: 'Refunds',
    summary: 'List refunds, newest first',
    description: 'All of the merchant\'s refunds, or with `payment` those of one payment. `created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('refund', { payment: z.optional(idSchema('payment')) }),
    responses: { 200: { description: 'One page of refunds', schema: refundListSchema } },
  },
  getRefund: { tag: 'Refunds', summary: 'Retrieve a refund', query: noQuery, responses: { 200: { description: 'The refund', schema: refundSchema } } },
  getBalance: {
    tag: 'Balances',
    summary: "The merchant's balance per currency",
    query: noQuery,
    responses: { 200: { description: 'Available, pending and reserved funds', schema: balanceSchema } },
  },
  listBalanceTransactions: {
    tag: 'Balances',
    summary: 'Statement lines, newest first',
    description: '`created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('balance_transaction'),
    responses: { 200: { description: 'One page of balance transactions', schema: balanceTransactionListSchema } },
  },
  balanceTransactionsReport: {
    tag: 'Balances',
    summary: 'Balance transactions report (CSV download)',
    description:
      'One row per balance transaction created in the window, oldest first (`id, created_at, type, source, currency, amount, fee, net, status, available_on`), then one `total` row per currency summing amount, fee and net. `created[gte|gt]` and `created[lte|lt]` are required (Unix seconds or ISO 8601) and span at most 31 days; a window of more than 10,000 transactions is refused (422). Text cells starting with `= + - @` are prefixed with `\'`.',
    query: z.strictObject({ ...createdFilterFields, currency: z.optional(currencySchema) }),
    responses: { 200: { description: 'The report as CSV', schema: z.string(), mediaType: 'text/csv' } },
  },
} as const satisfies Record<string, RouteContract>;
