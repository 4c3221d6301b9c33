import { webhookContracts } from '../../contracts/webhooks';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentDelivery } from '../../shared/http/webhook-schemas';
import { eventStore } from '../../wiring/webhooks';
import { listEventDeliveries } from '../../use-cases/events/query-events';

/** GET /v1/events/{id}/deliveries: every attempt to deliver the event, oldest first. */
const events = eventStore();

export const handler = merchantQueryEndpoint({
  operation: 'listEventDeliveries',
  query: webhookContracts.listEventDeliveries.query,
  handle: async (request) => {
    const id = request.pathParameters.id ?? '';
    const deliveries = await listEventDeliveries({ events, now: () => new Date() }, { merchantId: request.principal.merchantId, id });
    return { status: 200, body: presentList(deliveries.map((delivery) => presentDelivery(id, delivery)), false, `/v1/events/${id}/deliveries`) };
  },
});
