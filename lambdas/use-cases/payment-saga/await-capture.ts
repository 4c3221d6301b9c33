import { recordAwaitingCapture } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { Workflows } from '../../ports/workflows';
import { changePayment, loadPayment } from './change-payment';

/** The error the saga's AwaitCapture task fails with when the merchant cancels. */
export const PAYMENT_CANCELED = 'PaymentCanceled';

/**
 * Start waiting for the merchant's capture (saga step "AwaitCapture", a `.waitForTaskToken` task).
 * 1. A capture or cancel already asked for (the step re-runs after a restart, or the merchant was quick):
 *    answer the token at once with it.
 * 2. Already waiting (a re-run with a new token): replace the stored token.
 * 3. Otherwise move the payment to `requires_capture` and store the token in the same write, so no
 *    merchant can see `requires_capture` before a capture can reach the saga.
 */
export const awaitCapture = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date },
  input: { readonly paymentId: string; readonly taskToken: string },
): Promise<void> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (payment.captureRequested) {
    await deps.workflows.resume(input.taskToken, { amountToCapture: payment.captureRequested.amount });
    return;
  }
  if (payment.cancellationReason) {
    await deps.workflows.abort(input.taskToken, PAYMENT_CANCELED, payment.cancellationReason);
    return;
  }
  const task = { purpose: 'capture' as const, token: input.taskToken };
  if (payment.status === 'requires_capture') {
    await deps.payments.saveWaitingTask(payment.id, task);
    return;
  }
  await changePayment(
    deps.payments,
    payment.id,
    (current) => (current.status === 'processing' && !current.captureRequested && !current.cancellationReason ? recordAwaitingCapture(current, deps.now()) : undefined),
    () => ({ waitingTask: task }),
  );
};
