import { webhookContracts } from '../../contracts/webhooks';
import { presentEvent } from '../../domain/events';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { eventStore } from '../../wiring/webhooks';
import { getEvent } from '../../use-cases/events/query-events';

/** GET /v1/events/{id}: the event exactly as its webhooks carry it. */
const events = eventStore();

export const handler = merchantQueryEndpoint({
  operation: 'getEvent',
  query: webhookContracts.getEvent.query,
  handle: async (request) => {
    const found = await getEvent({ events, now: () => new Date() }, { merchantId: request.principal.merchantId, id: request.pathParameters.id ?? '' });
    return { status: 200, body: presentEvent(found.id, found.event) };
  },
});
