import { ChangeMessageVisibilityCommand, type SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { DeliveryQueue, DeliveryTask } from '../../ports/webhook-delivery';

/**
 * The webhook delivery queue on SQS (platform/queues.ts `webhookDeliveries`). A task is a small JSON
 * message naming its page and events (never the events themselves). Each message's group id is its
 * endpoint: on a standard queue that makes it a fair queue, so one merchant's backlog or slow endpoint
 * does not hold back the others' messages. Sent ten at a time (SendMessageBatch), retried on partial failure.
 */
export const encodeTask = (task: DeliveryTask): string =>
  JSON.stringify({
    v: 1,
    m: task.merchantId,
    w: task.endpointId,
    p: task.pageKey,
    i: task.indexes,
    a: task.attempt,
    k: task.kind === 'redelivery' ? 'r' : 'w',
    d: task.dueMs,
    s: task.source,
    ...(task.redeliveryId ? { r: task.redeliveryId } : {}),
  });

export const decodeTask = (body: string): DeliveryTask => {
  const message = JSON.parse(body) as Record<string, unknown>;
  if (message.v !== 1) throw new Error(`unknown delivery task version ${String(message.v)}`);
  return {
    merchantId: message.m as string,
    endpointId: message.w as string,
    pageKey: message.p as string,
    indexes: message.i as number[],
    attempt: message.a as number,
    kind: message.k === 'r' ? 'redelivery' : 'webhook',
    dueMs: message.d as number,
    source: message.s as string,
    ...(typeof message.r === 'string' ? { redeliveryId: message.r } : {}),
  };
};

const BATCH = 10;
const MAX_ROUNDS = 5;

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(tasks: readonly { task: DeliveryTask; delaySeconds: number }[]): Promise<void> {
    for (let offset = 0; offset < tasks.length; offset += BATCH) {
      let entries = tasks.slice(offset, offset + BATCH).map(({ task, delaySeconds }, index) => ({
        Id: String(index),
        MessageBody: encodeTask(task),
        MessageGroupId: task.endpointId,
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
      }));
      for (let round = 1; entries.length > 0; round += 1) {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
        if (failed.size === 0) break;
        if (round >= MAX_ROUNDS) throw new Error(`could not enqueue ${failed.size} webhook deliveries: ${(result.Failed ?? []).map((failure) => failure.Code).join(', ')}`);
        entries = entries.filter((entry) => failed.has(entry.Id));
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      }
    }
  }

  /** Hides a received message for `seconds` (a task not due yet: SQS delays only up to 15 minutes). */
  async postpone(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  }
}
