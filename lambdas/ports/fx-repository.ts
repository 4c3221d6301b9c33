import type { ListWindow } from '../domain/list-window';
import type { Conversion, FxQuote } from '../domain/fx/objects';
import type { CompanionPut } from './ledger-store';

/** Storage of quotes and conversions (the `fx` table, docs/data-model.md). */
/** `quote_in_flight`: the quote is this user's, under a live lease another request holds (decision record 0060). */
export type ClaimOutcome = 'claimed' | 'quote_expired' | 'quote_used' | 'quote_missing' | 'quote_in_flight';

/** A claim of a quote for `user` at `now`; `leaseUntil` (epoch ms, a conversion's) leases the request's key until then. */
export interface QuoteClaim {
  readonly quoteId: string;
  readonly merchantId: string;
  readonly user: string;
  readonly now: Date;
  readonly leaseUntil?: number;
}

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
   * Claim the quote for `user` (a conversion id): only if unused and unexpired at `now`, or already its own.
   * 'claimed' also when it was its own already, unless the claim is leased (`leaseUntil`) and the lease set
   * before is live: then 'quote_in_flight'.
   */
  claimQuote(claim: QuoteClaim): Promise<ClaimOutcome>;
  /**
   * Free a quote `user` claimed and could not use (its conversion was refused), for another attempt; nothing if
   * it is not `user`'s, or (with `leaseUntil`) if its lease is no longer the one this request set.
   */
  releaseQuote(quoteId: string, user: string, leaseUntil?: number): Promise<void>;
  /** Let the lease `leaseUntil` of `user`'s claim go (the claim stays), so a retry proceeds at once; nothing if it is no longer that lease. */
  releaseLease(quoteId: string, user: string, leaseUntil: number): Promise<void>;
  /**
   * The write that stores a completed conversion, as its posting's companion (decision record 0062): the
   * conversion is stored in the posting's transaction, so it exists exactly when its posting does. Same
   * condition as `insertConversion`: nothing stored under its id, or a `pending` one.
   */
  conversionWithPosting(conversion: Conversion): CompanionPut;
  /**
   * Stores a completed conversion unless one with its id is stored completed; either way returns what is
   * stored. A `pending` one (written by the code before decision 0052) is completed by it. For a conversion
   * whose posting was already there (a replay): a request before 0062 that died between the two.
   */
  insertConversion(conversion: Conversion): Promise<{ readonly created: boolean; readonly conversion: Conversion }>;
}
