import type { Payment } from '../domain/payment';
import { nextPaymentStep } from '../domain/payment-saga';
import type { PaymentRepository } from '../ports/payment-repository';
import type { TaskTokens } from '../ports/workflows';

/**
 * A manual payment no longer waits for its merchant (captured, canceled, or on its way to either): answer
 * the capture window's waiting task, so the window closes now rather than at the authorization's expiry.
 * No token stored yet (the window's task has not run): that task reads the payment after storing its
 * token and closes the window itself. A token nobody waits on any more is `gone`: nothing to do.
 */
export const closeCaptureWindow = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: TaskTokens },
  payment: Payment,
): Promise<void> => {
  if (['waiting', 'open_capture_window'].includes(nextPaymentStep(payment))) return;
  const task = await deps.payments.waitingTask(payment.id, 'capture');
  if (task) await deps.workflows.resume(task.token, { status: payment.status });
};
