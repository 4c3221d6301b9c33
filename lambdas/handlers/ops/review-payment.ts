import * as z from 'zod/mini';
import { assertMerchantAcceptsMoneyMovementsHere } from '../../wiring/home-region';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { presentPaymentRisk } from '../../shared/http/operations-presenters';
import { presentPayment, presentRefund } from '../../shared/http/presenters';
import { operatorNoteSchema } from '../../shared/http/schemas';
import { paymentRepository, workflows } from '../../wiring/payments';
import { reviewPayment } from '../../use-cases/operations/review-payment';

/**
 * Operator API: POST /v1/payments/{id}/review (ops_admin), body `{"decision": "approve"|"refund", "note"?}`: the
 * decision on a payment risk screening sent to review (GET /v1/payments without a merchant lists them).
 * `approve` clears it; `refund` refunds what is still refundable through the refund path, then clears it.
 * 409 `payment_not_in_review` when the payment is not waiting for a decision; 409 `payment_not_refundable`
 * for a refund of a payment not captured. Audited in the payment's merchant's chain; the note is kept with the
 * decision (`risk.review.note`) and so in the audit entry's after-image.
 */
/** How long the handler waits for the refund's workflow run (its timeout, platform/functions.ts, is 27 s; API Gateway's 29 s). */
const RUN_BUDGET_MS = 20_000;

const decisionMessage = 'must be "approve" or "refund"';
const body = z.strictObject(
  { decision: z.enum(['approve', 'refund'], { error: decisionMessage }), note: z.optional(operatorNoteSchema) },
  { error: 'must be a JSON object: {"decision": "approve" | "refund", "note"?: "..."}' },
);

const present = (payment: Parameters<typeof presentPayment>[0]) => ({ ...presentPayment(payment), merchant_id: payment.merchantId, risk: presentPaymentRisk(payment) });

export const handler = operatorCommandEndpoint({
  operation: 'opsReviewPayment',
  audit: { action: 'payment.review' },
  body,
  handle: async (request) => {
    const paymentId = request.pathParameters.id ?? '';
    // `<role>/<session>`: who decided, in the payment's own record (the audit entry keeps the full ARN).
    const operator = `${request.principal.role}/${request.principal.session}`.slice(0, 128).replace(/\s/g, '_');
    const payments = paymentRepository();
    const deps = { payments, workflows: workflows(), now: () => new Date(), deadline: Date.now() + RUN_BUDGET_MS };
    if (request.body.decision === 'refund') {
      // A refund is a money movement: only in the merchant's home region (docs/decisions/0024), as a merchant's own.
      const payment = await payments.get(paymentId);
      if (payment) await assertMerchantAcceptsMoneyMovementsHere(payment.merchantId);
    }
    const { before, after, refund } = await reviewPayment(deps, { paymentId, decision: request.body.decision, operator, note: request.body.note?.trim() || undefined });
    const presented = { ...present(after), refund: refund ? presentRefund(refund) : null };
    return {
      status: 200,
      body: presented,
      change:
        before.version === after.version ? undefined : { merchantId: after.merchantId, target: { type: 'payment', id: after.id }, before: present(before), after: presented },
    };
  },
});
