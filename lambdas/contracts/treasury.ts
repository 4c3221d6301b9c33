import * as z from 'zod/mini';
import { QUOTE_VALIDITIES } from '../domain/fx/quote';
import { ENTITY_TYPES, PAYOUT_RAILS } from '../domain/payouts/beneficiary';
import { COUNTRY_CODES } from '../domain/payouts/countries';
import { PAYOUT_STATUSES } from '../domain/payouts/payout';
import { bankAccountRefinement, bankAccountSchema } from './bank-account';
import { type RouteContract, listOf, nullableTimestamp, timestamp } from './common';
import { amountSchema, createdListQuerySchema, currencySchema, descriptionSchema, emptyBody, idSchema, metadataSchema, noQuery } from './fields';

/** FX quotes, conversions, beneficiaries and payouts: request and response schemas (docs/api.md, "Treasury"). */

const validityMessage = `must be one of ${QUOTE_VALIDITIES.join(', ')}`;

export const createFxQuoteBody = z
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

export const createConversionBody = z.strictObject({ quote_id: idSchema('fx_quote') }, { error: 'must be a JSON object' });

const nameMessage = 'must be 1 to 140 characters with at least one letter';
const countryMessage = 'must be an ISO 3166-1 alpha-2 country code, such as "CA"';

export const createBeneficiaryBody = z
  .strictObject(
    {
      name: z
        .string({ error: nameMessage })
        .check(z.minLength(1, { error: nameMessage }), z.maxLength(140, { error: nameMessage }), z.regex(/\p{L}/u, { error: nameMessage })),
      entity_type: z.enum(ENTITY_TYPES, { error: 'must be "individual" or "company"' }),
      country: z.enum(COUNTRY_CODES as [string, ...string[]], { error: countryMessage }),
      currency: currencySchema,
      bank_account: bankAccountSchema,
      metadata: z._default(metadataSchema, {}),
    },
    { error: 'must be a JSON object' },
  )
  .check(bankAccountRefinement);

// What every rail carries: SEPA's end-to-end and remittance fields, SWIFT's 35-character lines, NACHA's addenda.
const referenceMessage = 'must be 1 to 35 characters: letters, digits, spaces and / - ? : ( ) . , \' + (the characters every rail carries)';

export const createPayoutBody = z.strictObject(
  {
    beneficiary_id: idSchema('beneficiary'),
    amount: amountSchema,
    currency: currencySchema,
    source_currency: z.optional(currencySchema),
    quote_id: z.optional(idSchema('fx_quote')),
    reference: z.string({ error: referenceMessage }).check(z.regex(/^[A-Za-z0-9/?:().,'+ -]{1,35}$/, { error: referenceMessage })),
    description: z._default(z.nullable(descriptionSchema), null),
    metadata: z._default(metadataSchema, {}),
  },
  { error: 'must be a JSON object' },
);

export const fxQuoteSchema = z.strictObject({
  id: z.string(),
  object: z.literal('fx_quote'),
  sell_currency: z.string(),
  buy_currency: z.string(),
  sell_amount: z.int(),
  buy_amount: z.int(),
  fixed_side: z.enum(['sell', 'buy']),
  /** Decimal strings: exact, never a float. */
  rate: z.string(),
  mid_rate: z.string(),
  validity: z.enum(QUOTE_VALIDITIES),
  status: z.enum(['active', 'expired', 'used']),
  used_by: z.nullable(z.string()),
  created_at: timestamp,
  expires_at: timestamp,
  livemode: z.boolean(),
});
export type FxQuoteJson = z.output<typeof fxQuoteSchema>;

export const conversionSchema = z.strictObject({
  id: z.string(),
  object: z.literal('conversion'),
  quote_id: z.string(),
  sell_currency: z.string(),
  sell_amount: z.int(),
  buy_currency: z.string(),
  buy_amount: z.int(),
  rate: z.string(),
  status: z.enum(['pending', 'completed']),
  created_at: timestamp,
  completed_at: nullableTimestamp,
  livemode: z.boolean(),
});
export type ConversionJson = z.output<typeof conversionSchema>;

/** A beneficiary's bank account as shown: public bank identifiers and the last 4 characters, never the account number. */
export const maskedBankAccountSchema = z.strictObject({
  rail: z.enum(PAYOUT_RAILS),
  bank_country: z.string(),
  last4: z.string(),
  routing_number: z.optional(z.string()),
  account_type: z.optional(z.enum(['checking', 'savings'])),
  bic: z.optional(z.string()),
  institution_number: z.optional(z.string()),
  transit_number: z.optional(z.string()),
  bank_code: z.optional(z.string()),
  pix_key_type: z.optional(z.string()),
});

export const beneficiarySchema = z.strictObject({
  id: z.string(),
  object: z.literal('beneficiary'),
  name: z.string(),
  entity_type: z.enum(ENTITY_TYPES),
  country: z.string(),
  currency: z.string(),
  bank_account: maskedBankAccountSchema,
  metadata: z.record(z.string(), z.string()),
  created_at: timestamp,
  livemode: z.boolean(),
});
export type BeneficiaryJson = z.output<typeof beneficiarySchema>;

export const payoutSchema = z.strictObject({
  id: z.string(),
  object: z.literal('payout'),
  status: z.enum(PAYOUT_STATUSES),
  amount: z.int(),
  currency: z.string(),
  source_amount: z.int(),
  source_currency: z.string(),
  quote_id: z.nullable(z.string()),
  beneficiary_id: z.string(),
  rail: z.enum(PAYOUT_RAILS),
  reference: z.string(),
  description: z.nullable(z.string()),
  metadata: z.record(z.string(), z.string()),
  failure_code: z.nullable(z.string()),
  failure_message: z.nullable(z.string()),
  created_at: timestamp,
  submitted_at: nullableTimestamp,
  paid_at: nullableTimestamp,
  returned_at: nullableTimestamp,
  canceled_at: nullableTimestamp,
  livemode: z.boolean(),
});
export type PayoutJson = z.output<typeof payoutSchema>;

export const conversionListSchema = listOf(conversionSchema);
export const beneficiaryListSchema = listOf(beneficiarySchema);
export const payoutListSchema = listOf(payoutSchema);

export const treasurySchemas = {
  FxQuote: fxQuoteSchema,
  Conversion: conversionSchema,
  ConversionList: conversionListSchema,
  Beneficiary: beneficiarySchema,
  BeneficiaryList: beneficiaryListSchema,
  Payout: payoutSchema,
  PayoutList: payoutListSchema,
};

export const treasuryContracts = {
  createFxQuote: {
    tag: 'FX',
    summary: 'Quote a conversion rate for a fixed sell or buy amount',
    body: createFxQuoteBody,
    responses: { 201: { description: 'The quote, valid until `expires_at`', schema: fxQuoteSchema } },
  },
  getFxQuote: { tag: 'FX', summary: 'Retrieve a quote', query: noQuery, responses: { 200: { description: 'The quote', schema: fxQuoteSchema } } },
  createConversion: {
    tag: 'FX',
    summary: 'Convert balance at a quoted rate',
    body: createConversionBody,
    responses: { 201: { description: 'The conversion', schema: conversionSchema } },
  },
  listConversions: {
    tag: 'FX',
    summary: 'List conversions, newest first',
    description: '`created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('conversion'),
    responses: { 200: { description: 'One page of conversions', schema: conversionListSchema } },
  },
  getConversion: { tag: 'FX', summary: 'Retrieve a conversion', query: noQuery, responses: { 200: { description: 'The conversion', schema: conversionSchema } } },
  createBeneficiary: {
    tag: 'Payouts',
    summary: 'Register a bank account to pay out to',
    description: 'The `bank_account` shape depends on its `rail`; check digits and the rail\'s country and currency are verified and each problem names its field.',
    body: createBeneficiaryBody,
    responses: { 201: { description: 'The beneficiary, with its bank account masked', schema: beneficiarySchema } },
  },
  listBeneficiaries: {
    tag: 'Payouts',
    summary: 'List beneficiaries, newest first',
    description: '`created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('beneficiary'),
    responses: { 200: { description: 'One page of beneficiaries', schema: beneficiaryListSchema } },
  },
  getBeneficiary: { tag: 'Payouts', summary: 'Retrieve a beneficiary', query: noQuery, responses: { 200: { description: 'The beneficiary', schema: beneficiarySchema } } },
  createPayout: {
    tag: 'Payouts',
    summary: 'Send money to a beneficiary',
    description: 'Converts from `source_currency` when it differs from the beneficiary\'s currency (at `quote_id` if given).',
    body: createPayoutBody,
    responses: { 201: { description: 'The payout', schema: payoutSchema } },
  },
  listPayouts: {
    tag: 'Payouts',
    summary: 'List payouts, newest first',
    description: '`created[gte|gt|lte|lt]` bound the creation time (Unix seconds or ISO 8601); `ending_before` pages back toward newer objects.',
    query: createdListQuerySchema('payout'),
    responses: { 200: { description: 'One page of payouts', schema: payoutListSchema } },
  },
  getPayout: { tag: 'Payouts', summary: 'Retrieve a payout', query: noQuery, responses: { 200: { description: 'The payout', schema: payoutSchema } } },
  cancelPayout: {
    tag: 'Payouts',
    summary: 'Cancel a payout not yet submitted to its rail',
    body: emptyBody,
    responses: { 200: { description: 'The canceled payout', schema: payoutSchema } },
  },
} as const satisfies Record<string, RouteContract>;
