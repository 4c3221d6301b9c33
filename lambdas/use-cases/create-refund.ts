import { IdempotencyKeyReusedError, ResourceNotFoundError } from '../domain/errors';
import { deriveId } from '../domain/ids';
import { refundableAmount, reserveRefund } from '../domain/payment-lifecycle';
import { type Refund, type RefundReason, newRefund } from '../domain/refund';
import type { PaymentRepository } from '../ports/payment-repository';
import type { Workflows } from '../ports/workflows';
import { changePayment } from './payment-saga/change-payment';
import { runRefundWorkflow } from './run-workflows';

/**
 * A merchant refunds all or part of a succeeded payment; several refunds may follow one another, their
 * total never above what was captured.
 * 1. Derive the refund id from the merchant and the Idempotency-Key; an existing refund under it is this
 *    request retried (same request) or a reused key (different request).
 * 2. Find the payment (another merchant's is "not found"); the amount defaults to what is still refundable.
 * 3. Reserve the amount on the payment and create the refund in one write, over the payment's version:
 *    concurrent refunds cannot together exceed the captured amount (AmountTooLargeError,
 *    PaymentNotRefundableError).
 * 4. Run the refund's workflow (Express, synchronously) and answer with the refund as it left it. A refund
 *    found already past its first run (the retry of a request whose response was lost) is answered as it is.
 */
export const createRefund = async (
  deps: { readonly payments: PaymentRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  command: {
    readonly merchantId: string;
    readonly idempotencyKey: string;
    readonly requestFingerprint: string;
    readonly paymentId: string;
    readonly amount?: number;
    readonly reason: RefundReason | null;
  },
): Promise<Refund> => {
  const id = deriveId('re', command.merchantId, command.idempotencyKey);
  let refund = await deps.payments.getRefund(id, { consistent: true });
  if (refund && refund.requestFingerprint !== command.requestFingerprint) throw new IdempotencyKeyReusedError();
  if (!refund) {
    const payment = await deps.payments.get(command.paymentId, { consistent: true });
    if (!payment || payment.merchantId !== command.merchantId) throw new ResourceNotFoundError('payment', command.paymentId);
    let created: Refund | undefined;
    await changePayment(
      deps.payments,
      payment,
      (payment) => {
        created = newRefund({
          id,
          merchantId: command.merchantId,
          paymentId: payment.id,
          amount: command.amount ?? refundableAmount(payment),
          currency: payment.currency,
          reason: command.reason,
          requestFingerprint: command.requestFingerprint,
          now: deps.now(),
        });
        return reserveRefund(payment, { refundId: id, amount: created.amount }, deps.now());
      },
      () => ({ newRefund: created }),
    );
    refund = created;
  }
  if (!refund) throw new ResourceNotFoundError('refund', id);
  // A refund no longer pending (succeeded or failed: final) is answered as stored, whenever the retry comes: nothing is refunded again.
  if (refund.status !== 'pending') return refund;
  return runRefundWorkflow(deps, refund);
};
