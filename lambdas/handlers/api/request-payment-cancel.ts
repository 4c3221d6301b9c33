import { paymentContracts } from '../../contracts/payments';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { paymentRepository, workflows } from '../../wiring/payments';
import { requestPaymentCancel } from '../../use-cases/request-payment-cancel';

/** POST /v1/payments/{id}/cancel — only before capture; the authorization is released. */
const body = paymentContracts.requestPaymentCancel.body;

export const handler = merchantCommandEndpoint({
  operation: 'cancelPayment',
  audit: { action: 'payment.cancel' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { before, after } = await requestPaymentCancel(
      { payments: paymentRepository(), workflows: workflows(), now: () => new Date(), deadline: request.deadline },
      { merchantId: request.principal.merchantId, paymentId: request.pathParameters.id ?? '', reason: request.body.cancellation_reason, commandId: request.commandId },
    );
    const presented = presentPayment(after);
    return { status: 200, body: presented, change: { target: { type: 'payment', id: after.id }, before: presentPayment(before), after: presented } };
  },
});
