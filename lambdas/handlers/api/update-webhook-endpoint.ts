import { updateWebhookEndpointBody } from '../../contracts/webhooks';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentWebhookEndpoint } from '../../shared/http/webhook-schemas';
import { webhookEndpointRepository, webhookUrlPolicy } from '../../wiring/webhooks';
import { updateWebhookEndpoint } from '../../use-cases/webhooks/manage-endpoints';

/** POST /v1/webhook_endpoints/{id}: any of url, enabled_events, description, disabled. */
const deps = { endpoints: webhookEndpointRepository(), now: () => new Date() };

const body = updateWebhookEndpointBody(webhookUrlPolicy());

export const handler = merchantCommandEndpoint({
  operation: 'updateWebhookEndpoint',
  audit: { action: 'webhook_endpoint.update' },
  body,
  fingerprintView: (request) => request,
  handle: async (request) => {
    const { before, after } = await updateWebhookEndpoint(deps, {
      merchantId: request.principal.merchantId,
      id: request.pathParameters.id ?? '',
      changes: {
        url: request.body.url,
        enabledEvents: request.body.enabled_events,
        description: request.body.description,
        disabled: request.body.disabled,
      },
    });
    const presented = presentWebhookEndpoint(after);
    return {
      status: 200,
      body: presented,
      ...(after.version === before.version ? {} : { change: { target: { type: 'webhook_endpoint', id: after.id }, before: presentWebhookEndpoint(before), after: presented } }),
    };
  },
});
