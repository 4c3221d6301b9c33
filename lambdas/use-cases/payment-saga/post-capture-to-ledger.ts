import type { PaymentRepository } from '../../ports/payment-repository';
import { type CapturePostingDeps, postPaymentCaptured } from '../ledger/postings';
import { loadPayment } from './change-payment';

/**
 * Post the capture to the ledger (saga step "PostToLedger"): gross to the channel's receivable, the fee
 * to platform revenue, the net to the merchant's pending funds. Idempotent: the transaction id derives
 * from the payment, so a retry returns the first posting.
 */
export const postCaptureToLedger = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: CapturePostingDeps },
  input: { readonly paymentId: string },
): Promise<{ transactionId: string }> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (!payment.captureId || !payment.channel) throw new Error(`Payment ${payment.id} has no capture to post`);
  const posted = await postPaymentCaptured(deps.ledger, {
    merchantId: payment.merchantId,
    paymentId: payment.id,
    channel: payment.channel,
    currency: payment.currency,
    amount: payment.amountReceived,
    authorizedAmount: payment.amountAuthorized,
  });
  return { transactionId: posted.transaction.id };
};
