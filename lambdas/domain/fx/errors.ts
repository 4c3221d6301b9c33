import { DomainError } from '../errors';

/**
 * FX errors. Their `name`s are a contract: lambdas/shared/http/problem.ts maps each to one problem code
 * (docs/api.md) and the payout saga's ASL catches QuoteExpiredError.
 */

/** The quote's validity ended before it was used (422 `quote_expired`). */
export class QuoteExpiredError extends DomainError {
  override readonly name = 'QuoteExpiredError';

  constructor(
    readonly quoteId: string,
    readonly expiredAt: string,
  ) {
    super(`Quote ${quoteId} expired at ${expiredAt}. Request a new quote.`);
  }
}

/** The quote already backs another conversion or payout: a quote is used once (409 `quote_already_used`). */
export class QuoteAlreadyUsedError extends DomainError {
  override readonly name = 'QuoteAlreadyUsedError';

  constructor(
    readonly quoteId: string,
    readonly usedBy: string,
  ) {
    super(`Quote ${quoteId} was already used by ${usedBy}. Request a new quote.`);
  }
}

/** A payout names a quote that does not convert into what it pays (422 `quote_mismatch`). */
export class QuoteMismatchError extends DomainError {
  override readonly name = 'QuoteMismatchError';

  constructor(
    readonly quoteId: string,
    readonly field: string,
    detail: string,
  ) {
    super(`Quote ${quoteId} does not match this payout: ${detail}`);
  }
}

/** The computed side of a quote rounds to less than one minor unit (422 `amount_too_small`). */
export class AmountTooSmallToConvertError extends DomainError {
  override readonly name = 'AmountTooSmallToConvertError';

  constructor(
    readonly side: 'sell' | 'buy',
    readonly currency: string,
  ) {
    super(`The ${side} amount would be less than one minor unit of ${currency}; convert a larger amount.`);
  }
}

/** The computed side of a quote exceeds the largest amount the platform accepts (422 `amount_too_large`). */
export class FxAmountOutOfRangeError extends DomainError {
  override readonly name = 'FxAmountOutOfRangeError';

  constructor(
    readonly side: 'sell' | 'buy',
    readonly currency: string,
  ) {
    super(`The ${side} amount in ${currency} is outside the range the platform accepts.`);
  }
}

/** The rate source has no rate for a currency (422 `currency_not_supported`). */
export class CurrencyNotQuotedError extends DomainError {
  override readonly name = 'CurrencyNotQuotedError';

  constructor(
    readonly field: string,
    readonly currency: string,
  ) {
    super(`${currency} cannot be converted: no rate is quoted for it.`);
  }
}
