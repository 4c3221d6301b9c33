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
   * Atomically: claim the quote for the conversion (only if unused, or already its own, and unexpired at
   * `now`) and store the pending conversion (only if new). 'claimed' also when both were done before.
   */
  startConversion(conversion: Conversion, now: Date): Promise<ClaimOutcome>;
  /** Marks the conversion completed with its ledger transaction. */
  completeConversion(conversion: Conversion): Promise<void>;
  /** Forget a pending conversion that could not be posted and free its quote for another attempt. */
  abandonConversion(conversion: Conversion): Promise<void>;
}
