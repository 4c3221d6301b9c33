import * as z from 'zod/mini';
import { EVENT_TYPES, isEventSelector } from '../../domain/events';
import { MAX_DESCRIPTION_LENGTH, MAX_ENABLED_EVENTS, MAX_URL_LENGTH, type UrlPolicy, type WebhookEndpoint, checkWebhookUrl } from '../../domain/webhooks';
import type { EventDelivery } from '../../use-cases/events/query-events';

/** Request schemas and public JSON of webhook endpoints and deliveries (docs/api.md, "Webhooks"). */
export const webhookUrlSchema = (policy: UrlPolicy) =>
  z.string({ error: 'must be a URL string' }).check(
    z.superRefine((url: string, context) => {
      const verdict = checkWebhookUrl(url, policy);
      if (!verdict.ok) context.addIssue({ code: 'custom', message: verdict.message, input: url });
    }),
  );

const selectorMessage = `must be "*", an event type such as "payment.succeeded", or "<object>.*" such as "payout.*" (types: ${EVENT_TYPES.join(', ')})`;

export const eventSelectorSchema = z.string({ error: selectorMessage }).check(z.refine(isEventSelector, { error: selectorMessage }));

export const enabledEventsSchema = z
  .array(eventSelectorSchema, { error: 'must be a list of event types' })
  .check(
    z.minLength(1, { error: 'must list at least one event type (or "*")' }),
    z.maxLength(MAX_ENABLED_EVENTS, { error: `must list at most ${MAX_ENABLED_EVENTS} event types` }),
  );

const endpointDescriptionMessage = `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`;
export const endpointDescriptionSchema = z.nullable(
  z.string({ error: endpointDescriptionMessage }).check(z.maxLength(MAX_DESCRIPTION_LENGTH, { error: endpointDescriptionMessage })),
);

export { MAX_URL_LENGTH };

/** An endpoint as its merchant sees it: never a secret (the create and rotate answers add it once). */
export const presentWebhookEndpoint = (endpoint: WebhookEndpoint) => ({
  id: endpoint.id,
  object: 'webhook_endpoint' as const,
  url: endpoint.url,
  enabled_events: endpoint.enabledEvents,
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
  livemode: false,
});

export const presentDelivery = (eventId: string, delivery: EventDelivery) => ({
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
