import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WEBHOOK_ATTEMPTS_FAILED_MESSAGE } from '../../../platform/service-levels';
import { decodeTask } from '../../adapters/sqs/delivery-queue';
import type { DeliveryTask } from '../../ports/webhook-delivery';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { webhookSecretBox } from '../../wiring/webhook-secrets';
import {
  deliveryQueue,
  eventStore,
  webhookEndpointRepository,
  webhookSender,
  webhookTimeScale,
} from '../../wiring/webhooks';
import { type DeliverOutcome, deliverWebhookTask } from '../../use-cases/webhooks/deliver-webhooks';

/**
 * The webhook delivery queue's consumer. Each message is a task (some events of one page for one
 * endpoint); tasks run concurrently, and each sends at most PER_ENDPOINT_CONCURRENCY requests at once.
 * A task not yet due (a back-off longer than SQS's 15-minute delay) is hidden for the rest of its wait
 * (ChangeMessageVisibility) and reported as a batch item failure, so SQS keeps it; every other task is
 * done when it returns (its failures are retried as new messages). A task that throws is reported too:
 * SQS gives it again after the visibility timeout, and a message that keeps failing lands in the
 * dead-letter queue, which alarms. Logs ids and counts, never bodies or secrets.
 */
const PER_ENDPOINT_CONCURRENCY = 8;
const ANSWER_MARGIN_MS = 3_000;
const queue = deliveryQueue();
const deps = {
  events: eventStore(),
  endpoints: webhookEndpointRepository(),
  secrets: webhookSecretBox(),
  sender: webhookSender(),
  queue,
  now: () => new Date(),
  timeScale: webhookTimeScale(),
  perEndpointConcurrency: PER_ENDPOINT_CONCURRENCY,
};

const work = async (record: SQSRecord, deadlineMs: number): Promise<DeliverOutcome | 'failed'> => {
  let task: DeliveryTask;
  try {
    task = decodeTask(record.body);
  } catch (error) {
    logger.error('unreadable delivery task dropped', { message_id: record.messageId, error: error as Error });
    return 'failed';
  }
  try {
    const outcome = await deliverWebhookTask(deps, task, { deadlineMs });
    // One line per task with failed attempts, never on success: the delivery dashboard's failing-endpoints
    // table (lib/constructs/service-levels.ts) reads it. Ids and the failure only: no URL, body or secret.
    if (outcome.outcome === 'delivered' && outcome.failure) {
      logger.warn(WEBHOOK_ATTEMPTS_FAILED_MESSAGE, {
        merchant_id: task.merchantId,
        endpoint_id: task.endpointId,
        attempt: task.attempt,
        failed: outcome.failed,
        sent: outcome.sent,
        failure: outcome.failure.reason,
        endpoint_disabled: outcome.failure.disabled,
      });
    }
    if (outcome.outcome === 'not_due') {
      await queue.postpone(record.receiptHandle, outcome.waitSeconds);
    }
    return outcome;
  } catch (error) {
    logger.error('delivery task failed', { message_id: record.messageId, endpoint_id: task.endpointId, page: task.pageKey, error: error as Error });
    return 'failed';
  }
};

export const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deadlineMs = Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
  const outcomes = await Promise.all(event.Records.map(async (record) => ({ record, outcome: await work(record, deadlineMs) })));
  let sent = 0;
  let failed = 0;
  for (const { outcome } of outcomes) {
    if (typeof outcome === 'object' && outcome.outcome === 'delivered') {
      sent += outcome.sent;
      failed += outcome.failed;
    }
  }
  metrics.addMetric('WebhooksSent', MetricUnit.Count, sent);
  metrics.addMetric('WebhooksFailed', MetricUnit.Count, failed);
  const keep = outcomes.filter(({ outcome }) => outcome === 'failed' || outcome.outcome === 'not_due');
  return { batchItemFailures: keep.map(({ record }) => ({ itemIdentifier: record.messageId })) };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
