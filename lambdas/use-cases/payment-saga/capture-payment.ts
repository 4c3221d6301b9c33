import { isTerminal } from '../../domain/payment';
import { type Approval, amountToCapture, withApproval } from '../../domain/payment-lifecycle';
import type { ChannelCaptureResult } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { channelKeys, loadPayment } from './change-payment';

/** What Capture answers (`$.progress.capture`): the channel's capture, and the approval the payment does not record yet. */
export type CaptureResult = ChannelCaptureResult;

/**
 * Capture at the channel (workflow step "Capture"): everything authorized for an automatic payment, the
 * amount the merchant asked for a manual one (the rest of the hold is released: a final capture). The
 * capture's idempotency key makes a repeated step get the same capture. Nothing is written here: the
 * next step posts the capture to the ledger and records it with the payment's success in one write.
 * CaptureFailed propagates (the hold is then voided); a timeout is retried, never guessed.
 * The authorization captured is the one the payment records, or else the approval Authorize answered in
 * this run (an automatic payment: decision record 0047), which the answer carries on to the next step.
 * Never without either; never for a payment that ended meanwhile (another run failed or canceled it).
 * Before the channel is asked, the merchant's ledger must be writable here (home region, not fenced): else
 * NotHomeRegionError propagates and the workflow voids the hold instead of capturing money it could not
 * book (docs/decisions/0024-home-region-routing-and-moves.md). A capture an earlier run made (its posting was
 * then held by the fence) is found by asking the channel under the capture's key, and answered again: the
 * next step holds its posting once more rather than anything being voided or refunded.
 */
export const capturePayment = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly channels: CardChannelDirectory;
    /** Throws NotHomeRegionError unless the merchant's ledger may be written in this region now. */
    readonly assertLedgerWritable: (merchantId: string) => Promise<void>;
  },
  input: { readonly paymentId: string; readonly approval?: Approval },
): Promise<CaptureResult> => {
  const stored = await loadPayment(deps.payments, input.paymentId);
  if (stored.captureId) return { captureId: stored.captureId, amount: stored.amountReceived };
  if (isTerminal(stored)) throw new Error(`Payment ${stored.id} ended ${stored.status} before its capture`);
  const payment = withApproval(stored, input.approval);
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has no authorization to capture`);
  const carried = stored.authorizationId ? {} : { approval: input.approval };
  const channel = deps.channels.channel(payment.channel);
  try {
    await deps.assertLedgerWritable(payment.merchantId);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'NotHomeRegionError')) throw error;
    const earlier = await channel.findOperation(channelKeys.capture(payment));
    if (earlier?.type === 'capture' && earlier.outcome === 'succeeded') return { captureId: earlier.capture.captureId, amount: earlier.capture.amount, ...carried };
    throw error;
  }
  const capture = await channel.capture({
    idempotencyKey: channelKeys.capture(payment),
    authorizationId: payment.authorizationId,
    amount: amountToCapture(payment),
    currency: payment.currency,
    finalCapture: true,
  });
  return { captureId: capture.captureId, amount: capture.amount, ...carried };
};
