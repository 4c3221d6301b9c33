import { recordAttentionRequired } from '../../domain/payment-lifecycle';
import type { PaymentStepResult } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment, stepResult } from './change-payment';

/**
 * A compensation failed for good, or a recovery gave up: money may sit in the wrong place (a hold not
 * released, a capture not refunded, a posting not reversed). Never silent: the payment shows
 * `requires_attention` with what failed, the handler emits the metric the alarm watches, and the
 * execution then fails visibly (docs/runbooks.md).
 */
export const flagPaymentForAttention = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly paymentId: string; readonly error: string; readonly step: string },
): Promise<PaymentStepResult> => {
  const payment = await changePayment(deps.payments, input.paymentId, (current) =>
    current.status === 'requires_attention' ? undefined : recordAttentionRequired(current, `${input.step} failed: ${input.error}`, deps.now()),
  );
  return stepResult(payment);
};
