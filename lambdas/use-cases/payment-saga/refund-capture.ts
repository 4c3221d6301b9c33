import { isTerminal } from '../../domain/payment';
import { recordFailure } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, failureAfter } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { changePayment, channelKeys, loadPayment, stepResult } from './change-payment';

/**
 * Compensation after a capture (workflow step "RefundCapture"): the platform cannot complete the payment
 * (its ledger posting failed for good), so the captured money goes back to the cardholder at the channel,
 * idempotent through its own key, and the payment fails with the code of the error.
 */
export const refundCapture = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory; readonly now: () => Date },
  input: {
    readonly paymentId: string;
    readonly capture: { readonly captureId: string; readonly amount: number };
    readonly error?: string;
    readonly action?: PaymentAction;
  },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (isTerminal(payment)) return stepResult(payment, input.action);
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has nothing captured to refund`);
  await deps.channels.channel(payment.channel).refund({
    idempotencyKey: channelKeys.compensationRefund(payment),
    authorizationId: payment.authorizationId,
    amount: input.capture.amount,
    currency: payment.currency,
    reason: 'compensation',
  });
  const failed = await changePayment(deps.payments, payment, (current) =>
    isTerminal(current) ? undefined : recordFailure(current, failureAfter(input.error), deps.now()),
  );
  return stepResult(failed, input.action);
};
