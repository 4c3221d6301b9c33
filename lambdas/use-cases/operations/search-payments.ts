import { InvalidCursorError } from '../../domain/errors';
import type { Payment, PaymentStatus } from '../../domain/payment';
import { awaitsRiskReview } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';
import { type FilteredPage, collectMatching } from './filtered-list';

/**
 * Operators: a merchant's payments, newest first, optionally of one status (the merchant-objects index has
 * no status key, so the filter reads pages of the merchant's list: filtered-list.ts); or, without a
 * merchant, the risk review queue: every merchant's payments risk screening sent to review and no operator
 * has decided, oldest first (the sparse payments-in-review index, as payouts-in-review for payouts).
 * 1. Resolve `starting_after` to one of the merchant's payments, or one in the queue (InvalidCursorError otherwise).
 * 2. With a merchant: read its payments newest first, keeping those of the status, until `limit` are kept,
 *    the list ends, or SEARCH_READ_LIMIT were read. Without: read the review queue.
 * 3. Answer what was kept, whether more remain, and the last payment read (the next page's cursor).
 */
export const searchPayments = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId?: string; readonly status?: PaymentStatus; readonly limit: number; readonly startingAfter?: string },
): Promise<FilteredPage<Payment>> => {
  let after: Payment | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.payments.get(query.startingAfter);
    const belongs = after && (query.merchantId === undefined ? awaitsRiskReview(after) : after.merchantId === query.merchantId);
    if (!belongs) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  const { merchantId } = query;
  if (merchantId === undefined) {
    const page = await deps.payments.listInRiskReview({ limit: query.limit, after });
    return { items: page.payments, hasMore: page.hasMore, lastRead: page.payments.at(-1) };
  }
  return collectMatching({
    page: async (from, size) => {
      const page = await deps.payments.listByMerchant(merchantId, { limit: size, after: from });
      return { items: page.payments, hasMore: page.hasMore };
    },
    matches: (payment) => query.status === undefined || payment.status === query.status,
    limit: query.limit,
    after,
    filtered: query.status !== undefined,
  });
};
