import { isTerminal } from '../../domain/payment';
import { afterApproval, recordFailure, withApproval } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, failureAfter } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import type { CaptureResult } from './capture-payment';
import { changePayment, channelKeys, loadPayment, stepResult } from './change-payment';

/**
 * Compensation after a capture (workflow step "RefundCapture"): the platform cannot complete the payment
 * (its ledger posting failed for good), so the captured money goes back to the cardholder at the channel,
 * idempotent through its own key, and the payment fails with the code of the error. The authorization
 * refunded is the one the payment records, or the approval the run carried from Authorize (decision record
 * 0047), recorded with the failure in one write (`payment.authorized`, then `payment.failed`).
 */
export const refundCapture = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory; readonly now: () => Date },
  input: {
    readonly paymentId: string;
    readonly capture: CaptureResult;
    readonly error?: string;
    readonly action?: PaymentAction;
  },
): Promise<PaymentStepResult> => {
  const stored = await loadPayment(deps.payments, input.paymentId);
  if (isTerminal(stored)) return stepResult(stored, input.action);
  const payment = withApproval(stored, input.capture.approval);
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has nothing captured to refund`);
  await deps.channels.channel(payment.channel).refund({
    idempotencyKey: channelKeys.compensationRefund(payment),
    authorizationId: payment.authorizationId,
    amount: input.capture.amount,
    currency: payment.currency,
    reason: 'compensation',
  });
  const failed = await changePayment(deps.payments, stored, (current) =>
    isTerminal(current) ? undefined : afterApproval(current, input.capture.approval, (authorized) => recordFailure(authorized, failureAfter(input.error), deps.now())),
  );
  return stepResult(failed, input.action);
};
