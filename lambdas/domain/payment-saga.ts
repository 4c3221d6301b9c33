import { type Payment, type PaymentState, isTerminal } from './payment';
import type { Approval } from './payment-lifecycle';

/**
 * Which step a payment needs next, decided from the payment alone, never from where an execution
 * happens to be. Every run of the payment workflow asks this after each step: the merchant's create,
 * capture and cancel, the capture window's expiry and a recovery after a crash all follow the same path
 * from whatever the payment records, so a step is never run out of order and a run that died is
 * finished by the next one (docs/decisions/0011-express-and-standard-workflows.md).
 *
 *   screen               risk rules and routing have not run
 *   authorize            screened, routed, no authorization recorded (nor approved in the run's state)
 *   capture              authorized, and automatic or asked to capture (a request in time wins over expiry)
 *   release              authorized, and asked to cancel or expired without a capture request
 *   open_capture_window  authorized manual payment not yet waiting for its merchant
 *   waiting              waits for its merchant; the capture window (Standard) holds it
 *   done                 succeeded, failed, canceled or requires attention
 */
export const PAYMENT_STEPS = ['screen', 'authorize', 'capture', 'release', 'open_capture_window', 'waiting', 'done'] as const;
export type PaymentStep = (typeof PAYMENT_STEPS)[number];

/** Why a workflow run asks: `expire` is the capture window closing on an authorization about to lapse. */
export const PAYMENT_ACTIONS = ['create', 'capture', 'cancel', 'expire', 'resume'] as const;
export type PaymentAction = (typeof PAYMENT_ACTIONS)[number];

export const nextPaymentStep = (payment: Payment | PaymentState, action: PaymentAction = 'resume', approval?: Approval): PaymentStep => {
  if (isTerminal(payment)) return 'done';
  if (!payment.risk) return 'screen';
  // An automatic payment's approval travels in the run's state (decision record 0047); a run without it
  // (a recovery) authorizes again, which asks the channel under the same key: never a second authorization.
  if (!payment.authorizationId && !approval) return 'authorize';
  if (payment.captureRequested) return 'capture';
  if (payment.cancellationReason || action === 'expire') return 'release';
  if (payment.captureMethod === 'automatic') return 'capture';
  return payment.status === 'requires_capture' ? 'waiting' : 'open_capture_window';
};

/**
 * What every payment workflow task answers: the payment as it now is (as stored), the step it needs next,
 * and, from Authorize on an automatic payment, the approval not written yet (decision record 0047).
 */
export interface PaymentStepResult {
  readonly next: PaymentStep;
  readonly payment: PaymentState;
  readonly approval?: Approval;
  /** From Authorize, an automatic payment's sale the channel captured (decision record 0053): PostToLedger is next. */
  readonly capture?: ChannelCaptureResult;
}

/**
 * A capture the channel made that the payment does not record yet (`$.progress.capture`): by the Capture step,
 * or by Authorize's sale (decision record 0053). PostToLedger records it, with the approval carried on
 * (decision record 0047), or RefundCapture gives it back.
 */
export interface ChannelCaptureResult {
  readonly captureId: string;
  readonly amount: number;
  readonly approval?: Approval;
}

/**
 * What a payment that fails after an error shows its merchant: the error a workflow step ended with
 * (its `name`, the ASL contract), as a stable failure code and message.
 */
const FAILURES: Readonly<Record<string, { readonly code: string; readonly message: string }>> = {
  ChannelTimeout: { code: 'processing_error', message: 'The card network did not answer in time; nothing was charged.' },
  ChannelUnavailable: { code: 'processing_error', message: 'The card network was unavailable; nothing was charged.' },
  ChannelRequestRejected: { code: 'processing_error', message: 'The card network refused the request.' },
  CaptureFailed: { code: 'capture_failed', message: 'The capture was refused by the card network; the authorization was released.' },
  AuthorizationExpired: { code: 'authorization_expired', message: 'The authorization expired before it was captured.' },
  NotHomeRegionError: {
    code: 'processing_error',
    message: "The merchant's payments moved to another region before this one was captured; the authorization was released and nothing was charged.",
  },
};
const DEFAULT_FAILURE = { code: 'processing_error', message: 'The payment could not be processed; nothing was kept.' } as const;

export const failureAfter = (errorName: string | undefined): { readonly code: string; readonly message: string } =>
  FAILURES[errorName ?? ''] ?? DEFAULT_FAILURE;
