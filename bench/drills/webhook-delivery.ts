import { requestTimeoutMs, retryDelaySeconds } from '../../lambdas/domain/webhooks';
import { queueName } from '../../platform/queues';
import type { Behaviour } from '../../local/webhook-receiver';
import { ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card, pickAmount } from '../lib/mix';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, TERMINAL, drillResult, operatorFetch } from './common';

/**
 * Webhook delivery (issue 15): a merchant of its own (onboarded through the operator API) registers one
 * endpoint subscribed to everything on the local receiver (local/webhook-receiver.ts, which verifies every
 * message with the published `standardwebhooks` package), then runs payments (automatic, manual captured
 * later, partly refunded) at a steady pace while the receiver goes through a timeline of faults, in an order
 * drawn from the seed: **down** (connections refused), **500s**, **slow** answers (within the platform's
 * timeout), **slow past the timeout** (the receiver does the work and answers 200 after the platform gave
 * up: the case that makes duplicates), and **hanging** (no answer: timeouts). Then the receiver behaves
 * and the drill waits until the delivery queue is empty (the retry schedule runs `timeScale` times faster:
 * WEBHOOK_TIME_SCALE, set by run-drill.ts).
 *
 * Passes when every event the events API lists reached the receiver with a 2xx answer and a signature that
 * verifies (`missed_events` = 0); every payment and refund has its creation and end event in the API (no
 * change without its event); the deliveries API shows a succeeded attempt for every event; the endpoint is
 * still enabled and no longer failing; nothing went to the dead-letter queue; no 5xx. Duplicate deliveries
 * (the same `webhook-id` answered 2xx more than once) are allowed by the at-least-once promise and reported
 * (`duplicate_deliveries`); `duplicated` stays about objects (a payment made twice).
 */
export interface WebhookDeliveryOptions {
  readonly payments: number;
  /** How long each phase of the receiver's timeline lasts (ms). */
  readonly phaseMs: number;
  readonly concurrency: number;
  /** The runtime's WEBHOOK_TIME_SCALE (the platform must have been started with it). */
  readonly timeScale: number;
  readonly seed: number;
}

type Phase = 'ok' | 'down' | 'error_500' | 'slow' | 'slow_past_timeout' | 'hang';
const FAULTS: readonly Phase[] = ['down', 'error_500', 'slow', 'slow_past_timeout', 'hang'];
type Kind = 'automatic' | 'manual' | 'refunded';

interface ListedEvent {
  readonly id: string;
  readonly type: string;
  readonly sequence: number;
  readonly created_at: string;
  readonly data: { readonly object: { readonly id: string; readonly status?: string } };
}

interface Delivery {
  readonly status: 'succeeded' | 'failed';
  readonly response_status: number | null;
  readonly error: string | null;
  readonly redelivery: boolean;
}

/** The whole retry schedule at the time scale (seconds): how long an event may take at most. */
export const scaledScheduleSeconds = (timeScale: number): number => {
  let total = 0;
  for (let attempt = 1; ; attempt += 1) {
    const delay = retryDelaySeconds(attempt, timeScale);
    if (delay === undefined) return total;
    total += delay;
  }
};

/** The fault phases in the seed's order, each `phaseMs` long, after and before a phase of good answers. */
export const faultTimeline = (seed: number, phaseMs: number): { phase: Phase; ms: number }[] => {
  const next = seededRandom(seed ^ 0x5eed);
  const order = [...FAULTS];
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [order[index], order[other]] = [order[other] as Phase, order[index] as Phase];
  }
  return [{ phase: 'ok', ms: phaseMs }, ...order.map((phase) => ({ phase, ms: phaseMs })), { phase: 'ok', ms: phaseMs }];
};

export const webhookDeliveryDrill = async (platform: BenchPlatform, options: WebhookDeliveryOptions): Promise<DrillResult> => {
  const started = Date.now();
  const api = new ApiClient(() => platform.runtime.apiUrl);
  const receiver = platform.runtime.webhookReceiver;
  const violations: string[] = [];
  let serverErrors = 0;
  const answerOk = (label: string, status: number, text: string, expected: number) => {
    if (status >= 500) serverErrors += 1;
    if (status !== expected) violations.push(`${label}: answered ${status} ${text.slice(0, 160)}`);
    return status === expected;
  };
  const run = `${options.seed}-${Date.now().toString(36)}`;

  // A merchant of its own: the other drills' events never reach this endpoint.
  const onboarded = await operatorFetch(platform, 'ops_admin', 'POST', '/v1/merchants', { name: `Webhook drill ${run}` });
  const onboardedBody = (await onboarded.json()) as { id?: string; api_key?: { secret?: string } };
  if (onboarded.status !== 201 || !onboardedBody.api_key?.secret) throw new Error(`onboarding the drill's merchant answered ${onboarded.status}`);
  const key = onboardedBody.api_key.secret;
  // The merchant's first key makes an api_key.created event before the endpoint exists: let it be built
  // first, so every event after the endpoint's creation is one the endpoint must get.
  await platform.runtime.streams.drain(30_000);
  const inboxName = `drill-${run}`;
  const inbox = receiver.inbox(inboxName);
  const created = await api.call('webhook_endpoint_create', 'POST', '/v1/webhook_endpoints', {
    key,
    idempotencyKey: `webhook-drill-${run}`,
    body: { url: `${receiver.url}/${inboxName}`, enabled_events: ['*'], description: 'webhook_delivery drill' },
  });
  if (!answerOk('create endpoint', created.status, created.text, 201)) throw new Error(`creating the endpoint answered ${created.status}: ${created.text.slice(0, 200)}`);
  const endpointId: string = created.json.id;
  const endpointCreatedMs = Date.parse(created.json.created_at);
  inbox.secrets = [created.json.secret];

  // ---- The receiver's timeline, run beside the payments ----
  const timeoutMs = requestTimeoutMs(options.timeScale);
  const behaviours: Record<Exclude<Phase, 'down'>, Behaviour> = {
    ok: { mode: 'ok' },
    error_500: { mode: 'error', status: 500 },
    slow: { mode: 'slow', delayMs: Math.round(timeoutMs * 0.3) },
    slow_past_timeout: { mode: 'slow', delayMs: timeoutMs * 3 },
    hang: { mode: 'hang' },
  };
  const timeline = faultTimeline(options.seed, options.phaseMs);
  const timelineMs = timeline.reduce((sum, entry) => sum + entry.ms, 0);
  const phaseLog: { phase: Phase; from_ms: number }[] = [];
  const runTimeline = async () => {
    const from = Date.now();
    for (const { phase, ms } of timeline) {
      phaseLog.push({ phase, from_ms: Date.now() - from });
      if (phase === 'down') await receiver.down();
      else {
        await receiver.up();
        inbox.behaviour = behaviours[phase];
      }
      await sleep(ms);
    }
    await receiver.up();
    inbox.behaviour = { mode: 'ok' };
  };

  // ---- Payments, spread over the timeline ----
  const next = seededRandom(options.seed);
  const kinds: Kind[] = Array.from({ length: options.payments }, (_, index) => (index % 4 === 1 ? 'manual' : index % 4 === 3 ? 'refunded' : 'automatic'));
  const paymentIds: string[] = [];
  const refundIds: string[] = [];
  const intervalMs = (timelineMs - options.phaseMs) / Math.max(1, options.payments);
  const loadStarted = Date.now();
  const payments = pool(kinds, options.concurrency, async (kind, index) => {
    await sleep(Math.max(0, loadStarted + index * intervalMs - Date.now()));
    const answer = await api.call('webhook_drill_create', 'POST', '/v1/payments', {
      key,
      idempotencyKey: `webhook-drill-${run}-${index}`,
      body: { ...pickAmount(next), payment_method: card(index % 2 ? '5555555555554444' : '4242424242424242'), capture_method: kind === 'manual' ? 'manual' : 'automatic', metadata: { kind } },
    });
    if (!answerOk(`payment ${index}`, answer.status, answer.text, 201)) return;
    const id: string = answer.json.id;
    paymentIds.push(id);
    const settled = await platform.waitForPayment(id, (payment) => payment.status !== 'processing', 60_000);
    if (kind === 'manual' && settled?.status === 'requires_capture') {
      const captured = await api.call('webhook_drill_capture', 'POST', `/v1/payments/${id}/capture`, { key, idempotencyKey: `webhook-drill-${run}-${index}-capture`, body: {} });
      answerOk(`${id} capture`, captured.status, captured.text, 200);
    }
    const done = await platform.waitForPayment(id, (payment) => TERMINAL.includes(payment.status), 60_000);
    if (!done || !TERMINAL.includes(done.status)) return violations.push(`${id}: not terminal within 60 s (${done?.status})`);
    if (kind !== 'refunded' || done.status !== 'succeeded') return;
    const refund = await api.call('webhook_drill_refund', 'POST', '/v1/refunds', {
      key,
      idempotencyKey: `webhook-drill-${run}-${index}-refund`,
      body: { payment_id: id, amount: Math.max(1, Math.floor(done.amountReceived / 3)) },
    });
    if (answerOk(`${id} refund`, refund.status, refund.text, 201)) refundIds.push(refund.json.id);
  });
  await Promise.all([runTimeline(), payments]);
  // Refunds end on their own time; their events come after.
  for (const id of refundIds) {
    for (let waited = 0; waited < 60_000; waited += 100) {
      const refund = await platform.refund(id);
      if (refund && refund.status !== 'pending') break;
      await sleep(100);
    }
  }

  // ---- Recovery: every event's deliveries done (the queue empty), within the scaled schedule ----
  const recoveredAt = Date.now();
  const streamsDrained = await platform.runtime.streams.drain(60_000);
  if (!streamsDrained) violations.push('the stream mappings did not catch up within 60 s');
  const scheduleSeconds = scaledScheduleSeconds(options.timeScale);
  const drained = await platform.runtime.sqs.drain((scheduleSeconds + 30) * 1000);
  if (!drained) violations.push(`the delivery queue still held messages ${scheduleSeconds + 30} s after the receiver recovered`);
  const recoverySeconds = (Date.now() - recoveredAt) / 1000;

  // ---- What the events API says happened ----
  const events: ListedEvent[] = [];
  for (let after: string | undefined; ; ) {
    const page = await api.call('webhook_drill_events', 'GET', `/v1/events?limit=100${after ? `&starting_after=${after}` : ''}`, { key });
    if (!answerOk('list events', page.status, page.text, 200)) break;
    const data = page.json.data as ListedEvent[];
    // Events of changes before the endpoint existed are not its to receive (the merchant's onboarding).
    events.push(...data.filter((event) => Date.parse(event.created_at) >= endpointCreatedMs));
    if (!page.json.has_more || data.length === 0) break;
    after = data.at(-1)?.id;
  }
  const typesOf = new Map<string, Set<string>>();
  for (const event of events) {
    const objectId = event.data.object.id;
    typesOf.set(objectId, (typesOf.get(objectId) ?? new Set()).add(event.type));
  }
  let eventsMissing = 0;
  const expectEvents = async (objectId: string, kind: 'payment' | 'refund') => {
    const stored = kind === 'payment' ? await platform.payment(objectId) : await platform.refund(objectId);
    const wanted = [`${kind}.created`, `${kind}.${stored?.status}`];
    for (const type of wanted) {
      if (typesOf.get(objectId)?.has(type)) continue;
      eventsMissing += 1;
      violations.push(`${objectId}: no ${type} event in the events API`);
    }
  };
  for (const id of paymentIds) await expectEvents(id, 'payment');
  for (const id of refundIds) await expectEvents(id, 'refund');

  // ---- What the receiver got ----
  const answered2xx = new Map<string, number>();
  let unverified = 0;
  const receiverAnswers: Record<string, number> = {};
  for (const message of inbox.received) {
    const answer = message.answered === 0 ? 'no_answer' : String(message.answered);
    receiverAnswers[answer] = (receiverAnswers[answer] ?? 0) + 1;
    if (message.verified !== true) unverified += 1;
    if (message.eventId !== message.webhookId) violations.push(`webhook-id ${message.webhookId} carries event ${message.eventId}`);
    if (message.answered >= 200 && message.answered < 300 && message.verified === true) answered2xx.set(message.webhookId, (answered2xx.get(message.webhookId) ?? 0) + 1);
  }
  if (unverified) violations.push(`${unverified} webhook(s) whose signature did not verify with standardwebhooks`);
  const listed = new Set(events.map((event) => event.id));
  const missed = events.filter((event) => !answered2xx.has(event.id));
  for (const event of missed.slice(0, 10)) violations.push(`${event.id} (${event.type}): never delivered`);
  const unknown = [...answered2xx.keys()].filter((id) => !listed.has(id));
  if (unknown.length) violations.push(`${unknown.length} delivered id(s) the events API does not list: ${unknown.slice(0, 3).join(', ')}`);
  const duplicateDeliveries = [...answered2xx.values()].reduce((sum, count) => sum + count - 1, 0);

  // ---- What the merchant sees of the attempts ----
  const attemptsByOutcome: Record<string, number> = {};
  let withoutSuccess = 0;
  await pool(events, options.concurrency, async (event) => {
    const answer = await api.call('webhook_drill_deliveries', 'GET', `/v1/events/${event.id}/deliveries`, { key });
    if (!answerOk(`${event.id} deliveries`, answer.status, answer.text, 200)) return;
    const deliveries = answer.json.data as Delivery[];
    for (const delivery of deliveries) {
      const outcome = delivery.status === 'succeeded' ? 'succeeded' : delivery.response_status !== null ? `http_${delivery.response_status}` : (delivery.error ?? 'failed');
      attemptsByOutcome[outcome] = (attemptsByOutcome[outcome] ?? 0) + 1;
    }
    if (!deliveries.some((delivery) => delivery.status === 'succeeded')) withoutSuccess += 1;
  });
  if (withoutSuccess) violations.push(`${withoutSuccess} event(s) without a succeeded attempt in GET /v1/events/{id}/deliveries`);
  const endpoint = await api.call('webhook_drill_endpoint', 'GET', `/v1/webhook_endpoints/${endpointId}`, { key });
  if (answerOk('get endpoint', endpoint.status, endpoint.text, 200)) {
    if (endpoint.json.status !== 'enabled') violations.push(`the endpoint ended ${endpoint.json.status} (${endpoint.json.disabled_reason})`);
    if (endpoint.json.failing_since !== null) violations.push(`the endpoint still shows failing since ${endpoint.json.failing_since} (${endpoint.json.last_failure})`);
  }
  const deadLettered = platform.runtime.sqs.depth()[`${queueName('webhookDeliveries')}-dlq`] ?? 0;
  if (deadLettered) violations.push(`${deadLettered} delivery task(s) in the dead-letter queue`);

  const eventTypes: Record<string, number> = {};
  for (const event of events) eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
  return drillResult('webhook_delivery', started, {
    lost: missed.length + eventsMissing,
    duplicated: 0,
    server_errors: serverErrors,
    counts: {
      payments: paymentIds.length,
      refunds: refundIds.length,
      events: events.length,
      event_types: eventTypes,
      delivered: events.length - missed.length,
      missed_events: missed.length,
      events_missing_from_api: eventsMissing,
      duplicate_deliveries: duplicateDeliveries,
      webhooks_received: inbox.received.length,
      receiver_answers: receiverAnswers,
      unverified_signatures: unverified,
      attempts_by_outcome: attemptsByOutcome,
      events_without_success_in_api: withoutSuccess,
      dead_lettered: deadLettered,
      timeline: phaseLog,
      phase_ms: options.phaseMs,
      time_scale: options.timeScale,
      request_timeout_ms: timeoutMs,
      recovery_seconds: Number(recoverySeconds.toFixed(1)),
      schedule_seconds_at_scale: scheduleSeconds,
    },
    violations,
  });
};
