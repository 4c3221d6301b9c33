import { InvalidCursorError } from '../domain/errors';
import { newestFirst, pageInMemory } from '../domain/list-window';
import type { Refund } from '../domain/refund';
import type { PaymentRepository, RefundPage } from '../ports/payment-repository';
import { type ListRequest, resolveListWindow } from './list-window';

/**
 * List a merchant's refunds, newest first (`GET /v1/refunds`), all of them or one payment's.
 * 1. Resolve the cursor (`starting_after` or `ending_before`) to one of the merchant's refunds (another
 *    merchant's id is as unknown as a made-up one); with `payment`, to one of that payment's refunds.
 * 2. Without `payment`: one page of the merchant's refund list (the list index, decision 0021).
 * 3. With `payment`: the payment's refunds are named in its timeline (a payment has a few), read by id and
 *    windowed here; another merchant's payment, or an unknown one, has no refunds to list (an empty list, as
 *    Stripe answers a filter that matches nothing).
 */
export const listRefunds = async (deps: { readonly payments: PaymentRepository }, request: ListRequest & { readonly paymentId?: string }): Promise<RefundPage> => {
  if (request.paymentId === undefined) {
    return deps.payments.listRefunds(request.merchantId, await resolveListWindow(request, (id) => deps.payments.getRefund(id)));
  }
  const { paymentId } = request;
  const window = await resolveListWindow(request, async (id) => {
    const refund = await deps.payments.getRefund(id);
    if (refund && refund.paymentId !== paymentId) throw new InvalidCursorError(request.startingAfter === id ? 'starting_after' : 'ending_before', id);
    return refund;
  });
  const payment = await deps.payments.get(paymentId);
  if (!payment || payment.merchantId !== request.merchantId) return { refunds: [], hasMore: false };
  const ids = [...new Set(payment.timeline.flatMap((entry) => (entry.type === 'refund.created' && entry.refundId ? [entry.refundId] : [])))];
  const refunds = (await Promise.all(ids.map((id) => deps.payments.getRefund(id)))).filter((refund): refund is Refund => refund !== undefined);
  const page = pageInMemory(refunds.sort(newestFirst), window, (refund) => refund);
  return { refunds: page.items, hasMore: page.hasMore };
};
