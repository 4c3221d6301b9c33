import { QuoteAlreadyUsedError, QuoteExpiredError } from './errors';
import type { QuoteValidity } from './quote';

/**
 * The FX objects a merchant sees: a quote (`qt_...`) that locks a client rate and two amounts until
 * `expiresAt`, used at most once, by a conversion (`cv_...`) or a payout (`po_...`); and a conversion,
 * which exchanges the quote's amounts between the merchant's available balances.
 */
export interface FxQuote {
  readonly id: string;
  readonly merchantId: string;
  readonly sellCurrency: string;
  readonly buyCurrency: string;
  readonly sellAmount: number;
  readonly buyAmount: number;
  /** Which amount the merchant gave; the other was computed (and rounded in the platform's favour). */
  readonly fixedSide: 'sell' | 'buy';
  /** Client rate, buy per sell, exact decimal text. */
  readonly rate: string;
  readonly midRate: string;
  readonly spreadBps: number;
  /** Spread revenue, minor units of the buy currency. */
  readonly spreadAmount: number;
  readonly validity: QuoteValidity;
  readonly rateSource: string;
  readonly rateAsOf: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The conversion or payout that used it; null while unused. */
  readonly usedBy: string | null;
  readonly usedAt: string | null;
  readonly requestFingerprint: string;
}

export type QuoteStatus = 'active' | 'expired' | 'used';

export const quoteStatus = (quote: FxQuote, now: Date): QuoteStatus =>
  quote.usedBy !== null ? 'used' : now.getTime() >= Date.parse(quote.expiresAt) ? 'expired' : 'active';

/** Throws unless `user` may use the quote now: unused and unexpired, or already claimed by `user` itself (a retry). */
export const assertQuoteUsable = (quote: FxQuote, user: string, now: Date): void => {
  if (quote.usedBy === user) return;
  if (quote.usedBy !== null) throw new QuoteAlreadyUsedError(quote.id, quote.usedBy);
  if (now.getTime() >= Date.parse(quote.expiresAt)) throw new QuoteExpiredError(quote.id, quote.expiresAt);
};

export interface Conversion {
  readonly id: string;
  readonly merchantId: string;
  readonly quoteId: string;
  readonly sellCurrency: string;
  readonly sellAmount: number;
  readonly buyCurrency: string;
  readonly buyAmount: number;
  readonly rate: string;
  /** `pending` between claiming the quote and posting to the ledger (a crash there is finished by a retry). */
  readonly status: 'pending' | 'completed';
  /** The ledger transaction once posted. */
  readonly transactionId: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly requestFingerprint: string;
}
