import { type Conversion, type FxQuote, quoteStatus } from '../../domain/fx/objects';

/**
 * FX, beneficiary and payout objects → the public JSON of docs/api.md (snake_case, `object` tags).
 * Bank details leave only masked; vault tokens, fingerprints and request hashes never leave.
 */
export const presentFxQuote = (quote: FxQuote, now: Date) => ({
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
  livemode: false,
});

export const presentConversion = (conversion: Conversion) => ({
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
  livemode: false,
});
