import { merchantDeleteEndpoint } from '../../shared/http/merchant-delete-endpoint';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository } from '../../wiring/webhooks';
import { deleteWebhookEndpoint } from '../../use-cases/webhooks/manage-endpoints';

/** DELETE /v1/webhook_endpoints/{id}: nothing more is sent to it (tasks already queued are dropped). */
const endpoints = webhookEndpointRepository();

export const handler = merchantDeleteEndpoint({
  operation: 'deleteWebhookEndpoint',
  audit: { action: 'webhook_endpoint.delete' },
  handle: async (request) => {
    const endpoint = await deleteWebhookEndpoint({ endpoints }, { merchantId: request.principal.merchantId, id: request.pathParameters.id ?? '' });
    const presented = presentWebhookEndpoint(endpoint);
    return {
      status: 200,
      body: { id: endpoint.id, object: 'webhook_endpoint' as const, deleted: true },
      change: { target: { type: 'webhook_endpoint', id: endpoint.id }, before: presented, after: null },
    };
  },
});
