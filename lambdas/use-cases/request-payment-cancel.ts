import type { Payment } from '../domain/payment';
import { requestCancel } from '../domain/payment-lifecycle';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { closeCaptureWindow } from './close-capture-window';
import { getPayment } from './get-payment';
import { changePayment } from './payment-saga/change-payment';
import { runPaymentWorkflow } from './run-workflows';

export { CANCELLATION_REASONS, type CancellationReason } from '../domain/payment';
import type { CancellationReason } from '../domain/payment';

/**
 * A merchant cancels a payment that was authorized but not captured: the hold is released.
 * 1. Find it (another merchant's payment is "not found").
 * 2. Record the cancellation request, with the command that made it: only from `requires_capture`
 *    (PaymentNotCancelableError otherwise: a captured payment is refunded instead); the same command
 *    retried finds its own request and changes nothing.
 * 3. Run the payment's workflow to void the authorization, and answer with the payment as it left it
 *    (`canceled`).
 * 4. Close the capture window.
 */
export const requestPaymentCancel = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  command: { readonly merchantId: string; readonly paymentId: string; readonly reason: CancellationReason; readonly commandId: string },
): Promise<{ readonly before: Payment; readonly after: Payment }> => {
  // Read once, strongly consistent: the request is decided from this read and written over its version
  // (a change since is refused, read again and decided again: change-payment.ts).
  const before = await getPayment(deps, { merchantId: command.merchantId, paymentId: command.paymentId }, { consistent: true });
  const requested = await changePayment(deps.payments, before, (payment) =>
    payment.cancelCommandId === command.commandId ? undefined : requestCancel(payment, command.reason, deps.now(), command.commandId),
  );
  const after = requested.status === 'processing' ? await runPaymentWorkflow(deps, requested, 'cancel') : requested;
  await closeCaptureWindow(deps, after);
  return { before, after };
};
