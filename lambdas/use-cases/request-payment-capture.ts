import type { Payment } from '../domain/payment';
import { requestCapture } from '../domain/payment-lifecycle';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { closeCaptureWindow } from './close-capture-window';
import { getPayment } from './get-payment';
import { changePayment } from './payment-saga/change-payment';
import { runPaymentWorkflow } from './run-workflows';

/**
 * A merchant captures a manual payment, all or part of what was authorized (the rest is released).
 * 1. Find it (another merchant's payment is "not found").
 * 2. Record the capture request, with the command that made it: only from `requires_capture`, only up to
 *    the capturable amount (PaymentNotCapturableError / AmountTooLargeError otherwise). Written over the
 *    version read, so two concurrent captures (or a capture and a cancel) cannot both pass; the same
 *    command retried finds its own request and changes nothing.
 * 3. Run the payment's workflow to capture and post it, and answer with the payment as it left it.
 * 4. Close the capture window (its waiting task learns the payment moved on).
 */
export const requestPaymentCapture = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  command: { readonly merchantId: string; readonly paymentId: string; readonly amountToCapture?: number; readonly commandId: string },
): Promise<{ readonly before: Payment; readonly after: Payment }> => {
  // Read once, strongly consistent: the request is decided from this read and written over its version
  // (a change since is refused, read again and decided again: change-payment.ts).
  const before = await getPayment(deps, { merchantId: command.merchantId, paymentId: command.paymentId }, { consistent: true });
  const requested = await changePayment(deps.payments, before, (payment) =>
    // This very command already asked (a retry after a crash): nothing to change, same answer.
    payment.captureRequested?.commandId === command.commandId
      ? undefined
      : requestCapture(payment, command.amountToCapture ?? payment.amountCapturable, deps.now(), command.commandId),
  );
  const after = requested.status === 'processing' ? await runPaymentWorkflow(deps, requested, 'capture') : requested;
  await closeCaptureWindow(deps, after);
  return { before, after };
};
