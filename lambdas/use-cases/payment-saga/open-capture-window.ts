import { recordAwaitingCapture } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { Workflows } from '../../ports/workflows';
import { changePayment, loadPayment, stepResult } from './change-payment';

/** The longest a manual payment waits for its capture: the authorization's life minus a safety hour. */
export const CAPTURE_MARGIN_SECONDS = 60 * 60;
const MIN_WINDOW_SECONDS = 60;

export const captureWindowSeconds = (authorizationExpiresAt: string, now: Date): number =>
  Math.max(MIN_WINDOW_SECONDS, Math.floor((Date.parse(authorizationExpiresAt) - now.getTime()) / 1000) - CAPTURE_MARGIN_SECONDS);

/**
 * An authorized manual payment starts waiting for its merchant (workflow step "OpenCaptureWindow").
 * 1. A payment that needs something else answers it (a repeated run, or a capture already asked for).
 * 2. Start the capture window: a Standard workflow named by the payment id that waits, days if need be,
 *    for the merchant's capture or cancel and releases the authorization when it is about to expire.
 *    Starting it again is a no-op.
 * 3. Then move the payment to `requires_capture`: a merchant can only ask for a capture once a window
 *    exists to expire it otherwise.
 */
export const openCaptureWindow = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Pick<Workflows, 'openCaptureWindow'>; readonly now: () => Date },
  input: { readonly paymentId: string; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (nextPaymentStep(payment, input.action) !== 'open_capture_window') return stepResult(payment, input.action);
  if (!payment.authorizationExpiresAt) throw new Error(`Payment ${payment.id} has no authorization expiry`);
  await deps.workflows.openCaptureWindow({ paymentId: payment.id, captureWindowSeconds: captureWindowSeconds(payment.authorizationExpiresAt, deps.now()) });
  const waiting = await changePayment(deps.payments, payment, (current) =>
    nextPaymentStep(current, input.action) === 'open_capture_window' ? recordAwaitingCapture(current, deps.now()) : undefined,
  );
  return stepResult(waiting, input.action);
};
