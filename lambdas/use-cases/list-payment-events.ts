import type { PaymentEvent } from '../domain/payment-lifecycle';
import type { PaymentRepository } from '../ports/payment-repository';
import { getPayment } from './get-payment';

/** A payment's timeline, oldest first: every change it went through, with what changed. */
export const listPaymentEvents = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId: string; readonly paymentId: string },
): Promise<readonly PaymentEvent[]> => {
  await getPayment(deps, query);
  return deps.payments.events(query.paymentId);
};
