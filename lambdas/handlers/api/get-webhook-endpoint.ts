import { webhookContracts } from '../../contracts/webhooks';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository } from '../../wiring/webhooks';
import { getWebhookEndpoint } from '../../use-cases/webhooks/manage-endpoints';

/** GET /v1/webhook_endpoints/{id} */
const endpoints = webhookEndpointRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getWebhookEndpoint',
  query: webhookContracts.getWebhookEndpoint.query,
  handle: async (request) => {
    const endpoint = await getWebhookEndpoint({ endpoints }, { merchantId: request.principal.merchantId, id: request.pathParameters.id ?? '' });
    return { status: 200, body: presentWebhookEndpoint(endpoint) };
  },
});
