import type { Payment } from '../domain/payment';
import { requestCancel } from '../domain/payment-lifecycle';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { awaitProgress } from './await-progress';
import { getPayment } from './get-payment';
import { PAYMENT_CANCELED } from './payment-saga/await-capture';
import { changePayment } from './payment-saga/change-payment';

export const CANCELLATION_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent', 'abandoned'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

/**
 * A merchant cancels a payment that was authorized but not captured: the hold is released.
 * 1. Find it (another merchant's payment is "not found").
 * 2. Record the cancellation request, with the command that made it: only from `requires_capture`
 *    (PaymentNotCancelableError otherwise: a captured payment is refunded instead); the same command
 *    retried finds its own request and changes nothing.
 * 3. Fail the saga's waiting task with PaymentCanceled: the saga voids the authorization and ends the
 *    payment `canceled`.
 * 4. Answer with the status reached within the progress budget.
 */
export const requestPaymentCancel = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly progressBudgetMs: number },
  command: { readonly merchantId: string; readonly paymentId: string; readonly reason: CancellationReason; readonly commandId: string },
): Promise<{ readonly before: Payment; readonly after: Payment }> => {
  const before = await getPayment(deps, { merchantId: command.merchantId, paymentId: command.paymentId });
  const requested = await changePayment(deps.payments, command.paymentId, (payment) =>
    payment.cancelCommandId === command.commandId ? undefined : requestCancel(payment, command.reason, deps.now(), command.commandId),
  );
  const task = await deps.payments.waitingTask(requested.id, 'capture');
  if (task) await deps.workflows.abort(task.token, PAYMENT_CANCELED, command.reason);
  const after = await awaitProgress(
    () => deps.payments.get(requested.id, { consistent: true }) as Promise<Payment>,
    (payment) => payment.status !== 'processing',
    deps.progressBudgetMs,
  );
  return { before, after };
};
