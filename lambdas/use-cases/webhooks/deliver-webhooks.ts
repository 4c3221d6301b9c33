import { eventId, presentEvent } from '../../domain/events';
import { signedHeaders } from '../../domain/webhook-signature';
import {
  type AttemptResult,
  DISABLE_AFTER_FAILING_MS,
  type WebhookEndpoint,
  describeFailure,
  requestTimeoutMs,
  retryDelaySeconds,
  signingSecrets,
  succeeded,
} from '../../domain/webhooks';
import type { EventStore } from '../../ports/event-store';
import type { DeliveryQueue, DeliveryTask, WebhookSecretBox, WebhookSender } from '../../ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../../ports/webhook-endpoints';

/**
 * Deliver one task: some events of one page to one endpoint, in the Standard Webhooks format.
 *
 * 1. A task received before it is due (a retry waiting longer than the queue's 15-minute delay) is not
 *    worked on: it answers how long to wait, and the queue hides it that long.
 * 2. The endpoint is read: gone (deleted) means nothing to do; disabled means a webhook task is dropped
 *    (recorded, so the deliveries show why), while a redelivery the merchant asked for is still sent.
 * 3. The page is read, each event's body is the events API's own JSON (`presentEvent`), signed with every
 *    secret that signs now, and POSTed, at most `perEndpointConcurrency` at a time to this endpoint.
 * 4. One delivery record keeps what each event got (status, latency, error) and when the failed ones are
 *    tried again.
 * 5. Failed events go back to the queue as one task with the next attempt number, after the back-off of the
 *    schedule (domain/webhooks.ts; about three days in all). A run of failures is noted on the endpoint when
 *    it starts, cleared by the next success; an endpoint still failing after three days is disabled.
 * Events not attempted because the invocation ran out of time are queued again at once, same attempt.
 */
export interface DeliverDeps {
  readonly events: EventStore;
  readonly endpoints: WebhookEndpointRepository;
  readonly secrets: WebhookSecretBox;
  readonly sender: WebhookSender;
  readonly queue: DeliveryQueue;
  readonly now: () => Date;
  /** Scales the retry schedule, request timeout and disabling window (local drills); 1 in AWS. */
  readonly timeScale: number;
  /** Requests in flight to one endpoint from one task. */
  readonly perEndpointConcurrency: number;
}

export type DeliverOutcome =
  | {
      readonly outcome: 'delivered';
      readonly sent: number;
      readonly failed: number;
      readonly retried: number;
      /** When some failed: the last failure as the endpoint records it (`HTTP 500`, `timeout`...), and whether the endpoint was disabled. */
      readonly failure?: { readonly reason: string; readonly disabled: boolean };
    }
  | { readonly outcome: 'not_due'; readonly waitSeconds: number }
  | { readonly outcome: 'dropped'; readonly reason: 'endpoint_deleted' | 'endpoint_disabled' | 'page_expired' };

/** The most an SQS message can be hidden for (ChangeMessageVisibility): 12 hours. */
export const MAX_WAIT_SECONDS = 12 * 60 * 60 - 60;

const runLimited = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

const secretCache = new Map<string, { readonly secret: string; readonly until: number }>();
/** Decrypted secrets are kept this long per function instance: one KMS Decrypt per endpoint and version, not per message. */
const SECRET_CACHE_MS = 5 * 60 * 1000;

const openSecrets = async (deps: DeliverDeps, endpoint: WebhookEndpoint, now: Date): Promise<string[]> =>
  Promise.all(
    signingSecrets(endpoint, now).map(async (stored) => {
      const key = `${endpoint.merchantId}#${endpoint.id}#${stored.version}#${Buffer.from(stored.ciphertext).subarray(-16).toString('base64')}`;
      const cached = secretCache.get(key);
      if (cached && cached.until > now.getTime()) return cached.secret;
      const secret = await deps.secrets.open(endpoint.merchantId, endpoint.id, stored.version, stored.ciphertext);
      secretCache.set(key, { secret, until: now.getTime() + SECRET_CACHE_MS });
      return secret;
    }),
  );

export const deliverWebhookTask = async (deps: DeliverDeps, task: DeliveryTask, options: { readonly deadlineMs: number }): Promise<DeliverOutcome> => {
  const started = deps.now();
  if (task.dueMs > started.getTime() + 500) return { outcome: 'not_due', waitSeconds: Math.min(MAX_WAIT_SECONDS, Math.ceil((task.dueMs - started.getTime()) / 1000)) };
  const endpoint = await deps.endpoints.get(task.merchantId, task.endpointId, { consistent: true });
  if (!endpoint) return { outcome: 'dropped', reason: 'endpoint_deleted' };
  const part = task.redeliveryId ?? String(task.indexes[0] ?? 0).padStart(4, '0');
  if (endpoint.status === 'disabled' && task.kind === 'webhook') {
    await deps.events.putDeliveryRecord({
      merchantId: task.merchantId,
      pageKey: task.pageKey,
      endpointId: task.endpointId,
      attempt: task.attempt,
      kind: task.kind,
      part,
      attemptedAt: started.toISOString(),
      results: task.indexes.map((index) => ({ index, result: { status: null, latencyMs: 0, error: 'endpoint_disabled' } })),
      nextAttemptAt: null,
    });
    return { outcome: 'dropped', reason: 'endpoint_disabled' };
  }
  const page = await deps.events.getPage(task.merchantId, task.pageKey);
  if (!page) return { outcome: 'dropped', reason: 'page_expired' };
  const secrets = await openSecrets(deps, endpoint, started);
  const timeoutMs = requestTimeoutMs(deps.timeScale);

  const attempted: { index: number; result: AttemptResult }[] = [];
  const skipped: number[] = [];
  await runLimited(task.indexes, deps.perEndpointConcurrency, async (index) => {
    const stored = page.events[index];
    if (!stored) return;
    if (Date.now() + timeoutMs > options.deadlineMs) {
      skipped.push(index);
      return;
    }
    const id = eventId(page.key, index);
    const body = JSON.stringify(presentEvent(id, stored));
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const result = await deps.sender.send({
      url: endpoint.url,
      headers: { 'content-type': 'application/json', 'user-agent': 'xborder-webhooks/1', ...signedHeaders(secrets, id, timestamp, body) },
      body,
      timeoutMs,
    });
    attempted.push({ index, result });
  });

  const finished = deps.now();
  const failed = attempted.filter((entry) => !succeeded(entry.result));
  const lastFailure = failed[failed.length - 1];
  let retry: { task: DeliveryTask; delaySeconds: number } | undefined;
  let disable = false;
  if (lastFailure && endpoint.failingSince && finished.getTime() - Date.parse(endpoint.failingSince) >= DISABLE_AFTER_FAILING_MS * deps.timeScale && task.kind === 'webhook') {
    disable = true;
  }
  if (failed.length && task.kind === 'webhook' && !disable) {
    const delay = retryDelaySeconds(task.attempt, deps.timeScale);
    if (delay !== undefined) {
      retry = {
        task: { ...task, indexes: failed.map((entry) => entry.index), attempt: task.attempt + 1, dueMs: finished.getTime() + delay * 1000 },
        delaySeconds: Math.min(delay, 900),
      };
    }
  }
  if (attempted.length) {
    await deps.events.putDeliveryRecord({
      merchantId: task.merchantId,
      pageKey: task.pageKey,
      endpointId: task.endpointId,
      attempt: task.attempt,
      kind: task.kind,
      part,
      attemptedAt: started.toISOString(),
      results: attempted.sort((a, b) => a.index - b.index),
      nextAttemptAt: retry ? new Date(retry.task.dueMs).toISOString() : null,
    });
  }
  const requeue: { task: DeliveryTask; delaySeconds: number }[] = [];
  if (retry) requeue.push(retry);
  if (skipped.length) requeue.push({ task: { ...task, indexes: skipped.sort((a, b) => a - b), dueMs: finished.getTime() }, delaySeconds: 0 });
  if (requeue.length) await deps.queue.enqueue(requeue);

  let failure: string | undefined;
  if (lastFailure) {
    failure = describeFailure(lastFailure.result);
    if (disable) await deps.endpoints.disableFailing(task.merchantId, task.endpointId, finished.toISOString(), failure);
    else if (!endpoint.failingSince && failed.length === attempted.length) await deps.endpoints.markFailing(task.merchantId, task.endpointId, finished.toISOString(), failure);
  }
  if (failed.length < attempted.length && endpoint.failingSince) await deps.endpoints.clearFailing(task.merchantId, task.endpointId);
  return {
    outcome: 'delivered',
    sent: attempted.length,
    failed: failed.length,
    retried: retry ? retry.task.indexes.length : 0,
    ...(failure === undefined ? {} : { failure: { reason: failure, disabled: disable } }),
  };
};
