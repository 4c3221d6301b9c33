import { ResourceNotFoundError } from '../domain/errors';
import type { Refund } from '../domain/refund';
import type { PaymentRepository } from '../ports/payment-repository';

/** Read one refund; another merchant's refund is "not found", like an unknown id. */
export const getRefund = async (
  deps: { readonly payments: PaymentRepository },
  query: { readonly merchantId: string; readonly refundId: string },
): Promise<Refund> => {
  const refund = await deps.payments.getRefund(query.refundId);
  if (!refund || refund.merchantId !== query.merchantId) throw new ResourceNotFoundError('refund', query.refundId);
  return refund;
};
