import { recordSuccess } from '../../domain/payment-lifecycle';
import type { PaymentAction, PaymentStepResult } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { type CapturePostingDeps, postLedgerEvent } from '../ledger/postings';
import { paymentCaptured } from '../../domain/ledger/postings';
import { changePayment, loadPayment, stepResult } from './change-payment';

/**
 * Post the capture to the ledger and complete the payment (workflow step "PostToLedger").
 * 1. Post: gross to the channel's receivable, the fee to platform revenue, the net to the merchant's
 *    pending funds. Idempotent: the transaction id derives from the payment, so a repeat returns the
 *    first posting.
 * 2. Record the capture and the success in one write: the money is the merchant's.
 */
export const postCaptureToLedger = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: CapturePostingDeps; readonly now: () => Date },
  input: { readonly paymentId: string; readonly capture: { readonly captureId: string; readonly amount: number }; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (!payment.channel) throw new Error(`Payment ${payment.id} has no channel`);
  if (payment.status !== 'succeeded') {
    await postLedgerEvent(deps.ledger, paymentCaptured, {
      merchantId: payment.merchantId,
      paymentId: payment.id,
      channel: payment.channel,
      currency: payment.currency,
      amount: input.capture.amount,
      authorizedAmount: payment.amountAuthorized,
    });
  }
  const succeeded = await changePayment(deps.payments, payment, (current) =>
    current.status === 'processing' && current.authorizationId ? recordSuccess(current, input.capture, deps.now()) : undefined,
  );
  return stepResult(succeeded, input.action);
};
