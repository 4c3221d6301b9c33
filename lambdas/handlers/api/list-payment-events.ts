import { paymentContracts } from '../../contracts/payments';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList, presentPaymentEvent } from '../../shared/http/presenters';
import { paymentRepository } from '../../wiring/payments';
import { listPaymentEvents } from '../../use-cases/list-payment-events';

/** GET /v1/payments/{id}/events — the payment's timeline, oldest first. */
export const handler = merchantQueryEndpoint({
  operation: 'listPaymentEvents',
  query: paymentContracts.listPaymentEvents.query,
  handle: async (request) => {
    const paymentId = request.pathParameters.id ?? '';
    const events = await listPaymentEvents({ payments: paymentRepository() }, { merchantId: request.principal.merchantId, paymentId });
    return { status: 200, body: presentList(events.map(presentPaymentEvent), false, `/v1/payments/${paymentId}/events`) };
  },
});
