import { PaymentNotInReviewError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import { awaitsRiskReview, recordReviewDecision } from '../../domain/payment-lifecycle';
import type { Refund } from '../../domain/refund';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { Workflows } from '../../ports/workflows';
import { createRefund } from '../create-refund';
import { changePayment, loadPayment } from '../payment-saga/change-payment';

/**
 * An operator decides a payment risk screening sent to review (the payment went ahead; it waits in the
 * operators' queue meanwhile: domain/risk.ts).
 *   approve: the review is cleared (the payment leaves the queue); nothing else changes.
 *   refund:  a refund of everything still refundable is started through the refund path (create-refund.ts:
 *            the same reservation, workflow and ledger postings as a merchant's refund, reason `fraudulent`),
 *            then the review is recorded `refunded`.
 * 1. Load the payment. Already decided the same way: answer it as it is (a retry changes nothing). Not in
 *    review, or decided the other way: PaymentNotInReviewError (409).
 * 2. refund: create the refund under a key derived from the payment (`risk_review:<payment id>`), so a retry
 *    finds the refund its first attempt made and refunds nothing twice; a payment not captured (yet) is
 *    refused by the refund path (PaymentNotRefundableError, 409) and stays in the queue.
 * 3. Record the decision, with the operator's note if any, on the payment (its timeline gets `payment.reviewed`;
 *    the note stays with operators), over the version read.
 */
export const reviewPayment = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  command: { readonly paymentId: string; readonly decision: 'approve' | 'refund'; readonly operator: string; readonly note?: string },
): Promise<{ readonly before: Payment; readonly after: Payment; readonly refund?: Refund }> => {
  const before = await loadPayment(deps.payments, command.paymentId);
  const recorded = command.decision === 'approve' ? 'approved' : 'refunded';
  if (before.risk?.review?.decision === recorded && command.decision === 'approve') return { before, after: before };
  if (!awaitsRiskReview(before) && before.risk?.review?.decision !== recorded) throw new PaymentNotInReviewError(before.id);
  let refund: Refund | undefined;
  if (command.decision === 'refund') {
    refund = await createRefund(deps, {
      merchantId: before.merchantId,
      idempotencyKey: `risk_review:${before.id}`,
      requestFingerprint: `risk_review_refund:${before.id}`,
      paymentId: before.id,
      reason: 'fraudulent',
    });
  }
  const after = await changePayment(deps.payments, before.id, (current) =>
    awaitsRiskReview(current) ? recordReviewDecision(current, recorded, command.operator, deps.now(), command.note) : undefined,
  );
  if (after.risk?.review?.decision !== recorded) throw new PaymentNotInReviewError(before.id);
  return { before, after, refund };
};
