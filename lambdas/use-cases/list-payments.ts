import { InvalidCursorError } from '../domain/errors';
import type { PaymentPage, PaymentRepository } from '../ports/payment-repository';

/**
 * List a merchant's payments, newest first.
 * 1. Resolve `starting_after` to one of the merchant's payments (another merchant's id is as unknown as
 *    a made-up one).
 * 2. Return one page and whether more follow.
 */
export const listPayments = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<PaymentPage> => {
  let after;
  if (query.startingAfter !== undefined) {
    after = await deps.payments.get(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) {
      throw new InvalidCursorError('starting_after', query.startingAfter);
    }
  }
  return deps.payments.listByMerchant(query.merchantId, { limit: query.limit, after });
};
