import { createWebhookEndpointBody } from '../../contracts/webhooks';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository, webhookUrlPolicy } from '../../wiring/webhooks';
import { webhookSecretBox } from '../../wiring/webhook-secrets';
import { createWebhookEndpoint } from '../../use-cases/webhooks/manage-endpoints';

/** POST /v1/webhook_endpoints: the signing secret is in this answer only. */
const deps = { endpoints: webhookEndpointRepository(), secrets: webhookSecretBox(), now: () => new Date() };

const body = createWebhookEndpointBody(webhookUrlPolicy());

export const handler = merchantCommandEndpoint({
  operation: 'createWebhookEndpoint',
  audit: { action: 'webhook_endpoint.create' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { endpoint, secret } = await createWebhookEndpoint(deps, {
      merchantId: request.principal.merchantId,
      commandId: request.commandId,
      url: request.body.url,
      enabledEvents: request.body.enabled_events,
      description: request.body.description,
    });
    const presented = presentWebhookEndpoint(endpoint);
    return {
      status: 201,
      body: presented,
      change: { target: { type: 'webhook_endpoint', id: endpoint.id }, before: null, after: presented },
      // Never stored, not even in the idempotency record: a replay answers without it.
      ...(secret ? { once: { secret } } : {}),
    };
  },
});
