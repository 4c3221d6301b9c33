import { webhookContracts } from '../../contracts/webhooks';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository } from '../../wiring/webhooks';
import { listWebhookEndpoints } from '../../use-cases/webhooks/manage-endpoints';

/** GET /v1/webhook_endpoints?limit=&starting_after=&ending_before= (newest first; a merchant has at most 16). */
const endpoints = webhookEndpointRepository();

export const handler = merchantQueryEndpoint({
  operation: 'listWebhookEndpoints',
  query: webhookContracts.listWebhookEndpoints.query,
  handle: async (request) => {
    const page = await listWebhookEndpoints({ endpoints }, listRequestOf(request.principal.merchantId, request.query));
    return { status: 200, body: presentList(page.items.map(presentWebhookEndpoint), page.hasMore, '/v1/webhook_endpoints') };
  },
});
