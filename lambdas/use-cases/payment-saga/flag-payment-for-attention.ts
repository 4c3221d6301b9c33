import { recordAttentionRequired } from '../../domain/payment-lifecycle';
import type { PaymentStepResult } from '../../domain/payment-saga';
import type { CardHolds } from '../../ports/card-holds';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment, loadPayment, stepResult } from './change-payment';

/**
 * A compensation failed for good, or a recovery gave up: money may sit in the wrong place (a hold not
 * released, a capture not refunded, a posting not reversed). Never silent: the payment shows
 * `requires_attention` with what failed, the handler emits the metric the alarm watches, and the
 * execution then fails visibly (docs/runbooks.md). The payment is final, so no authorization will ever use
 * its card: a hold still there (its runs never reached the authorization, and the hold was never read after it
 * expired) is discarded first.
 */
export const flagPaymentForAttention = async (
  deps: { readonly payments: PaymentRepository; readonly holds: Pick<CardHolds, 'discard'>; readonly now: () => Date },
  input: { readonly paymentId: string; readonly error: string; readonly step: string },
): Promise<PaymentStepResult> => {
  const current = await loadPayment(deps.payments, input.paymentId);
  await deps.holds.discard(current.id, current.merchantId);
  const payment = await changePayment(deps.payments, current, (latest) =>
    latest.status === 'requires_attention' ? undefined : recordAttentionRequired(latest, `${input.step} failed: ${input.error}`, deps.now()),
  );
  return stepResult(payment);
};
