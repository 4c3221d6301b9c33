import * as z from 'zod/mini';
import { queueUrlEnvVar } from '../../platform/queues';
import { DynamoDbEventStore } from '../adapters/dynamodb/event-store';
import { DynamoDbWebhookEndpointRepository } from '../adapters/dynamodb/webhook-endpoint-repository';
import { NodeWebhookSender } from '../adapters/http/webhook-sender';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import type { UrlPolicy } from '../domain/webhooks';
import type { EventStore } from '../ports/event-store';
import type { DeliveryQueue, WebhookSender } from '../ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../ports/webhook-endpoints';
import { dynamoDbDocumentClient, sqsClient } from '../shared/clients';
import { readConfig, tableNameFromEnv, requiredVariable } from '../shared/config';

/**
 * The composition root of the events and webhooks area (lambdas/wiring/, decision 0037): its adapters of this function instance, built once from its environment (only what
 * the function's declaration grants it: platform/functions.ts). WEBHOOK_URL_POLICY is `public` unless the
 * local runtime says `local`; WEBHOOK_TIME_SCALE shrinks the retry schedule for local drills only. The
 * secret box is in ./webhook-secrets.ts: only the functions allowed to use KMS for webhook secrets bundle it.
 */
const config = readConfig({
  WEBHOOK_URL_POLICY: z._default(z.enum(['public', 'local']), 'public'),
  WEBHOOK_TIME_SCALE: z._default(z.coerce.number().check(z.refine((value) => value > 0 && value <= 1, { error: 'must be in (0, 1]' })), 1),
});

export const webhookUrlPolicy = (): UrlPolicy => config.WEBHOOK_URL_POLICY;
export const webhookTimeScale = (): number => config.WEBHOOK_TIME_SCALE;

let events: EventStore | undefined;
export const eventStore = (): EventStore => {
  events ??= new DynamoDbEventStore(dynamoDbDocumentClient(), tableNameFromEnv('events'));
  return events;
};

let endpoints: WebhookEndpointRepository | undefined;
export const webhookEndpointRepository = (): WebhookEndpointRepository => {
  endpoints ??= new DynamoDbWebhookEndpointRepository(dynamoDbDocumentClient(), tableNameFromEnv('events'));
  return endpoints;
};

let queue: DeliveryQueue | undefined;
export const deliveryQueue = (): DeliveryQueue => {
  if (!queue) {
    const variable = queueUrlEnvVar('webhookDeliveries');
    queue = new SqsDeliveryQueue(sqsClient(), requiredVariable(variable));
  }
  return queue;
};

let sender: WebhookSender | undefined;
export const webhookSender = (): WebhookSender => {
  sender ??= new NodeWebhookSender(config.WEBHOOK_URL_POLICY);
  return sender;
};
