import { deployment } from './deployment';

/**
 * Every SQS queue, declared once. lib/ builds each (with its dead-letter queue, an alarm on it, and the
 * event source mapping to its consumer); local/sqs.ts serves the same queues, with the same consumer
 * settings, to the same handler. Functions learn a queue's URL from `<KEY>_QUEUE_URL`.
 */
export interface QueueDeclaration {
  readonly purpose: string;
  /** The function the queue invokes (platform/functions.ts, `invokedBy: 'queue'`). */
  readonly consumer: string;
  /** Must exceed the consumer's timeout (AWS recommends six times it for Lambda event source mappings). */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue (a message whose processing keeps crashing). */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  /** Messages per invocation. */
  readonly batchSize: number;
  /** How long the event source mapping gathers a batch. */
  readonly maxBatchingWindowSeconds: number;
  /** Invocations the event source mapping runs at once (Lambda's MaximumConcurrency, 2 to 1,000). */
  readonly maxConcurrency: number;
}

export const queues = {
  webhookDeliveries: {
    purpose:
      'Webhook delivery tasks: a page of events for one endpoint, first attempts and retries (delayed up to 15 minutes, hidden up to 12 hours for longer back-off); fair per endpoint (message group = endpoint).',
    consumer: 'deliverWebhooks',
    visibilityTimeoutSeconds: 720,
    maxReceiveCount: 8,
    // A retry waits up to 10 hours; a message outlives the whole schedule of one attempt by far.
    retentionDays: 4,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 20,
  },
} as const satisfies Record<string, QueueDeclaration>;

export type QueueKey = keyof typeof queues;

export const queueKeys = Object.keys(queues) as QueueKey[];

/** Physical name, identical in both regions (`xborder-webhook-deliveries`); its dead-letter queue adds `-dlq`. */
export const queueName = (key: QueueKey): string => `${deployment.appName}-${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`;

export const queueUrlEnvVar = (key: QueueKey): string => `${key.replace(/([A-Z])/g, '_$1').toUpperCase()}_QUEUE_URL`;
