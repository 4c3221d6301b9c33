import { amountToCapture } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { channelKeys, loadPayment } from './change-payment';

/**
 * Capture at the channel (workflow step "Capture"): everything authorized for an automatic payment, the
 * amount the merchant asked for a manual one (the rest of the hold is released: a final capture). The
 * capture's idempotency key makes a repeated step get the same capture. Nothing is written here: the
 * next step posts the capture to the ledger and records it with the payment's success in one write.
 * CaptureFailed propagates (the hold is then voided); a timeout is retried, never guessed.
 */
export const capturePayment = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory },
  input: { readonly paymentId: string },
): Promise<{ readonly captureId: string; readonly amount: number }> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (payment.captureId) return { captureId: payment.captureId, amount: payment.amountReceived };
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has no authorization to capture`);
  const capture = await deps.channels.channel(payment.channel).capture({
    idempotencyKey: channelKeys.capture(payment),
    authorizationId: payment.authorizationId,
    amount: amountToCapture(payment),
    currency: payment.currency,
    finalCapture: true,
  });
  return { captureId: capture.captureId, amount: capture.amount };
};
