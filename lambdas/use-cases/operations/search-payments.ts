import { InvalidCursorError } from '../../domain/errors';
import type { Payment, PaymentStatus } from '../../domain/payment';
import type { PaymentRepository } from '../../ports/payment-repository';
import { type FilteredPage, collectMatching } from './filtered-list';

/**
 * Operators: a merchant's payments, newest first, optionally of one status (the merchant-objects index has
 * no status key, so the filter reads pages of the merchant's list: filtered-list.ts).
 * 1. Resolve `starting_after` to one of the merchant's payments (InvalidCursorError otherwise).
 * 2. Read the merchant's payments newest first, keeping those of the status, until `limit` are kept, the
 *    list ends, or SEARCH_READ_LIMIT were read.
 * 3. Answer what was kept, whether more remain, and the last payment read (the next page's cursor).
 */
export const searchPayments = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId: string; readonly status?: PaymentStatus; readonly limit: number; readonly startingAfter?: string },
): Promise<FilteredPage<Payment>> => {
  let after: Payment | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.payments.get(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return collectMatching({
    page: async (from, size) => {
      const page = await deps.payments.listByMerchant(query.merchantId, { limit: size, after: from });
      return { items: page.payments, hasMore: page.hasMore };
    },
    matches: (payment) => query.status === undefined || payment.status === query.status,
    limit: query.limit,
    after,
    filtered: query.status !== undefined,
  });
};
