import { ResourceNotFoundError } from '../domain/errors';
import type { Payment } from '../domain/payment';
import type { PaymentRepository } from '../ports/payment-repository';

/**
 * Read one payment.
 * 1. Load it by id.
 * 2. Answer "not found" both when it does not exist and when another merchant owns it, so an id reveals
 *    nothing about other merchants.
 */
export const getPayment = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId: string; readonly paymentId: string },
  /** Strongly consistent: for a command that decides a change from this read (decision 0055). */
  options: { readonly consistent?: boolean } = {},
): Promise<Payment> => {
  const payment = await deps.payments.get(query.paymentId, options.consistent ? { consistent: true } : {});
  if (!payment || payment.merchantId !== query.merchantId) {
    throw new ResourceNotFoundError('payment', query.paymentId);
  }
  return payment;
};
