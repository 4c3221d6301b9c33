import type { SweepWindow } from '../domain/saga-start';
import type { Payment } from '../domain/payment';
import type { Payout } from '../domain/payouts/payout';
import type { Refund } from '../domain/refund';

/**
 * Objects in flight, as the recovery sweeper finds them (lambdas/domain/saga-start.ts,
 * docs/decisions/0021-in-flight-sweep-over-list-indexes.md). `since` is when the flight began.
 */
export type AwaitingSaga =
  | { readonly kind: 'payment'; readonly since: string; readonly payment: Payment }
  | { readonly kind: 'refund'; readonly since: string; readonly refund: Refund }
  | { readonly kind: 'payout'; readonly since: string; readonly payout: Payout };

export interface OverduePage {
  readonly awaiting: readonly AwaitingSaga[];
  /** More objects of this shard are overdue than `limit` allowed: the next sweep continues. */
  readonly more: boolean;
}

/** Later flights: the objects carrying the marker of the sparse saga-starts index. */
export interface SagaStartMarkers {
  /**
   * The objects of one shard (`saga#<region>#<n>`) marked before `before` (ISO 8601), oldest first, at
   * most `limit` from each table. Each is re-read with a strongly consistent read and returned only while
   * still marked: the index lags its table, and a flight that just ended must not count.
   */
  overdue(shard: string, before: string, limit: number): Promise<OverduePage>;
  /**
   * Every object of one merchant in one shard marked before `before`, the shard read to its end (the drain and the
   * adoption of a home-region move: a list cut short would fence with a flight still running, or leave a lost
   * region's flight to nobody). Confirmed like `overdue`'s. A shard too large to read in the step's time fails
   * the step; nothing partial is returned.
   */
  markedOf(merchantId: string, shard: string, before: string): Promise<readonly AwaitingSaga[]>;
}

/** Creation flights: every merchant's objects created in a window, through the list indexes they are written to once. */
export interface RecentObjects {
  /**
   * The payments, refunds and payouts of every merchant created in `window` ([from, to)) whose last write was
   * in `region` and that are still in flight since before `before`, each confirmed by a strongly consistent
   * read (the list indexes lag their tables).
   */
  inFlight(window: SweepWindow, before: string, region: string): Promise<readonly AwaitingSaga[]>;
}

/** One merchant's flights, through the same list indexes (the drain of a home-region move, decision 0024). */
export interface MerchantFlights {
  /**
   * One merchant's payments, refunds and payouts created in `window` that are in flight now, whichever region
   * wrote them last, each confirmed by a strongly consistent read (the drain of a home-region move, decision 0024).
   */
  inFlightOf(merchantId: string, window: SweepWindow): Promise<readonly AwaitingSaga[]>;
}
