import { afterApproval, recordSuccess, withApproval } from '../../domain/payment-lifecycle';
import type { PaymentAction, PaymentStepResult } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { type CapturePostingDeps, postLedgerEvent } from '../ledger/postings';
import { paymentCaptured } from '../../domain/ledger/postings';
import type { CaptureResult } from './capture-payment';
import { changePayment, loadPayment, stepResult } from './change-payment';

/**
 * Post the capture to the ledger and complete the payment (workflow step "PostToLedger").
 * 1. Post: gross to the channel's receivable, the fee to platform revenue, the net to the merchant's
 *    pending funds. Idempotent: the transaction id derives from the payment, so a repeat returns the
 *    first posting. Only for a payment still in flight: one that ended (succeeded, or failed by another
 *    run) is posted already or must not be.
 * 2. Record the capture and the success in one write: the money is the merchant's. An automatic
 *    payment's approval, carried from Authorize through Capture (decision record 0047), is recorded in the
 *    same write: `payment.authorized`, then `payment.succeeded`.
 */
export const postCaptureToLedger = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: CapturePostingDeps; readonly now: () => Date },
  input: { readonly paymentId: string; readonly capture: CaptureResult; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const stored = await loadPayment(deps.payments, input.paymentId);
  const payment = withApproval(stored, input.capture.approval);
  if (!payment.channel) throw new Error(`Payment ${payment.id} has no channel`);
  if (payment.status === 'processing') {
    if (!payment.authorizationId) throw new Error(`Payment ${payment.id} has no authorization to post a capture of`);
    await postLedgerEvent(deps.ledger, paymentCaptured, {
      merchantId: payment.merchantId,
      paymentId: payment.id,
      channel: payment.channel,
      currency: payment.currency,
      amount: input.capture.amount,
      authorizedAmount: payment.amountAuthorized,
    });
  }
  const { captureId, amount } = input.capture;
  const succeeded = await changePayment(deps.payments, stored, (current) =>
    current.status === 'processing' && (current.authorizationId || input.capture.approval)
      ? afterApproval(current, input.capture.approval, (authorized) => recordSuccess(authorized, { captureId, amount }, deps.now()))
      : undefined,
  );
  return stepResult(succeeded, input.action);
};
