import { deployment } from '../../../platform/deployment';
import { type Conversion, type FxQuote, quoteStatus } from '../../domain/fx/objects';
import type { Beneficiary } from '../../domain/payouts/beneficiary';
import type { Payout } from '../../domain/payouts/payout';
import type { BeneficiaryJson, ConversionJson, FxQuoteJson, PayoutJson } from '../../contracts/treasury';

/**
 * FX, beneficiary and payout objects → the public JSON of docs/api.md (snake_case, `object` tags).
 * Bank details leave only masked; vault tokens, fingerprints and request hashes never leave.
 */
export const presentFxQuote = (quote: FxQuote, now: Date): FxQuoteJson => ({
  id: quote.id,
  object: 'fx_quote' as const,
  sell_currency: quote.sellCurrency,
  buy_currency: quote.buyCurrency,
  sell_amount: quote.sellAmount,
  buy_amount: quote.buyAmount,
  fixed_side: quote.fixedSide,
  rate: quote.rate,
  mid_rate: quote.midRate,
  validity: quote.validity,
  status: quoteStatus(quote, now),
  used_by: quote.usedBy,
  created_at: quote.createdAt,
  expires_at: quote.expiresAt,
  livemode: deployment.live,
});

export const presentConversion = (conversion: Conversion): ConversionJson => ({
  id: conversion.id,
  object: 'conversion' as const,
  quote_id: conversion.quoteId,
  sell_currency: conversion.sellCurrency,
  sell_amount: conversion.sellAmount,
  buy_currency: conversion.buyCurrency,
  buy_amount: conversion.buyAmount,
  rate: conversion.rate,
  status: conversion.status,
  created_at: conversion.createdAt,
  completed_at: conversion.completedAt,
  livemode: deployment.live,
});

/** The record without its undefined fields (absent in the JSON rather than null): still of its own type. */
const definedOnly = <Fields extends Record<string, unknown>>(record: Fields): Fields =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Fields;

export const presentBeneficiary = (beneficiary: Beneficiary): BeneficiaryJson => ({
  id: beneficiary.id,
  object: 'beneficiary' as const,
  name: beneficiary.name,
  entity_type: beneficiary.entityType,
  country: beneficiary.country,
  currency: beneficiary.currency,
  bank_account: definedOnly({
    rail: beneficiary.bankAccount.rail,
    bank_country: beneficiary.bankAccount.bankCountry,
    last4: beneficiary.bankAccount.last4,
    routing_number: beneficiary.bankAccount.routingNumber,
    account_type: beneficiary.bankAccount.accountType,
    bic: beneficiary.bankAccount.bic,
    institution_number: beneficiary.bankAccount.institutionNumber,
    transit_number: beneficiary.bankAccount.transitNumber,
    bank_code: beneficiary.bankAccount.bankCode,
    pix_key_type: beneficiary.bankAccount.pixKeyType,
  }),
  metadata: beneficiary.metadata,
  created_at: beneficiary.createdAt,
  livemode: deployment.live,
});

/** A payout as its merchant sees it. What screening matched stays with operations (no tipping off). */
export const presentPayout = (payout: Payout): PayoutJson => ({
  id: payout.id,
  object: 'payout' as const,
  status: payout.status,
  amount: payout.amount,
  currency: payout.currency,
  source_amount: payout.sourceAmount,
  source_currency: payout.sourceCurrency,
  quote_id: payout.quoteId,
  beneficiary_id: payout.beneficiaryId,
  rail: payout.rail,
  reference: payout.reference,
  description: payout.description,
  metadata: payout.metadata,
  failure_code: payout.failure && (payout.status === 'failed' || payout.status === 'returned') ? payout.failure.code : null,
  failure_message: payout.failure && (payout.status === 'failed' || payout.status === 'returned') ? payout.failure.message : null,
  created_at: payout.createdAt,
  submitted_at: payout.submittedAt,
  paid_at: payout.paidAt,
  returned_at: payout.returnedAt,
  canceled_at: payout.canceledAt,
  livemode: deployment.live,
});
