import { deployment } from '../../../platform/deployment';
import type { DeliveryJson, WebhookEndpointJson } from '../../contracts/webhooks';
import type { WebhookEndpoint } from '../../domain/webhooks';
import type { EventDelivery } from '../../use-cases/events/query-events';

/** Public JSON of webhook endpoints and deliveries (docs/api.md, "Webhooks"); their schemas are lambdas/contracts/webhooks.ts. */
export { MAX_URL_LENGTH, enabledEventsSchema, endpointDescriptionSchema, eventSelectorSchema, webhookUrlSchema } from '../../contracts/webhooks';

/** An endpoint as its merchant sees it: never a secret (the create and rotate answers add it once). */
export const presentWebhookEndpoint = (endpoint: WebhookEndpoint): WebhookEndpointJson => ({
  id: endpoint.id,
  object: 'webhook_endpoint' as const,
  url: endpoint.url,
  enabled_events: [...endpoint.enabledEvents],
  description: endpoint.description,
  status: endpoint.status,
  disabled_reason: endpoint.disabledReason,
  disabled_at: endpoint.disabledAt,
  failing_since: endpoint.failingSince,
  last_failure: endpoint.lastFailure,
  secret_rotation: endpoint.secrets.some((secret) => secret.expiresAt !== null)
    ? { previous_secret_expires_at: endpoint.secrets.filter((secret) => secret.expiresAt !== null).map((secret) => secret.expiresAt as string).sort().at(-1) ?? null }
    : null,
  created_at: endpoint.createdAt,
  livemode: deployment.live,
});

export const presentDelivery = (eventId: string, delivery: EventDelivery): DeliveryJson => ({
  object: 'webhook_delivery' as const,
  event_id: eventId,
  endpoint_id: delivery.endpointId,
  attempt: delivery.attempt,
  redelivery: delivery.kind === 'redelivery',
  status: delivery.succeeded ? ('succeeded' as const) : ('failed' as const),
  response_status: delivery.result.status,
  latency_ms: Math.round(delivery.result.latencyMs),
  error: delivery.result.error,
  attempted_at: delivery.attemptedAt,
  next_attempt_at: delivery.nextAttemptAt,
});
