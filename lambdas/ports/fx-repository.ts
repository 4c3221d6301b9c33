import type { ListWindow } from '../domain/list-window';
import type { Conversion, FxQuote } from '../domain/fx/objects';

/** Storage of quotes and conversions (the `fx` table, docs/data-model.md). */
export type ClaimOutcome = 'claimed' | 'quote_expired' | 'quote_used' | 'quote_missing';

export interface ConversionPage {
  readonly conversions: readonly Conversion[];
  readonly hasMore: boolean;
}

export interface FxRepository {
  /** Stores a new quote unless its id exists; either way returns what is stored. */
  insertQuote(quote: FxQuote): Promise<{ readonly created: boolean; readonly quote: FxQuote }>;
  getQuote(id: string, options?: { readonly consistent?: boolean }): Promise<FxQuote | undefined>;
  getConversion(id: string, options?: { readonly consistent?: boolean }): Promise<Conversion | undefined>;
  /** One page of the merchant's conversions, newest first; the window's cursors are conversions of the same merchant. */
  listConversions(merchantId: string, window: ListWindow): Promise<ConversionPage>;
  /**
   * Claim the quote for `user` (a conversion id): only if unused, or already its own, and unexpired at `now`.
   * 'claimed' also when it was its own already.
   */
  claimQuote(claim: { readonly quoteId: string; readonly merchantId: string; readonly user: string; readonly now: Date }): Promise<ClaimOutcome>;
  /** Free a quote `user` claimed and could not use (its conversion was refused), for another attempt; nothing if it is not `user`'s. */
  releaseQuote(quoteId: string, user: string): Promise<void>;
  /**
   * Stores a completed conversion unless one with its id is stored completed; either way returns what is
   * stored. A `pending` one (written by the code before decision 0052) is completed by it.
   */
  insertConversion(conversion: Conversion): Promise<{ readonly created: boolean; readonly conversion: Conversion }>;
}
