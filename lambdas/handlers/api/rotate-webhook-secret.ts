import { webhookContracts } from '../../contracts/webhooks';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository } from '../../wiring/webhooks';
import { webhookSecretBox } from '../../wiring/webhook-secrets';
import { rotateWebhookSecret } from '../../use-cases/webhooks/manage-endpoints';

/** POST /v1/webhook_endpoints/{id}/rotate_secret: the new secret is in this answer only; the old one signs for 24 h more. */
const deps = { endpoints: webhookEndpointRepository(), secrets: webhookSecretBox(), now: () => new Date() };

export const handler = merchantCommandEndpoint({
  operation: 'rotateWebhookSecret',
  audit: { action: 'webhook_endpoint.rotate_secret' },
  body: webhookContracts.rotateWebhookSecret.body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { before, endpoint, secret } = await rotateWebhookSecret(deps, { merchantId: request.principal.merchantId, id: request.pathParameters.id ?? '' });
    const presented = presentWebhookEndpoint(endpoint);
    return {
      status: 200,
      body: presented,
      change: { target: { type: 'webhook_endpoint', id: endpoint.id }, before: presentWebhookEndpoint(before), after: presented },
      ...(secret ? { once: { secret } } : {}),
    };
  },
});
