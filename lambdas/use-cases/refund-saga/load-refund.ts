import { ResourceNotFoundError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import type { Transition } from '../../domain/payment-lifecycle';
import type { Refund } from '../../domain/refund';
import type { PaymentRepository } from '../../ports/payment-repository';
import { withOptimisticRetry } from '../optimistic';
import { loadPayment } from '../payment-saga/change-payment';

/** A refund, read strongly consistent (every refund workflow step starts from it). */
export const loadRefund = async (payments: PaymentRepository, refundId: string): Promise<Refund> => {
  const refund = await payments.getRefund(refundId, { consistent: true });
  if (!refund) throw new ResourceNotFoundError('refund', refundId);
  return refund;
};

/**
 * End a refund: the refund's new status and its payment's amounts change in one write, over both versions
 * read; on a concurrent change (another refund of the same payment) read both again and decide again.
 * A step that has just read both passes them in: the first decision is made on those reads (the write is
 * conditioned on both versions, so a change since is caught and decided again from fresh reads).
 */
export const finishRefund = async (
  payments: PaymentRepository,
  refundId: string,
  decide: (refund: Refund) => Refund | undefined,
  transitionFor: (payment: Payment, refund: Refund) => Transition,
  read?: { readonly refund: Refund; readonly payment: Payment },
): Promise<Refund> => {
  return withOptimisticRetry(async (attempt) => {
    const first = attempt === 1 && read?.refund.id === refundId && read.payment.id === read.refund.paymentId ? read : undefined;
    const refund = first?.refund ?? (await loadRefund(payments, refundId));
    const next = decide(refund);
    if (!next) return refund;
    const payment = first?.payment ?? (await loadPayment(payments, refund.paymentId));
    await payments.apply(transitionFor(payment, refund), { refund: { next, previousVersion: refund.version } });
    return next;
  });
};
