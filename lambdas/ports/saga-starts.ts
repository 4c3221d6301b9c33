import type { Payment } from '../domain/payment';
import type { Payout } from '../domain/payouts/payout';
import type { Refund } from '../domain/refund';

/**
 * The objects whose saga has not run its first step yet: stored with a saga-start marker
 * (lambdas/domain/saga-start.ts) that the first step removes. Read by the sweep-unstarted-sagas function.
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

export interface SagaStartMarkers {
  /**
   * The objects of one shard (`saga#<region>#<n>`) marked before `before` (ISO 8601), oldest first, at
   * most `limit` from each table. Each is re-read with a strongly consistent read and returned only while
   * still marked: the index lags its table, and a saga that just ran its first step must not count.
   */
  overdue(shard: string, before: string, limit: number): Promise<OverduePage>;
}
