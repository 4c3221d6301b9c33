import { paymentContracts } from '../../contracts/payments';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayment } from '../../shared/http/presenters';
import { paymentRepository, workflows } from '../../wiring/payments';
import { requestPaymentCapture } from '../../use-cases/request-payment-capture';

/** POST /v1/payments/{id}/capture — `amount_to_capture` defaults to everything authorized. */
const body = paymentContracts.requestPaymentCapture.body;

export const handler = merchantCommandEndpoint({
  operation: 'capturePayment',
  homeRegionOnly: true,
  audit: { action: 'payment.capture' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { before, after } = await requestPaymentCapture(
      { payments: paymentRepository(), workflows: workflows(), now: () => new Date(), deadline: request.deadline },
      { merchantId: request.principal.merchantId, paymentId: request.pathParameters.id ?? '', amountToCapture: request.body.amount_to_capture, commandId: request.commandId },
    );
    const presented = presentPayment(after);
    return { status: 200, body: presented, change: { target: { type: 'payment', id: after.id }, before: presentPayment(before), after: presented } };
  },
});
