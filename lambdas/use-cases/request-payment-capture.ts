import type { Payment } from '../domain/payment';
import { amountToCapture, requestCapture } from '../domain/payment-lifecycle';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { awaitProgress } from './await-progress';
import { getPayment } from './get-payment';
import { changePayment } from './payment-saga/change-payment';

/**
 * A merchant captures a manual payment, all or part of what was authorized (the rest is released).
 * 1. Find it (another merchant's payment is "not found").
 * 2. Record the capture request, with the command that made it: only from `requires_capture`, only up to
 *    the capturable amount (PaymentNotCapturableError / AmountTooLargeError otherwise). Written over the
 *    version read, so two concurrent captures cannot both pass; the same command retried finds its own
 *    request and changes nothing.
 * 3. Resume the saga's waiting task with the amount. If nobody waits on the token any more (the saga
 *    re-ran), the saga reads the request from the payment itself.
 * 4. Answer with the status reached within the progress budget.
 */
export const requestPaymentCapture = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly progressBudgetMs: number },
  command: { readonly merchantId: string; readonly paymentId: string; readonly amountToCapture?: number; readonly commandId: string },
): Promise<{ readonly before: Payment; readonly after: Payment }> => {
  const before = await getPayment(deps, { merchantId: command.merchantId, paymentId: command.paymentId });
  const requested = await changePayment(deps.payments, command.paymentId, (payment) =>
    // This very command already asked (a retry after a crash): nothing to change, same answer.
    payment.captureRequested?.commandId === command.commandId
      ? undefined
      : requestCapture(payment, command.amountToCapture ?? payment.amountCapturable, deps.now(), command.commandId),
  );
  const task = await deps.payments.waitingTask(requested.id, 'capture');
  if (task) await deps.workflows.resume(task.token, { amountToCapture: amountToCapture(requested) });
  const after = await awaitProgress(
    () => deps.payments.get(requested.id, { consistent: true }) as Promise<Payment>,
    (payment) => payment.status !== 'processing',
    deps.progressBudgetMs,
  );
  return { before, after };
};
