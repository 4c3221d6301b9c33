import { amountToCapture, recordCapture } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment } from './change-payment';

/**
 * Capture at the channel (saga step "Capture"): everything authorized for an automatic payment, the
 * amount the merchant asked for a manual one (the rest of the hold is released: a final capture).
 * A payment already captured answers from what it holds. CaptureFailed propagates (compensation voids).
 */
export const capturePayment = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory; readonly now: () => Date },
  input: { readonly paymentId: string },
): Promise<{ captureId: string; amount: number }> => {
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
  const captured = await changePayment(deps.payments, payment.id, (current) =>
    current.captureId ? undefined : recordCapture(current, { captureId: capture.captureId, amount: capture.amount }, deps.now()),
  );
  return { captureId: captured.captureId as string, amount: captured.amountReceived };
};
