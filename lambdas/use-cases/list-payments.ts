import type { PaymentPage, PaymentRepository } from '../ports/payment-repository';
import { type ListRequest, resolveListWindow } from './list-window';

/**
 * List a merchant's payments, newest first.
 * 1. Resolve the cursor (`starting_after` or `ending_before`) to one of the merchant's payments (another
 *    merchant's id is as unknown as a made-up one).
 * 2. Return one page of the window (cursor and `created` bounds) and whether more follow.
 */
export const listPayments = async (deps: { readonly payments: PaymentRepository }, request: ListRequest): Promise<PaymentPage> =>
  deps.payments.listByMerchant(request.merchantId, await resolveListWindow(request, (id) => deps.payments.get(id)));
