import { type RefundStepResult, refundStepResult } from '../../domain/refund-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { paymentRefunded } from '../../domain/ledger/postings';
import { loadRefund } from './load-refund';

/**
 * Post a refund to the ledger (refund workflow step "PostRefundToLedger", the first): the ledger checks the
 * merchant can fund it (processing fees are not returned, so before settlement a refund may need
 * available funds). InsufficientFundsError propagates: the refund fails and nothing moved.
 * 1. A refund already ended answers `done` (a resumed run).
 * 2. Post, idempotently: the transaction id derives from the refund.
 */
export const postRefundToLedger = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: LedgerPostingDeps },
  input: { readonly refundId: string },
): Promise<RefundStepResult & { readonly transactionId?: string }> => {
  const refund = await loadRefund(deps.payments, input.refundId);
  if (refund.status !== 'pending') return refundStepResult(refund);
  const posted = await postLedgerEvent(deps.ledger, paymentRefunded, {
    merchantId: refund.merchantId,
    paymentId: refund.paymentId,
    refundId: refund.id,
    amount: refund.amount,
    currency: refund.currency,
  });
  return { ...refundStepResult(refund), transactionId: posted.transaction.id };
};
