import { Webhook } from 'standardwebhooks';
import { type EventDraft, eventId } from '../../../lambdas/domain/events';
import { ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { DISABLE_AFTER_FAILING_MS, MAX_WEBHOOK_ENDPOINTS, type WebhookEndpoint } from '../../../lambdas/domain/webhooks';
import type { DeliveryTask } from '../../../lambdas/ports/webhook-delivery';
import { buildEvents } from '../../../lambdas/use-cases/events/build-events';
import { getEvent, listEventDeliveries, listEvents, redeliverEvent } from '../../../lambdas/use-cases/events/query-events';
import { deliverWebhookTask } from '../../../lambdas/use-cases/webhooks/deliver-webhooks';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../../lambdas/use-cases/webhooks/manage-endpoints';
import { InMemoryEventStore, InMemoryWebhookEndpoints, PlainSecretBox, RecordingQueue, ScriptedSender } from '../../support/webhook-fakes';

/**
 * The events and webhooks use cases with small in-memory ports: a merchant's endpoint hears each event it
 * subscribed to, signed so the standardwebhooks package verifies it; failures are retried on the schedule
 * and show in the deliveries; an endpoint failing for days is disabled; secrets rotate without a gap.
 */
const t0 = new Date('2026-12-06T12:00:00.000Z');

const world = (clock = { now: t0 }) => {
  const events = new InMemoryEventStore();
  const endpoints = new InMemoryWebhookEndpoints();
  const secrets = new PlainSecretBox();
  const queue = new RecordingQueue();
  const now = () => clock.now;
  return { clock, events, endpoints, secrets, queue, now };
};

const drafts = (merchantId = 'mer_a'): EventDraft[] => [
  { merchantId, type: 'payment.created', objectId: 'pay_1', sequence: 1, createdMs: t0.getTime() - 900, object: { id: 'pay_1', status: 'processing' } },
  { merchantId, type: 'payment.succeeded', objectId: 'pay_1', sequence: 4, createdMs: t0.getTime() - 100, object: { id: 'pay_1', status: 'succeeded' } },
  { merchantId, type: 'payout.paid', objectId: 'po_1', sequence: 6, createdMs: t0.getTime() - 50, object: { id: 'po_1', status: 'paid' } },
];

const endpointFor = async (w: ReturnType<typeof world>, enabledEvents: string[], merchantId = 'mer_a', commandId = 'cmd_1') =>
  createWebhookEndpoint(
    { endpoints: w.endpoints, secrets: w.secrets, now: w.now },
    { merchantId, commandId, url: 'https://hooks.example.com/x', enabledEvents, description: null },
  );

describe('endpoints', () => {
  it('shows the secret once, stores only its ciphertext, and a retried create finds the same endpoint', async () => {
    // Prepare
    const w = world();
    // Act
    const first = await endpointFor(w, ['payment.*']);
    const retried = await endpointFor(w, ['payment.*']);
    // Assess
    expect(first.secret).toMatch(/^whsec_/);
    expect(retried.endpoint.id).toBe(first.endpoint.id);
    // The first answer was lost to the merchant (why it retried): its secret is replaced, never shown twice.
    expect(retried.secret).not.toBe(first.secret);
    expect(w.endpoints.items.size).toBe(1);
    expect(JSON.stringify([...w.endpoints.items.values()])).not.toContain(retried.secret);
  });

  it(`refuses a ${MAX_WEBHOOK_ENDPOINTS + 1}th endpoint`, async () => {
    const w = world();
    for (let index = 0; index < MAX_WEBHOOK_ENDPOINTS; index += 1) await endpointFor(w, ['*'], 'mer_a', `cmd_${index}`);
    await expect(endpointFor(w, ['*'], 'mer_a', 'cmd_more')).rejects.toMatchObject({ name: 'WebhookEndpointLimitError' });
  });

  it("answers another merchant's endpoint as not found", async () => {
    const w = world();
    const { endpoint } = await endpointFor(w, ['*']);
    await expect(updateWebhookEndpoint(w, { merchantId: 'mer_b', id: endpoint.id, changes: { disabled: true } })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(deleteWebhookEndpoint(w, { merchantId: 'mer_b', id: endpoint.id })).rejects.toBeInstanceOf(ResourceNotFoundError);
    expect(w.endpoints.items.get(endpoint.id)?.status).toBe('enabled');
  });

  it('rotates the secret: the new one and, for 24 hours, the old one sign', async () => {
    const w = world();
    const created = await endpointFor(w, ['*']);
    const rotated = await rotateWebhookSecret({ endpoints: w.endpoints, secrets: w.secrets, now: w.now }, { merchantId: 'mer_a', id: created.endpoint.id });
    expect(rotated.endpoint.secrets.map((secret) => [secret.version, secret.expiresAt])).toEqual([
      [2, null],
      [1, '2026-12-07T12:00:00.000Z'],
    ]);
  });
});

describe('building events from a stream batch', () => {
  it('stores every event and queues one task per page for each enabled endpoint that subscribed', async () => {
    // Prepare
    const w = world();
    const payments = await endpointFor(w, ['payment.*'], 'mer_a', 'cmd_payments');
    const payouts = await endpointFor(w, ['payout.paid'], 'mer_a', 'cmd_payouts');
    const off = await endpointFor(w, ['*'], 'mer_a', 'cmd_off');
    await updateWebhookEndpoint(w, { merchantId: 'mer_a', id: off.endpoint.id, changes: { disabled: true } });
    // Act
    const result = await buildEvents(w, { key: 'batch-1', source: 'payments', drafts: [...drafts(), ...drafts('mer_b')] });
    // Assess
    expect(result).toEqual({ events: 6, pages: 2, tasks: 2 });
    const byEndpoint = Object.fromEntries(w.queue.enqueued.map(({ task }) => [task.endpointId, task.indexes]));
    expect(byEndpoint).toEqual({ [payments.endpoint.id]: [0, 1], [payouts.endpoint.id]: [2] });
  });
});

describe('delivering', () => {
  const setUp = async (script?: ConstructorParameters<typeof ScriptedSender>[0], clock = { now: t0 }) => {
    const w = world(clock);
    const created = await endpointFor(w, ['*']);
    await buildEvents(w, { key: 'batch-1', source: 'payments', drafts: drafts() });
    const task = w.queue.enqueued[0]?.task as DeliveryTask;
    w.queue.enqueued.length = 0;
    const sender = new ScriptedSender(script);
    const deps = { ...w, sender, timeScale: 1, perEndpointConcurrency: 2 };
    return { w, created, task, sender, deps, deadline: { deadlineMs: Date.now() + 60_000 } };
  };

  it('POSTs each event as the events API shows it, signed in the Standard Webhooks format', async () => {
    // The library refuses a timestamp more than five minutes from its own clock: sign at the real time.
    const { w, created, task, sender, deps, deadline } = await setUp(undefined, { now: new Date() });
    const outcome = await deliverWebhookTask(deps, task, deadline);
    expect(outcome).toEqual({ outcome: 'delivered', sent: 3, failed: 0, retried: 0 });
    for (const request of sender.sent) {
      const body = new Webhook(created.secret as string).verify(request.body, request.headers) as { id: string; type: string };
      const found = await getEvent({ events: w.events, now: w.now }, { merchantId: 'mer_a', id: body.id });
      expect(request.headers['webhook-id']).toBe(body.id);
      expect(found.event.type).toBe(body.type);
    }
    expect(w.queue.enqueued).toEqual([]);
  });

  it('retries only the failed events, on the schedule, and the deliveries show each attempt', async () => {
    const { w, task, deps, deadline } = await setUp([
      { status: 200, latencyMs: 10, error: null },
      { status: 500, latencyMs: 20, error: null },
      { status: null, latencyMs: 15_000, error: 'timeout' },
    ]);
    const outcome = await deliverWebhookTask({ ...deps, perEndpointConcurrency: 1 }, task, deadline);
    expect(outcome).toEqual({ outcome: 'delivered', sent: 3, failed: 2, retried: 2, failure: { reason: 'timeout', disabled: false } });
    expect(w.queue.enqueued).toEqual([{ task: expect.objectContaining({ indexes: [1, 2], attempt: 2, dueMs: t0.getTime() + 5_000 }), delaySeconds: 5 }]);
    const deliveries = await listEventDeliveries({ events: w.events, now: w.now }, { merchantId: 'mer_a', id: eventId(task.pageKey, 2) });
    expect(deliveries).toEqual([expect.objectContaining({ attempt: 1, succeeded: false, result: { status: null, latencyMs: 15_000, error: 'timeout' }, nextAttemptAt: '2026-12-06T12:00:05.000Z' })]);
  });

  it('waits for a retry that is not due yet instead of sending early', async () => {
    const { task, sender, deps, deadline } = await setUp();
    const outcome = await deliverWebhookTask(deps, { ...task, dueMs: t0.getTime() + 7_200_000 }, deadline);
    expect(outcome).toEqual({ outcome: 'not_due', waitSeconds: 7_200 });
    expect(sender.sent).toEqual([]);
  });

  it('disables an endpoint that kept failing for three days, and says why', async () => {
    const { w, created, task, deps, deadline } = await setUp([{ status: 503, latencyMs: 5, error: null }]);
    const failingSince = new Date(t0.getTime() - DISABLE_AFTER_FAILING_MS).toISOString();
    w.endpoints.items.set(created.endpoint.id, { ...(w.endpoints.items.get(created.endpoint.id) as WebhookEndpoint), failingSince });
    const outcome = await deliverWebhookTask(deps, { ...task, attempt: 9 }, deadline);
    expect(outcome).toMatchObject({ outcome: 'delivered', failed: 3, failure: { reason: 'HTTP 503', disabled: true } });
    expect(w.endpoints.items.get(created.endpoint.id)).toMatchObject({ status: 'disabled', disabledReason: 'failing', lastFailure: 'HTTP 503' });
    expect(w.queue.enqueued).toEqual([]);
  });

  it('sends nothing to a disabled endpoint, and records why in the deliveries', async () => {
    const { w, created, task, sender, deps, deadline } = await setUp();
    await updateWebhookEndpoint(w, { merchantId: 'mer_a', id: created.endpoint.id, changes: { disabled: true } });
    expect(await deliverWebhookTask(deps, task, deadline)).toEqual({ outcome: 'dropped', reason: 'endpoint_disabled' });
    expect(sender.sent).toEqual([]);
    expect(w.events.deliveries[0]?.results[0]?.result.error).toBe('endpoint_disabled');
  });
});

describe('reading and redelivering events', () => {
  it('lists newest first, filters by type, pages with starting_after', async () => {
    const w = world();
    await buildEvents(w, { key: 'batch-1', source: 'payments', drafts: drafts() });
    const all = await listEvents(w, { merchantId: 'mer_a', limit: 10 });
    expect(all.events.map((found) => found.event.type)).toEqual(['payout.paid', 'payment.succeeded', 'payment.created']);
    const payments = await listEvents(w, { merchantId: 'mer_a', limit: 1, type: 'payment.*' });
    expect({ types: payments.events.map((found) => found.event.type), hasMore: payments.hasMore }).toEqual({ types: ['payment.succeeded'], hasMore: true });
    const next = await listEvents(w, { merchantId: 'mer_a', limit: 1, type: 'payment.*', startingAfter: payments.events[0]?.id });
    expect({ types: next.events.map((found) => found.event.type), hasMore: next.hasMore }).toEqual({ types: ['payment.created'], hasMore: false });
    expect((await listEvents(w, { merchantId: 'mer_b', limit: 10 })).events).toEqual([]);
  });

  it("redelivers to the merchant's endpoint, and answers another merchant's event as not found", async () => {
    const w = world();
    const created = await endpointFor(w, ['*']);
    await buildEvents(w, { key: 'batch-1', source: 'payments', drafts: drafts() });
    const [newest] = (await listEvents(w, { merchantId: 'mer_a', limit: 1 })).events;
    w.queue.enqueued.length = 0;
    const redelivered = await redeliverEvent(w, { merchantId: 'mer_a', id: newest?.id as string, commandId: 'cmd_redeliver' });
    expect(redelivered.endpointIds).toEqual([created.endpoint.id]);
    expect(w.queue.enqueued).toEqual([{ task: expect.objectContaining({ kind: 'redelivery', attempt: 1 }), delaySeconds: 0 }]);
    await expect(redeliverEvent(w, { merchantId: 'mer_b', id: newest?.id as string, commandId: 'cmd_x' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getEvent(w, { merchantId: 'mer_b', id: newest?.id as string })).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});
