import { recordRefundSuccess } from '../../domain/payment-lifecycle';
import { refundSucceeded } from '../../domain/refund';
import { type RefundStepResult, refundStepResult } from '../../domain/refund-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { loadPayment } from '../payment-saga/change-payment';
import { finishRefund, loadRefund } from './load-refund';

/**
 * Refund at the channel and complete the refund (refund workflow step "RefundAtChannel").
 * 1. Refund at the payment's channel, idempotent through the refund's own key (a repeat gets the same
 *    channel refund). ChannelRequestRejected propagates: the posting is then reversed and the refund fails.
 * 2. The refund succeeds and the payment's refunded amount grows, in one write, decided first from the
 *    reads of step 1 (the write is conditioned on both versions: a change since is read and decided again).
 */
export const refundAtChannel = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory; readonly now: () => Date },
  input: { readonly refundId: string },
): Promise<RefundStepResult> => {
  const refund = await loadRefund(deps.payments, input.refundId);
  if (refund.status !== 'pending') return refundStepResult(refund);
  const payment = await loadPayment(deps.payments, refund.paymentId);
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has nothing captured to refund`);
  const channelRefund = await deps.channels.channel(payment.channel).refund({
    idempotencyKey: `${refund.id}:refund`,
    authorizationId: payment.authorizationId,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason ?? undefined,
  });
  const completed = await finishRefund(
    deps.payments,
    refund.id,
    (current) => (current.status === 'pending' ? refundSucceeded(current, channelRefund.refundId, deps.now()) : undefined),
    (current, pending) => recordRefundSuccess(current, { refundId: pending.id, amount: pending.amount }, deps.now()),
    { refund, payment },
  );
  return refundStepResult(completed);
};
