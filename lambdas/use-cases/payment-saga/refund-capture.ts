import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { channelKeys, loadPayment } from './change-payment';

/**
 * Compensation after a capture: give the captured money back to the cardholder at the channel (saga step
 * "RefundCapture"), when the platform cannot complete the payment (its ledger posting or completion
 * failed for good). Idempotent through its own key.
 */
export const refundCapture = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory },
  input: { readonly paymentId: string },
): Promise<{ refunded: number }> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (!payment.captureId || !payment.channel || !payment.authorizationId) return { refunded: 0 };
  const refund = await deps.channels.channel(payment.channel).refund({
    idempotencyKey: channelKeys.compensationRefund(payment),
    authorizationId: payment.authorizationId,
    amount: payment.amountReceived,
    currency: payment.currency,
    reason: 'compensation',
  });
  return { refunded: refund.amount };
};
