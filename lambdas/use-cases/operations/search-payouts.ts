import { InvalidCursorError } from '../../domain/errors';
import { type Payout, type PayoutStatus, awaitsReview } from '../../domain/payouts/payout';
import type { PayoutRepository } from '../../ports/payout-repository';
import { type FilteredPage, collectMatching } from './filtered-list';

/**
 * Operators: payouts, either one merchant's (newest first, optionally of one status) or, without a
 * merchant, the review queue: every merchant's payouts waiting for a review decision, oldest first (the
 * sparse payouts-in-review index; decision 0022).
 * 1. Resolve `starting_after` to a payout (of the merchant, when one is given; InvalidCursorError otherwise).
 * 2. With a merchant: read its payouts newest first, keeping those of the status (filtered-list.ts).
 *    Without: read the review queue.
 * 3. Answer what was kept, whether more remain, and the last payout read (the next page's cursor).
 */
export const searchPayouts = async (
  deps: { readonly payouts: PayoutRepository },
  query: { readonly merchantId?: string; readonly status?: PayoutStatus; readonly limit: number; readonly startingAfter?: string },
): Promise<FilteredPage<Payout>> => {
  let after: Payout | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.payouts.getPayout(query.startingAfter);
    const belongs = after && (query.merchantId === undefined ? awaitsReview(after) : after.merchantId === query.merchantId);
    if (!belongs) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  const { merchantId } = query;
  if (merchantId === undefined) {
    const page = await deps.payouts.listPayoutsInReview({ limit: query.limit, after });
    return { items: page.payouts, hasMore: page.hasMore, lastRead: page.payouts.at(-1) };
  }
  return collectMatching({
    page: async (from, size) => {
      const page = await deps.payouts.listPayouts(merchantId, { limit: size, after: from });
      return { items: page.payouts, hasMore: page.hasMore };
    },
    matches: (payout) => query.status === undefined || payout.status === query.status,
    limit: query.limit,
    after,
    filtered: query.status !== undefined,
  });
};
