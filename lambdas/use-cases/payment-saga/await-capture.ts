import { nextPaymentStep } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { TaskTokens } from '../../ports/workflows';
import { loadPayment } from './change-payment';

/**
 * The capture window's wait (its task "AwaitCapture", `.waitForTaskToken`): the window closes when the
 * payment no longer waits for its merchant (captured, canceled, or ended otherwise), or expires.
 * 1. Store the token the merchant's capture or cancel answers (the capture and cancel endpoints answer it
 *    once their own run has finished).
 * 2. Then read the payment: if it has already moved on (the merchant was quicker than this task, or this
 *    task ran again after a restart), answer the token at once. Storing before reading means one of the
 *    two always sees the other: the window is never left open on a payment that moved.
 */
export const awaitCapture = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: TaskTokens },
  input: { readonly paymentId: string; readonly taskToken: string },
): Promise<void> => {
  await deps.payments.saveWaitingTask(input.paymentId, { purpose: 'capture', token: input.taskToken });
  const payment = await loadPayment(deps.payments, input.paymentId);
  // `open_capture_window`: the run that opened this window has not yet marked the payment waiting.
  const waits = ['waiting', 'open_capture_window'].includes(nextPaymentStep(payment));
  if (!waits) await deps.workflows.resume(input.taskToken, { status: payment.status });
};
