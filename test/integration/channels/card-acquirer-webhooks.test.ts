import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACQUIRER_SIGNATURE_HEADER, verifyAcquirerWebhook } from '../../../lambdas/adapters/channels/acquirer-webhook-signature';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { authorizeCommand, channelTo, eventually, inspect, ledgerDirectory, startTestAcquirer, uniqueKey } from '../../support/card-acquirer';

/**
 * Asynchronous callbacks: the acquirer POSTs signed lists of events for settled captures and completed refunds
 * (decision 0054: up to N events gathered over a window, one signature over the whole body), sends again only
 * the events a receiver did not take, and still delivers after its own restart (at least once per event).
 */
interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
  /** The outcome answered for each event of the list, in its order. */
  readonly outcomes: readonly string[];
}

interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Status to answer the next deliveries with (the last one repeats). */
  answers: number[];
  /** The outcome answered for an event (default `applied`). */
  outcomeOf: (event: { id: string; type: string }) => string;
  stop(): Promise<void>;
}

const startReceiver = async (answers: number[]): Promise<Receiver> => {
  const deliveries: Delivery[] = [];
  const receiver = { deliveries, answers, outcomeOf: () => 'applied' } as unknown as Receiver;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = receiver.answers.length > 1 ? (receiver.answers.shift() as number) : (receiver.answers[0] ?? 200);
      const body = Buffer.concat(chunks).toString('utf8');
      const events = (JSON.parse(body) as { data: { id: string; type: string }[] }).data;
      const outcomes = events.map((event) => receiver.outcomeOf(event));
      deliveries.push({ headers: request.headers, body, answered: status, outcomes });
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ received: true, results: events.map((event, index) => ({ id: event.id, outcome: outcomes[index] })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/atlas`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
};

const SECRET = 'whsec_test_atlas';
const fastWebhooks = (url: string) => ({ url, secret: SECRET, initialRetryDelayMs: 50, maxRetryDelayMs: 200, batchWindowMs: 0 });

let receiver: Receiver | undefined;
const acquirers: CardAcquirerSimulator[] = [];

afterEach(async () => {
  await Promise.all(acquirers.splice(0).map((acquirer) => acquirer.stop()));
  await receiver?.stop();
  receiver = undefined;
});

type SentEvent = { id: string; type: string; channel: string; data: { object: Record<string, unknown> } };
const listOf = (delivery: Delivery) => JSON.parse(delivery.body) as { object: string; data: SentEvent[] };
/** Every event a delivery carried, with the outcome it was answered and the delivery's status. */
const eventsOf = (deliveries: readonly Delivery[]) =>
  deliveries.flatMap((delivery) => listOf(delivery).data.map((event, index) => ({ event, answered: delivery.answered, outcome: delivery.outcomes[index] })));
const taken = (deliveries: readonly Delivery[]) => eventsOf(deliveries).filter((sent) => sent.answered === 200 && sent.outcome !== 'retry').map((sent) => sent.event);

it('sends signed lists of capture.settled and refund.succeeded events, sending again what a receiver that failed did not take', async () => {
  receiver = await startReceiver([500, 200]);
  const acquirer = await startTestAcquirer({ webhooks: fastWebhooks(receiver.url), settlementDelayMs: 50, refundDelayMs: 50, tickMs: 20 });
  acquirers.push(acquirer);
  const channel = channelTo(acquirer);
  const { authorizationId } = await channel.authorize(authorizeCommand());
  const capture = await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 700, currency: 'USD' });
  // Let the capture's event go first, so the failing answer is the capture's.
  await eventually(() => expect(receiver?.deliveries.length).toBeGreaterThanOrEqual(2));
  const refund = await channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId, amount: 200, currency: 'USD' });

  const accepted = await eventually(() => {
    const ok = taken(receiver?.deliveries ?? []);
    expect(ok.map((event) => event.type).sort()).toEqual(['capture.settled', 'refund.succeeded']);
    return ok;
  });
  const deliveries = receiver.deliveries;
  expect(deliveries[0]?.answered).toBe(500);
  expect(listOf(deliveries[0] as Delivery).data.map((event) => event.id)).toEqual(listOf(deliveries[1] as Delivery).data.map((event) => event.id));

  for (const delivery of deliveries) {
    expect(listOf(delivery).object).toBe('list');
    const header = delivery.headers[ACQUIRER_SIGNATURE_HEADER.toLowerCase()] as string;
    expect(() => verifyAcquirerWebhook({ payload: delivery.body, header, secrets: [SECRET], now: acquirer.now() })).not.toThrow();
    expect(() => verifyAcquirerWebhook({ payload: delivery.body, header, secrets: ['whsec_other'], now: acquirer.now() })).toThrow();
  }
  const settled = accepted.find((event) => event.type === 'capture.settled');
  expect(settled).toMatchObject({ channel: 'atlas', data: { object: { id: capture.captureId, status: 'settled', amount: 700, fee: 20 + 30, net: 650 } } });
  expect(accepted.find((event) => event.type === 'refund.succeeded')).toMatchObject({ data: { object: { id: refund.refundId, status: 'succeeded', amount: 200 } } });

  const events = await inspect<{ data: { id: string; delivered_at: string | null; attempts: number }[] }>(acquirer, '/__simulator/events');
  expect(events.data.find((event) => event.id === settled?.id)).toMatchObject({ delivered_at: expect.any(String), attempts: 2 });
});

it('gathers the events due over the window into one list of at most batchMaxEvents, and sends again only the events answered retry', async () => {
  receiver = await startReceiver([200]);
  const acquirer = await startTestAcquirer({ webhooks: { ...fastWebhooks(receiver.url), batchWindowMs: 1_500, batchMaxEvents: 3 }, settlementDelayMs: 20, tickMs: 20 });
  acquirers.push(acquirer);
  const channel = channelTo(acquirer);
  const captures: string[] = [];
  for (let index = 0; index < 5; index += 1) {
    const { authorizationId } = await channel.authorize(authorizeCommand());
    captures.push((await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 500 + index, currency: 'USD' })).captureId);
  }
  // The first capture's event is answered retry once; every other event is taken the first time.
  let refusedOnce: string | undefined;
  receiver.outcomeOf = (event) => {
    if (refusedOnce === undefined) refusedOnce = event.id;
    return event.id === refusedOnce && eventsOf(receiver?.deliveries ?? []).filter((sent) => sent.event.id === event.id).length === 0 ? 'retry' : 'applied';
  };
  await eventually(() => expect(new Set(taken(receiver?.deliveries ?? []).map((event) => event.data.object.id))).toEqual(new Set(captures)));

  const lists = receiver.deliveries.map((delivery) => listOf(delivery).data.length);
  // Six sends (five events, one of them twice) in lists of at most 3; a full list leaves without waiting the window.
  expect(lists.reduce((sum, length) => sum + length, 0)).toBe(6);
  expect(Math.max(...lists)).toBe(3);
  expect(lists.length).toBeLessThanOrEqual(3);
  const sent = eventsOf(receiver.deliveries).map((entry) => entry.event.id);
  expect(sent.filter((id) => id === refusedOnce)).toHaveLength(2);
  expect(new Set(sent).size).toBe(5); // nothing but the refused event was sent twice
  const events = await inspect<{ data: { id: string; delivered_at: string | null; attempts: number }[] }>(acquirer, '/__simulator/events');
  for (const event of events.data) expect(event).toMatchObject({ delivered_at: expect.any(String), attempts: event.id === refusedOnce ? 2 : 1 });
});

it('takes nothing from a 2xx whose answer does not give each event its outcome (the whole list is sent again)', async () => {
  const deliveries: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push(Buffer.concat(chunks).toString('utf8'));
      const events = (JSON.parse(deliveries.at(-1) as string) as { data: { id: string }[] }).data;
      // First a bare 200, then results for the events in reverse order (wrong ids at each position), then right.
      const results = deliveries.length === 1 ? undefined : deliveries.length === 2 ? [...events].reverse() : events;
      response.writeHead(200).end(results ? JSON.stringify({ results: results.map((event) => ({ id: event.id, outcome: 'applied' })) }) : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/atlas`;
    const acquirer = await startTestAcquirer({ webhooks: { ...fastWebhooks(url), batchWindowMs: 1_000 }, settlementDelayMs: 20, tickMs: 20 });
    acquirers.push(acquirer);
    const channel = channelTo(acquirer);
    for (let index = 0; index < 2; index += 1) {
      const { authorizationId } = await channel.authorize(authorizeCommand());
      await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 900, currency: 'USD' });
    }
    await eventually(async () => {
      const events = await inspect<{ data: { delivered_at: string | null; attempts: number }[] }>(acquirer, '/__simulator/events');
      expect(events.data.map((event) => [event.delivered_at !== null, event.attempts])).toEqual([
        [true, 3],
        [true, 3],
      ]);
    });
    expect(deliveries.map((body) => (JSON.parse(body) as { data: unknown[] }).data.length)).toEqual([2, 2, 2]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('delivers after a restart what it could not deliver before (at least once)', async () => {
  receiver = await startReceiver([503]);
  const directory = ledgerDirectory();
  const first = await startTestAcquirer({ directory, webhooks: fastWebhooks(receiver.url), settlementDelayMs: 20, tickMs: 20 });
  acquirers.push(first);
  const channel = channelTo(first);
  const { authorizationId } = await channel.authorize(authorizeCommand());
  const capture = await channel.capture({ idempotencyKey: uniqueKey('cap'), authorizationId, amount: 1_000, currency: 'USD' });
  await eventually(() => expect(receiver?.deliveries.length).toBeGreaterThanOrEqual(1));
  await first.stop();
  acquirers.splice(0);

  receiver.answers = [200];
  const second = await startTestAcquirer({ directory, webhooks: fastWebhooks(receiver.url), tickMs: 20 });
  acquirers.push(second);
  const delivered = await eventually(() => {
    const [ok] = taken(receiver?.deliveries ?? []);
    expect(ok).toBeDefined();
    return ok as SentEvent;
  });
  expect(delivered).toMatchObject({ type: 'capture.settled', data: { object: { id: capture.captureId } } });
  expect(new Set(eventsOf(receiver.deliveries).map((sent) => sent.event.id))).toEqual(new Set([delivered.id]));
});
