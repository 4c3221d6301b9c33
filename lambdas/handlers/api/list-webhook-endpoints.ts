import { webhookContracts } from '../../contracts/webhooks';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointsFromEnvironment } from '../../shared/webhooks';
import { InvalidCursorError } from '../../domain/errors';
import { listWebhookEndpoints } from '../../use-cases/webhooks/manage-endpoints';

/** GET /v1/webhook_endpoints?limit=&starting_after= (newest first; a merchant has at most 16). */
const endpoints = webhookEndpointsFromEnvironment();

export const handler = merchantQueryEndpoint({
  operation: 'listWebhookEndpoints',
  query: webhookContracts.listWebhookEndpoints.query,
  handle: async (request) => {
    const all = await listWebhookEndpoints({ endpoints }, { merchantId: request.principal.merchantId });
    let start = 0;
    if (request.query.starting_after !== undefined) {
      start = all.findIndex((endpoint) => endpoint.id === request.query.starting_after) + 1;
      if (start === 0) throw new InvalidCursorError('starting_after', request.query.starting_after);
    }
    const page = all.slice(start, start + request.query.limit);
    return { status: 200, body: presentList(page.map(presentWebhookEndpoint), start + request.query.limit < all.length, '/v1/webhook_endpoints') };
  },
});
