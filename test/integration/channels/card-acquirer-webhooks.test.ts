import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACQUIRER_SIGNATURE_HEADER, verifyAcquirerWebhook } from '../../../lambdas/adapters/channels/acquirer-webhook-signature';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { authorizeCommand, channelTo, eventually, inspect, ledgerDirectory, startTestAcquirer, uniqueKey } from '../../support/card-acquirer';

/**
 * Asynchronous callbacks: the acquirer POSTs signed events for settled captures and completed refunds,
 * retries a receiver that fails, and still delivers after its own restart (at least once).
 */
interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Status to answer the next deliveries with (the last one repeats). */
  answers: number[];
  stop(): Promise<void>;
}

const startReceiver = async (answers: number[]): Promise<Receiver> => {
  const deliveries: Delivery[] = [];
  const receiver = { deliveries, answers } as Receiver;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = receiver.answers.length > 1 ? (receiver.answers.shift() as number) : (receiver.answers[0] ?? 200);
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      response.writeHead(status).end();
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
const fastWebhooks = (url: string) => ({ url, secret: SECRET, initialRetryDelayMs: 50, maxRetryDelayMs: 200 });

let receiver: Receiver | undefined;
const acquirers: CardAcquirerSimulator[] = [];

afterEach(async () => {
  await Promise.all(acquirers.splice(0).map((acquirer) => acquirer.stop()));
  await receiver?.stop();
  receiver = undefined;
});

const parsed = (delivery: Delivery) => JSON.parse(delivery.body) as { id: string; type: string; channel: string; data: { object: Record<string, unknown> } };

it('sends signed capture.settled and refund.succeeded events, retrying a receiver that failed', async () => {
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
    const ok = (receiver?.deliveries ?? []).filter((delivery) => delivery.answered === 200).map(parsed);
    expect(ok.map((event) => event.type).sort()).toEqual(['capture.settled', 'refund.succeeded']);
    return ok;
  });
  const deliveries = receiver.deliveries;
  expect(deliveries[0]?.answered).toBe(500);
  expect(parsed(deliveries[0] as Delivery).id).toBe(parsed(deliveries[1] as Delivery).id);

  for (const delivery of deliveries) {
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
    const ok = receiver?.deliveries.find((delivery) => delivery.answered === 200);
    expect(ok).toBeDefined();
    return parsed(ok as Delivery);
  });
  expect(delivered).toMatchObject({ type: 'capture.settled', data: { object: { id: capture.captureId } } });
  expect(new Set(receiver.deliveries.map((delivery) => parsed(delivery).id))).toEqual(new Set([delivered.id]));
});
