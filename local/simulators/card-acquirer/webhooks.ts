import { createHmac } from 'node:crypto';
import type { AcquirerState, Effect, LedgerEntry, WebhookEvent } from './model';
import type { SimulatorLogEntry } from './server';

/**
 * Webhook signing and delivery on the acquirer's side (the platform verifies with
 * lambdas/adapters/channels/acquirer-webhook-signature.ts, written separately so a test can prove the two
 * agree). Events are delivered in batches, as Adyen's standard webhooks carry a list of notification items:
 * one POST per endpoint carries the events due for it, at most `MAX_BATCH_EVENTS`, gathered over
 * `batchWindowMs` (decision 0054). Body: `{"object":"list","data":[<event>, ...]}`; header
 * `Acquirer-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` over the whole body.
 * The receiver answers 2xx with one result per event, in the body's order
 * (`{"results":[{"id","outcome"}, ...]}`): an event answered `applied`, `ignored`, `forwarded` or `rejected`
 * is delivered and never sent again; one answered `retry`, left without a result, or in a batch that got no
 * 2xx, is sent again in a later batch after its own back-off, until `giveUpAfterMs` after it was created:
 * at-least-once per event, not in order, so receivers deduplicate.
 */
export const SIGNATURE_HEADER = 'Acquirer-Signature';

/** The most events one delivery carries (the receiver refuses more). */
export const MAX_BATCH_EVENTS = 50;
/** Bodies stay under the merchant API firewall's 64 KB inspection limit. */
export const MAX_BATCH_BYTES = 60_000;
/** Outcomes that end an event's delivery; `retry` (or no outcome) sends it again. */
const FINAL_OUTCOMES = new Set(['applied', 'ignored', 'forwarded', 'rejected']);

export const signWebhook = (secret: string, payload: string, timestampSeconds: number): string =>
  `t=${timestampSeconds},v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex')}`;

/** The body of one delivery: the events in the order their results are expected. */
export const webhookBatchBody = (events: readonly unknown[]): string => JSON.stringify({ object: 'list', data: events });

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
  /** Events per delivery, 1 to MAX_BATCH_EVENTS. Default MAX_BATCH_EVENTS. */
  readonly batchMaxEvents?: number;
  /**
   * How long the first event due waits for others before its delivery leaves (a full batch leaves at once).
   * Default 1 s; 0 sends what is due at each tick.
   */
  readonly batchWindowMs?: number;
}

/** Delay before the attempt after `failedAttempts` failures (1, 2, 3...). */
export const retryDelayMs = (failedAttempts: number, initialMs: number, maxMs: number): number =>
  Math.min(maxMs, initialMs * 2 ** Math.max(0, failedAttempts - 1));

/**
 * Which events of a delivery the receiver took, from its status and body: none unless 2xx with one result
 * per event, in order, naming the event's id and a final outcome.
 */
export const acceptedEvents = (eventIds: readonly string[], status: number, body: string): Set<string> => {
  const accepted = new Set<string>();
  if (status < 200 || status >= 300) return accepted;
  let results: unknown;
  try {
    results = (JSON.parse(body) as { results?: unknown }).results;
  } catch {
    return accepted;
  }
  if (!Array.isArray(results)) return accepted;
  eventIds.forEach((id, index) => {
    const result = results[index] as { id?: unknown; outcome?: unknown } | undefined;
    if (result?.id === id && typeof result.outcome === 'string' && FINAL_OUTCOMES.has(result.outcome)) accepted.add(id);
  });
  return accepted;
};

export interface WebhookDispatcherDeps {
  readonly name: string;
  readonly state: AcquirerState;
  readonly now: () => Date;
  /** Applies and durably records a ledger entry (delivery bookkeeping). */
  readonly record: (entry: LedgerEntry) => Promise<void>;
  readonly log: (entry: SimulatorLogEntry) => void;
}

export interface WebhookDispatcher {
  /** Start deliveries of the pending events that are due and `ready` (their creating line is durable), batched. */
  dispatchDue(ready: (eventId: string) => boolean): void;
  /** Delivery attempts made by this process for a still pending event. */
  attempts(eventId: string): number;
  /** Abort deliveries in flight and wait for them to settle. */
  stop(): Promise<void>;
}

/**
 * Delivers the events in the books to one URL, in batches. Back-off between attempts and the batch window run
 * on the monotonic clock (operational delays, not business time); giving up is measured on the simulator's
 * clock from the event's creation, like every business time.
 */
export const createWebhookDispatcher = (options: WebhookOptions, deps: WebhookDispatcherDeps): WebhookDispatcher => {
  const { name, state, now, record, log } = deps;
  const maxEvents = Math.min(MAX_BATCH_EVENTS, Math.max(1, Math.floor(options.batchMaxEvents ?? MAX_BATCH_EVENTS)));
  const windowMs = Math.max(0, options.batchWindowMs ?? 1_000);
  const attempts = new Map<string, number>();
  const nextAttemptAt = new Map<string, number>();
  /** When each due event was first seen due (the batch window runs from the oldest). */
  const dueSince = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();

  const deliver = async (events: readonly WebhookEvent[]): Promise<void> => {
    const ids = events.map((event) => event.id);
    for (const id of ids) attempts.set(id, (attempts.get(id) ?? 0) + 1);
    const payload = webhookBatchBody(events);
    let status = 0;
    let answer = '';
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `card-acquirer-simulator/${name}`,
          [SIGNATURE_HEADER]: signWebhook(options.secret, payload, Math.floor(now().getTime() / 1000)),
        },
        body: payload,
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
      });
      status = response.status;
      answer = await response.text();
    } catch (error) {
      if (stopping.signal.aborted) return;
      log({ level: 'WARN', simulator: name, message: 'webhook delivery failed', events: ids.length, error: String(error) });
    }
    if (stopping.signal.aborted) return;
    const accepted = acceptedEvents(ids, status, answer);
    const at = now().toISOString();
    if (status !== 0 && accepted.size < ids.length) {
      log({ level: 'WARN', simulator: name, message: 'webhook events not taken', status, events: ids.length, taken: accepted.size });
    }
    const effects: Effect[] = [];
    const giveUpAfterMs = options.giveUpAfterMs ?? 3 * 24 * 60 * 60 * 1000;
    for (const event of events) {
      const attempt = attempts.get(event.id) ?? 1;
      if (accepted.has(event.id)) {
        effects.push({ type: 'event.delivered', event: event.id, at, attempts: attempt });
      } else if (Date.parse(at) - Date.parse(event.created_at) >= giveUpAfterMs) {
        log({ level: 'ERROR', simulator: name, message: 'webhook abandoned', event: event.id, attempts: attempt });
        effects.push({ type: 'event.abandoned', event: event.id, at, attempts: attempt });
      } else {
        nextAttemptAt.set(event.id, performance.now() + retryDelayMs(attempt, options.initialRetryDelayMs ?? 1_000, options.maxRetryDelayMs ?? 3_600_000));
      }
    }
    if (effects.length > 0) await record({ v: 1, at, effects });
  };

  const send = (events: readonly WebhookEvent[]) => {
    for (const event of events) {
      nextAttemptAt.set(event.id, Number.POSITIVE_INFINITY); // in flight: not due again until it ends
      dueSince.delete(event.id);
    }
    const delivery: Promise<void> = deliver(events)
      .catch((error: unknown) => log({ level: 'ERROR', simulator: name, message: 'webhook bookkeeping failed', events: events.length, error: String(error) }))
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  /** Consecutive batches of at most `maxEvents` events and MAX_BATCH_BYTES of body. */
  const batchesOf = (events: readonly WebhookEvent[]): WebhookEvent[][] => {
    const batches: WebhookEvent[][] = [];
    let current: WebhookEvent[] = [];
    let bytes = webhookBatchBody([]).length;
    for (const event of events) {
      const size = Buffer.byteLength(JSON.stringify(event)) + 1;
      if (current.length > 0 && (current.length >= maxEvents || bytes + size > MAX_BATCH_BYTES)) {
        batches.push(current);
        current = [];
        bytes = webhookBatchBody([]).length;
      }
      current.push(event);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  };

  return {
    dispatchDue: (ready) => {
      if (stopping.signal.aborted) return;
      const clock = performance.now();
      const due: WebhookEvent[] = [];
      for (const id of state.undeliveredEvents) {
        const event = state.events.get(id)?.event;
        if (!event || !ready(id)) continue;
        if ((nextAttemptAt.get(id) ?? 0) > clock) continue;
        if (!dueSince.has(id)) dueSince.set(id, clock);
        due.push(event);
      }
      if (due.length === 0) return;
      const batches = batchesOf(due);
      // Every batch but the last is full (by count or size) and leaves now; the last leaves once it is full too or
      // the oldest event due has waited the window, otherwise it keeps gathering.
      const last = batches.pop() as WebhookEvent[];
      for (const batch of batches) send(batch);
      const oldest = Math.min(...last.map((event) => dueSince.get(event.id) ?? clock));
      if (last.length >= maxEvents || clock - oldest >= windowMs) send(last);
    },
    attempts: (eventId) => attempts.get(eventId) ?? 0,
    stop: async () => {
      stopping.abort();
      await Promise.allSettled(inFlight);
    },
  };
};
