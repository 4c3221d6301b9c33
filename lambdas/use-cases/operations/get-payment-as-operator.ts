import { ResourceNotFoundError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import type { PaymentRepository } from '../../ports/payment-repository';

/**
 * Operators: any merchant's payment by id (the merchant API's getPayment answers only the owner).
 * 1. Load it by id; unknown: ResourceNotFoundError.
 */
export const getPaymentAsOperator = async (deps: { readonly payments: PaymentRepository }, query: { readonly paymentId: string }): Promise<Payment> => {
  const payment = await deps.payments.get(query.paymentId);
  if (!payment) throw new ResourceNotFoundError('payment', query.paymentId);
  return payment;
};
