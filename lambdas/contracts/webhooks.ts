import * as z from 'zod/mini';
import { EVENT_OBJECTS, EVENT_TYPES } from '../domain/events';
import { MAX_DESCRIPTION_LENGTH, MAX_ENABLED_EVENTS, MAX_URL_LENGTH, type UrlPolicy, checkWebhookUrl } from '../domain/webhooks';
import { type RouteContract, listOf, nullableTimestamp, timestamp } from './common';
import { createdListQuerySchema, emptyBody, idSchema, listQuerySchema, noQuery } from './fields';
import { jsonSchemaHint } from './json-schema-hints';

/** Webhook endpoints and events: request and response schemas (docs/api.md, "Webhooks" and "Events"). */

/**
 * An endpoint URL: https (http to loopback in the local runtime), no credentials, no address inside our
 * network. The policy is the deployment's; JSON Schema carries the length and the description.
 */
export const webhookUrlSchema = (policy: UrlPolicy) =>
  jsonSchemaHint(
    z.string({ error: 'must be a URL string' }).check(
      z.superRefine((url: string, context) => {
        const verdict = checkWebhookUrl(url, policy);
        if (!verdict.ok) context.addIssue({ code: 'custom', message: verdict.message, input: url });
      }),
    ),
    { format: 'uri', maxLength: MAX_URL_LENGTH, description: 'An https URL on a public address (checked when created and on every delivery).' },
  );

/** `*`, an event type, or every type of one object (`payout.*`). */
export const EVENT_SELECTORS = ['*', ...EVENT_TYPES, ...EVENT_OBJECTS.map((object) => `${object}.*`)] as [string, ...string[]];

const selectorMessage = `must be "*", an event type such as "payment.succeeded", or "<object>.*" such as "payout.*" (types: ${EVENT_TYPES.join(', ')})`;

export const eventSelectorSchema = z.enum(EVENT_SELECTORS, { error: selectorMessage });

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

export const createWebhookEndpointBody = (policy: UrlPolicy) =>
  z.strictObject(
    {
      url: webhookUrlSchema(policy),
      enabled_events: enabledEventsSchema,
      description: z._default(endpointDescriptionSchema, null),
    },
    { error: 'must be a JSON object' },
  );

export const updateWebhookEndpointBody = (policy: UrlPolicy) =>
  z.strictObject(
    {
      url: z.optional(webhookUrlSchema(policy)),
      enabled_events: z.optional(enabledEventsSchema),
      description: z.optional(endpointDescriptionSchema),
      disabled: z.optional(z.boolean({ error: 'must be true (stop sending) or false (send again)' })),
    },
    { error: 'must be a JSON object' },
  );

export const redeliverEventBody = z.strictObject({ endpoint_id: z.optional(idSchema('webhook_endpoint')) }, { error: 'must be a JSON object' });

/** `type` is an event type or `<object>.*`; `created[...]` bounds are Unix seconds (as Stripe's) or ISO 8601 times. */
export const listEventsQuery = createdListQuerySchema('event', { type: z.optional(eventSelectorSchema) });

export const webhookEndpointSchema = z.strictObject({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  enabled_events: z.array(z.string()),
  description: z.nullable(z.string()),
  status: z.enum(['enabled', 'disabled']),
  disabled_reason: z.nullable(z.string()),
  disabled_at: nullableTimestamp,
  failing_since: nullableTimestamp,
  last_failure: z.nullable(z.string()),
  secret_rotation: z.nullable(z.strictObject({ previous_secret_expires_at: nullableTimestamp })),
  created_at: timestamp,
  livemode: z.boolean(),
});
export type WebhookEndpointJson = z.output<typeof webhookEndpointSchema>;

/** The create and rotate answers add the signing secret, once: a replay of the same request answers without it. */
export const webhookEndpointWithSecretSchema = z.strictObject({ ...webhookEndpointSchema.def.shape, secret: z.optional(z.string()) });

export const deletedWebhookEndpointSchema = z.strictObject({ id: z.string(), object: z.literal('webhook_endpoint'), deleted: z.literal(true) });

export const eventSchema = z.strictObject({
  id: z.string(),
  object: z.literal('event'),
  type: z.enum(EVENT_TYPES),
  created_at: timestamp,
  /** The object's version after the change: a receiver drops an event older than one it applied. */
  sequence: z.int(),
  data: z.strictObject({ object: z.record(z.string(), z.unknown()) }),
  livemode: z.boolean(),
});
export type EventJson = z.output<typeof eventSchema>;

export const deliverySchema = z.strictObject({
  object: z.literal('webhook_delivery'),
  event_id: z.string(),
  endpoint_id: z.string(),
  attempt: z.int(),
  redelivery: z.boolean(),
  status: z.enum(['succeeded', 'failed']),
  response_status: z.nullable(z.int()),
  latency_ms: z.int(),
  error: z.nullable(z.string()),
  attempted_at: timestamp,
  next_attempt_at: nullableTimestamp,
});
export type DeliveryJson = z.output<typeof deliverySchema>;

export const eventRedeliverySchema = z.strictObject({ object: z.literal('event_redelivery'), event: eventSchema, endpoint_ids: z.array(z.string()) });

export const webhookEndpointListSchema = listOf(webhookEndpointSchema);
export const eventListSchema = listOf(eventSchema);
export const deliveryListSchema = listOf(deliverySchema);

export const webhookSchemas = {
  WebhookEndpoint: webhookEndpointSchema,
  WebhookEndpointWithSecret: webhookEndpointWithSecretSchema,
  DeletedWebhookEndpoint: deletedWebhookEndpointSchema,
  WebhookEndpointList: webhookEndpointListSchema,
  Event: eventSchema,
  EventList: eventListSchema,
  WebhookDelivery: deliverySchema,
  WebhookDeliveryList: deliveryListSchema,
  EventRedelivery: eventRedeliverySchema,
};

const endpoint = { description: 'The webhook endpoint', schema: webhookEndpointSchema };

export const webhookContracts = {
  createWebhookEndpoint: {
    tag: 'Webhooks',
    summary: 'Register a webhook endpoint',
    description: 'The signing secret (`secret`) is in this answer only.',
    body: createWebhookEndpointBody('public'),
    responses: { 201: { description: 'The endpoint and, once, its signing secret', schema: webhookEndpointWithSecretSchema } },
  },
  listWebhookEndpoints: {
    tag: 'Webhooks',
    summary: 'List webhook endpoints, newest first',
    query: listQuerySchema('webhook_endpoint'),
    responses: { 200: { description: 'One page of endpoints', schema: webhookEndpointListSchema } },
  },
  getWebhookEndpoint: { tag: 'Webhooks', summary: 'Retrieve a webhook endpoint', query: noQuery, responses: { 200: endpoint } },
  updateWebhookEndpoint: {
    tag: 'Webhooks',
    summary: 'Change, disable or re-enable a webhook endpoint',
    body: updateWebhookEndpointBody('public'),
    responses: { 200: endpoint },
  },
  deleteWebhookEndpoint: {
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint',
    responses: { 200: { description: 'The endpoint deleted', schema: deletedWebhookEndpointSchema } },
  },
  rotateWebhookSecret: {
    tag: 'Webhooks',
    summary: "Rotate an endpoint's signing secret",
    description: 'The previous secret keeps signing for 24 hours; the new one is in this answer only.',
    body: emptyBody,
    responses: { 200: { description: 'The endpoint and, once, its new signing secret', schema: webhookEndpointWithSecretSchema } },
  },
  listEvents: {
    tag: 'Events',
    summary: 'List events of the last 30 days, newest first',
    query: listEventsQuery,
    responses: { 200: { description: 'One page of events', schema: eventListSchema } },
  },
  getEvent: { tag: 'Events', summary: 'Retrieve an event', query: noQuery, responses: { 200: { description: 'The event', schema: eventSchema } } },
  listEventDeliveries: {
    tag: 'Events',
    summary: "Every attempt to deliver an event, oldest first",
    query: noQuery,
    responses: { 200: { description: 'The delivery attempts', schema: deliveryListSchema } },
  },
  redeliverEvent: {
    tag: 'Events',
    summary: 'Send an event again, to one endpoint or every subscribed one',
    body: redeliverEventBody,
    responses: { 202: { description: 'The redelivery queued', schema: eventRedeliverySchema } },
  },
} as const satisfies Record<string, RouteContract>;
