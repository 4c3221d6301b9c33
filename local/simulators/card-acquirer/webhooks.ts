import { createHmac } from 'node:crypto';
import type { AcquirerState, LedgerEntry, WebhookEvent } from './model';
import type { SimulatorLogEntry } from './server';

/**
 * Webhook signing on the acquirer's side (the platform verifies with
 * lambdas/adapters/channels/acquirer-webhook-signature.ts, written separately so a test can prove the two
 * agree). Scheme: header `Acquirer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Deliveries that get no 2xx answer are retried with exponential back-off until `giveUpAfterMs` after the
 * event was created: at-least-once, not in order, so receivers deduplicate by event `id`.
 */
export const SIGNATURE_HEADER = 'Acquirer-Signature';

export const signWebhook = (secret: string, payload: string, timestampSeconds: number): string =>
  `t=${timestampSeconds},v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex')}`;

export interface WebhookOptions {
  /** Where events are POSTed. */
  readonly url: string;
  /** Signing secret shared with the receiver. */
  readonly secret: string;
  /** First retry after this long; doubles each attempt. Default 1 s. */
  readonly initialRetryDelayMs?: number;
  /** Back-off cap. Default 1 h. */
  readonly maxRetryDelayMs?: number;
  /** Stop retrying this long after the event was created (simulator clock). Default 3 days. */
  readonly giveUpAfterMs?: number;
  /** How long one delivery waits for the receiver. Default 10 s. */
  readonly timeoutMs?: number;
}

/** Delay before the attempt after `failedAttempts` failures (1, 2, 3...). */
export const retryDelayMs = (failedAttempts: number, initialMs: number, maxMs: number): number =>
  Math.min(maxMs, initialMs * 2 ** Math.max(0, failedAttempts - 1));

export interface WebhookDispatcherDeps {
  readonly name: string;
  readonly state: AcquirerState;
  readonly now: () => Date;
  /** Applies and durably records a ledger entry (delivery bookkeeping). */
  readonly record: (entry: LedgerEntry) => Promise<void>;
  readonly log: (entry: SimulatorLogEntry) => void;
}

export interface WebhookDispatcher {
  /** Start a delivery of every pending event that is due and `ready` (its creating line is durable). */
  dispatchDue(ready: (eventId: string) => boolean): void;
  /** Delivery attempts made by this process for a still pending event. */
  attempts(eventId: string): number;
  /** Abort deliveries in flight and wait for them to settle. */
  stop(): Promise<void>;
}

/**
 * Delivers the events in the books to one URL. Back-off between attempts runs on the monotonic clock
 * (an operational delay, not business time); giving up is measured on the simulator's clock from the
 * event's creation, like every business time.
 */
export const createWebhookDispatcher = (options: WebhookOptions, deps: WebhookDispatcherDeps): WebhookDispatcher => {
  const { name, state, now, record, log } = deps;
  const attempts = new Map<string, number>();
  const nextAttemptAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();

  const deliver = async (eventId: string, event: WebhookEvent): Promise<void> => {
    const attempt = (attempts.get(eventId) ?? 0) + 1;
    attempts.set(eventId, attempt);
    const payload = JSON.stringify(event);
    let status = 0;
    try {
      const answer = await fetch(options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `card-acquirer-simulator/${name}`,
          [SIGNATURE_HEADER]: signWebhook(options.secret, payload, Math.floor(now().getTime() / 1000)),
        },
        body: payload,
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
      });
      status = answer.status;
      await answer.body?.cancel();
    } catch (error) {
      if (stopping.signal.aborted) return;
      log({ level: 'WARN', simulator: name, message: 'webhook delivery failed', event: eventId, attempt, error: String(error) });
    }
    if (stopping.signal.aborted) return;
    const at = now().toISOString();
    if (status >= 200 && status < 300) {
      await record({ v: 1, at, effects: [{ type: 'event.delivered', event: eventId, at, attempts: attempt }] });
      return;
    }
    if (status !== 0) log({ level: 'WARN', simulator: name, message: 'webhook refused', event: eventId, attempt, status });
    if (Date.parse(at) - Date.parse(event.created_at) >= (options.giveUpAfterMs ?? 3 * 24 * 60 * 60 * 1000)) {
      log({ level: 'ERROR', simulator: name, message: 'webhook abandoned', event: eventId, attempts: attempt });
      await record({ v: 1, at, effects: [{ type: 'event.abandoned', event: eventId, at, attempts: attempt }] });
      return;
    }
    const delay = retryDelayMs(attempt, options.initialRetryDelayMs ?? 1_000, options.maxRetryDelayMs ?? 3_600_000);
    nextAttemptAt.set(eventId, performance.now() + delay);
  };

  return {
    dispatchDue: (ready) => {
      if (stopping.signal.aborted) return;
      for (const id of state.undeliveredEvents) {
        const event = state.events.get(id)?.event;
        if (!event || !ready(id)) continue;
        if ((nextAttemptAt.get(event.id) ?? 0) > performance.now()) continue;
        nextAttemptAt.set(event.id, Number.POSITIVE_INFINITY); // in flight: not due again until it ends
        const delivery: Promise<void> = deliver(event.id, event)
          .catch((error: unknown) => log({ level: 'ERROR', simulator: name, message: 'webhook bookkeeping failed', event: event.id, error: String(error) }))
          .finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
      }
    },
    attempts: (eventId) => attempts.get(eventId) ?? 0,
    stop: async () => {
      stopping.abort();
      await Promise.allSettled(inFlight);
    },
  };
};
