import { paymentContracts } from '../../contracts/payments';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentRefund } from '../../shared/http/presenters';
import { paymentRepository, workflows } from '../../wiring/payments';
import { createRefund } from '../../use-cases/create-refund';

/** POST /v1/refunds — `amount` defaults to everything still refundable. */
const body = paymentContracts.createRefund.body;

export const handler = merchantCommandEndpoint({
  operation: 'createRefund',
  homeRegionOnly: true,
  audit: { action: 'refund.create' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const refund = await createRefund(
      { payments: paymentRepository(), workflows: workflows(), now: () => new Date(), deadline: request.deadline },
      {
        merchantId: request.principal.merchantId,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: request.requestFingerprint,
        paymentId: request.body.payment_id,
        amount: request.body.amount,
        reason: request.body.reason,
      },
    );
    const presented = presentRefund(refund);
    // Also on a retry that finds the refund its first attempt created: recorded at least once.
    return { status: 201, body: presented, change: { target: { type: 'refund', id: refund.id }, before: null, after: presented } };
  },
});
