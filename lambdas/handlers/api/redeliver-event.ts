import { webhookContracts } from '../../contracts/webhooks';
import { presentEvent } from '../../domain/events';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { deliveryQueue, eventStore, webhookEndpointRepository } from '../../wiring/webhooks';
import { redeliverEvent } from '../../use-cases/events/query-events';

/** POST /v1/events/{id}/redeliver: `{"endpoint_id": "we_..."}` for one endpoint, `{}` for every enabled one subscribed to its type. */
const deps = { events: eventStore(), endpoints: webhookEndpointRepository(), queue: deliveryQueue(), now: () => new Date() };

export const handler = merchantCommandEndpoint({
  operation: 'redeliverEvent',
  audit: { action: 'event.redeliver' },
  body: webhookContracts.redeliverEvent.body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { event, endpointIds } = await redeliverEvent(deps, {
      merchantId: request.principal.merchantId,
      id: request.pathParameters.id ?? '',
      endpointId: request.body.endpoint_id,
      commandId: request.commandId,
    });
    const body = { object: 'event_redelivery' as const, event: presentEvent(event.id, event.event), endpoint_ids: endpointIds };
    return { status: 202, body, change: { target: { type: 'event', id: event.id }, before: null, after: { endpoint_ids: endpointIds } } };
  },
});
