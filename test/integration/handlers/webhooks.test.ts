import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { MAX_WEBHOOK_ENDPOINTS } from '../../../lambdas/domain/webhooks';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { type LocalSqs, startLocalSqs } from '../../../local/sqs';
import { type LocalStreams, startLocalStreams } from '../../../local/streams';
import { type WebhookReceiver, startWebhookReceiver } from '../../../local/webhook-receiver';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type HttpResponse, request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * Events and webhooks over real HTTP, against DynamoDB Local: the merchant API through the local API
 * Gateway and the real authorizer; the events outbox fed by DynamoDB Local's Streams API (local/streams.ts);
 * deliveries through the local SQS (local/sqs.ts) to a local receiver that verifies every message with the
 * published `standardwebhooks` package. The retry schedule runs 100 times faster (WEBHOOK_TIME_SCALE).
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
let sqs: LocalSqs;
let streams: LocalStreams;
let receiver: WebhookReceiver;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let owner: { id: string; key: string };
/** The endpoint of the `payments` inbox (the first delivery test makes it). */
let paymentsEndpointId: string;
let other: { id: string; key: string };

const as = (merchant: { key: string }, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpResponse> =>
  request(apis.merchantUrl, method, path, { key: merchant.key, body, idempotencyKey: method === 'POST' ? (idempotencyKey ?? randomUUID()) : undefined });

const eventually = async <T>(ask: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((wait) => setTimeout(wait, 100));
    value = await ask();
  }
  return value;
};

const everyItem = async (): Promise<string> => {
  const { TableNames = [] } = await db.client.send(new ListTablesCommand({}));
  const dumps = await Promise.all(TableNames.map(async (table) => JSON.stringify((await db.client.send(new ScanCommand({ TableName: table }))).Items ?? [])));
  return dumps.join('\n');
};

const eventCount = async () => (await db.client.send(new ScanCommand({ TableName: tableName('events'), Select: 'COUNT' }))).Count ?? 0;

const paymentBody = { amount: 2500, currency: 'EUR', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } };

/** An endpoint on its own inbox of the receiver, subscribed to `events`, the inbox verifying with its secret. */
const endpointOn = async (inbox: string, events: string[] = ['*']) => {
  const created = await as(owner, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/${inbox}`, enabled_events: events, description: `inbox ${inbox}` });
  expect(created.status).toBe(201);
  receiver.inbox(inbox).secrets = [created.json.secret];
  return created.json as { id: string; secret: string };
};

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  // Read by the handler modules when they load (their first invocation). Messages arrive only once the APIs run.
  process.env.WEBHOOK_URL_POLICY = 'local';
  process.env.WEBHOOK_TIME_SCALE = '0.01';
  sqs = await startLocalSqs({ store: ':memory:', invoke: (key, event) => apis.lambdas.invoke(key, event) });
  Object.assign(process.env, sqs.environment, { AWS_ENDPOINT_URL_SQS: sqs.url });
  apis = await startLocalApis();
  streams = await startLocalStreams({
    endpoint: db.endpoint,
    invoke: (key, event) => apis.lambdas.invoke(key, event),
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY as string },
  });
  receiver = await startWebhookReceiver({ port: 0 });
  const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  const onboard = async (name: string) => {
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name });
    return { id: onboarded.merchant.id, key: onboarded.secretKey };
  };
  owner = await onboard('Webhook Owner');
  other = await onboard('Webhook Other');
  // Their first keys make api_key.created events: stored before any test counts the events table.
  expect(await streams.drain(30_000)).toBe(true);
}, 60_000);

afterAll(async () => {
  await streams?.stop();
  await sqs?.stop();
  // Test files share a worker's environment.
  for (const name of ['AWS_ENDPOINT_URL_SQS', 'WEBHOOK_URL_POLICY', 'WEBHOOK_TIME_SCALE', ...Object.keys(sqs?.environment ?? {})]) delete process.env[name];
  await receiver?.stop();
  await apis?.stop();
  await sagas?.stop();
  await kms?.stop();
});

describe('webhook endpoints', () => {
  it('shows the signing secret in the create answer only, and never stores it in the clear', async () => {
    // Prepare
    const idempotencyKey = randomUUID();
    const body = { url: `${receiver.url}/secret-check`, enabled_events: ['payment.succeeded', 'payout.*'] };
    // Act
    const created = await as(owner, 'POST', '/v1/webhook_endpoints', body, idempotencyKey);
    const replayed = await as(owner, 'POST', '/v1/webhook_endpoints', body, idempotencyKey);
    const read = await as(owner, 'GET', `/v1/webhook_endpoints/${created.json.id}`);
    const listed = await as(owner, 'GET', '/v1/webhook_endpoints');
    // Assess
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', enabled_events: ['payment.succeeded', 'payout.*'] });
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(replayed.json.id).toBe(created.json.id);
    for (const answer of [replayed, read, listed]) expect(answer.text).not.toContain(created.json.secret);
    expect(listed.json.data.map((endpoint: { id: string }) => endpoint.id)).toContain(created.json.id);
    const stored = await everyItem();
    expect(stored).not.toContain(created.json.secret);
    expect(stored).not.toContain(created.json.secret.slice('whsec_'.length));
  });

  it.each([
    ['url', { url: 'ftp://hooks.example.com/x', enabled_events: ['*'] }],
    ['url', { url: 'not a url', enabled_events: ['*'] }],
    ['url', { url: 'https://hooks.example.com/x?token=abc', enabled_events: ['*'] }],
    ['url', { url: 'https://user:pw@hooks.example.com/x', enabled_events: ['*'] }],
    ['url', { enabled_events: ['*'] }],
    ['enabled_events', { url: 'https://hooks.example.com/x', enabled_events: [] }],
    ['enabled_events.0', { url: 'https://hooks.example.com/x', enabled_events: ['payment.exploded'] }],
    ['description', { url: 'https://hooks.example.com/x', enabled_events: ['*'], description: 'x'.repeat(501) }],
    ['colour', { url: 'https://hooks.example.com/x', enabled_events: ['*'], colour: 'blue' }],
  ])('refuses a bad %s with 422 naming it, and writes nothing', async (field, body) => {
    const before = await eventCount();
    const response = await as(owner, 'POST', '/v1/webhook_endpoints', body);
    expect({ status: response.status, code: response.json?.code, fields: response.json?.errors?.map((error: { field: string }) => error.field) }).toEqual({
      status: 422,
      code: 'validation_error',
      fields: [field],
    });
    expect(await eventCount()).toBe(before);
  });

  it(`refuses more than ${MAX_WEBHOOK_ENDPOINTS} endpoints per merchant with 409`, async () => {
    const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
    const busy = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'Busy' });
    const merchant = { key: busy.secretKey };
    for (let index = 0; index < MAX_WEBHOOK_ENDPOINTS; index += 1) {
      expect((await as(merchant, 'POST', '/v1/webhook_endpoints', { url: `https://hooks.example.com/${index}`, enabled_events: ['*'] })).status).toBe(201);
    }
    const refused = await as(merchant, 'POST', '/v1/webhook_endpoints', { url: 'https://hooks.example.com/17', enabled_events: ['*'] });
    expect({ status: refused.status, code: refused.json?.code }).toEqual({ status: 409, code: 'webhook_endpoint_limit_reached' });
    expect((await as(merchant, 'GET', '/v1/webhook_endpoints?limit=100')).json.data).toHaveLength(MAX_WEBHOOK_ENDPOINTS);
  });

  it("answers another merchant's endpoint as not found, on every route, and changes nothing", async () => {
    const { id } = await endpointOn('isolation');
    const before = (await as(owner, 'GET', `/v1/webhook_endpoints/${id}`)).json;
    for (const [method, path, body] of [
      ['GET', `/v1/webhook_endpoints/${id}`],
      ['POST', `/v1/webhook_endpoints/${id}`, { disabled: true }],
      ['POST', `/v1/webhook_endpoints/${id}/rotate_secret`, {}],
      ['DELETE', `/v1/webhook_endpoints/${id}`],
    ] as const) {
      const response = await as(other, method, path, body);
      expect({ route: `${method} ${path}`, status: response.status }).toEqual({ route: `${method} ${path}`, status: 404 });
    }
    expect((await as(owner, 'GET', `/v1/webhook_endpoints/${id}`)).json).toEqual(before);
  });

  it('updates, disables and deletes an endpoint', async () => {
    const { id } = await endpointOn('lifecycle');
    const updated = await as(owner, 'POST', `/v1/webhook_endpoints/${id}`, { enabled_events: ['refund.*'], description: null, disabled: true });
    expect(updated.json).toMatchObject({ enabled_events: ['refund.*'], description: null, status: 'disabled', disabled_reason: 'disabled_by_merchant' });
    const deleted = await as(owner, 'DELETE', `/v1/webhook_endpoints/${id}`);
    expect({ status: deleted.status, body: deleted.json }).toEqual({ status: 200, body: { id, object: 'webhook_endpoint', deleted: true } });
    expect((await as(owner, 'GET', `/v1/webhook_endpoints/${id}`)).status).toBe(404);
    expect((await as(owner, 'DELETE', `/v1/webhook_endpoints/${id}`)).status).toBe(404);
  });
});

describe('delivery', () => {
  it('delivers each payment event signed so the standardwebhooks package verifies it, exactly as the events API shows it', async () => {
    // Prepare
    const endpoint = await endpointOn('payments', ['payment.*']);
    paymentsEndpointId = endpoint.id;
    // Act
    const payment = await as(owner, 'POST', '/v1/payments', paymentBody);
    expect(payment.status).toBe(201);
    const inbox = receiver.inbox('payments');
    await eventually(() => inbox.received, (received) => received.some((message) => message.eventId && message.type === 'payment.created'));
    // Assess
    const message = inbox.received.find((received) => received.answered === 200);
    expect(message).toMatchObject({ type: 'payment.created', verified: true, answered: 200 });
    const headers = { 'webhook-id': message?.webhookId as string, 'webhook-timestamp': message?.timestamp as string, 'webhook-signature': message?.signature as string };
    expect(new Webhook(endpoint.secret).verify(message?.body as string, headers)).toMatchObject({ type: 'payment.created', data: { object: { id: payment.json.id } } });
  });

  it('lists the events newest first, gets one exactly as delivered, and shows its delivery', async () => {
    const inbox = receiver.inbox('payments');
    const delivered = inbox.received.find((message) => message.type === 'payment.created');
    const listed = await as(owner, 'GET', '/v1/events?type=payment.*&limit=5');
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((event: { id: string }) => event.id)).toContain(delivered?.eventId);
    const one = await as(owner, 'GET', `/v1/events/${delivered?.eventId}`);
    expect(one.json).toEqual(JSON.parse(delivered?.body as string));
    expect(one.json.data.object).toMatchObject({ object: 'payment', amount: 2500, currency: 'EUR' });
    // The attempt the receiver answered 200 (on a loaded machine an earlier one may have timed out: 1 s here).
    const succeeded = (response: HttpResponse) =>
      (response.json?.data ?? []).find((delivery: { endpoint_id: string; status: string }) => delivery.endpoint_id === paymentsEndpointId && delivery.status === 'succeeded');
    const deliveries = await eventually(() => as(owner, 'GET', `/v1/events/${delivered?.eventId}/deliveries`), (response) => succeeded(response) !== undefined);
    expect(succeeded(deliveries)).toMatchObject({ object: 'webhook_delivery', redelivery: false, response_status: 200, error: null });
    // Another merchant's event is not found; its own list does not show it.
    expect((await as(other, 'GET', `/v1/events/${delivered?.eventId}`)).status).toBe(404);
    // (its own list holds only its own events: its first API key's creation)
    const othersEvents = (await as(other, 'GET', '/v1/events')).json.data as { id: string; type: string }[];
    expect(othersEvents.map((event) => event.id)).not.toContain(delivered?.eventId);
    expect(othersEvents.map((event) => event.type)).toEqual(['api_key.created']);
  });

  it('retries while the receiver answers 500, and misses nothing once it recovers', async () => {
    const endpoint = await endpointOn('flaky', ['payment.created']);
    const inbox = receiver.inbox('flaky');
    inbox.behaviour = { mode: 'error', status: 500 };
    const payment = await as(owner, 'POST', '/v1/payments', paymentBody);
    await eventually(() => inbox.received, (received) => received.length >= 2);
    inbox.behaviour = { mode: 'ok' };
    const received = await eventually(() => inbox.received, (all) => all.some((message) => message.answered === 200), 60_000);
    const ok = received.find((message) => message.answered === 200);
    expect(JSON.parse(ok?.body as string).data.object.id).toBe(payment.json.id);
    // Every attempt carried the same webhook-id: a receiver drops the duplicates by it.
    expect(new Set(received.map((message) => message.webhookId))).toEqual(new Set([ok?.webhookId]));
    const deliveries = ((await as(owner, 'GET', `/v1/events/${ok?.eventId}/deliveries`)).json.data as { endpoint_id: string; attempt: number; status: string; response_status: number }[]).filter(
      (delivery) => delivery.endpoint_id === endpoint.id,
    );
    expect(deliveries.filter((delivery) => delivery.status === 'failed').every((delivery) => delivery.response_status === 500)).toBe(true);
    expect(deliveries.at(-1)).toMatchObject({ status: 'succeeded', response_status: 200 });
    expect(deliveries.map((delivery) => delivery.attempt)).toEqual(deliveries.map((_, index) => index + 1));
  }, 90_000);

  it('tells a merchant when an API key is created and revoked, with the key redacted and never its secret', async () => {
    // Prepare: another merchant's endpoint (the owner's are used up by the limit test), for API keys only.
    const endpoint = await as(other, 'POST', '/v1/webhook_endpoints', { url: `${receiver.url}/access`, enabled_events: ['api_key.*'] });
    expect(endpoint.status).toBe(201);
    const inbox = receiver.inbox('access');
    inbox.secrets = [endpoint.json.secret];
    // Act
    const createdKey = await as(other, 'POST', '/v1/api_keys', {});
    expect(createdKey.status).toBe(201);
    const revoked = await as(other, 'POST', `/v1/api_keys/${createdKey.json.id}/revoke`, {});
    expect(revoked.status).toBe(200);
    await eventually(() => inbox.received, (received) => received.some((message) => message.type === 'api_key.revoked'));
    // Assess
    const types = inbox.received.filter((message) => message.answered === 200).map((message) => [message.type, message.verified, JSON.parse(message.body).data.object.id]);
    expect(types).toEqual(expect.arrayContaining([
      ['api_key.created', true, createdKey.json.id],
      ['api_key.revoked', true, createdKey.json.id],
    ]));
    for (const message of inbox.received) expect(message.body).not.toContain(createdKey.json.secret);
    const listed = await as(other, 'GET', '/v1/events?type=api_key.*&limit=10');
    expect(listed.json.data.map((event: { type: string; data: { object: { id: string } } }) => [event.type, event.data.object.id])).toEqual(
      expect.arrayContaining([['api_key.revoked', createdKey.json.id], ['api_key.created', createdKey.json.id]]),
    );
  });

  it('redelivers an event on request, with the same id', async () => {
    const inbox = receiver.inbox('payments');
    const first = inbox.received.find((message) => message.type === 'payment.created');
    const before = inbox.received.length;
    const redelivery = await as(owner, 'POST', `/v1/events/${first?.eventId}/redeliver`, {});
    expect(redelivery.status).toBe(202);
    const received = await eventually(() => inbox.received, (all) => all.length > before);
    expect(received.at(-1)).toMatchObject({ webhookId: first?.webhookId, verified: true });
  });

  it('signs with the old and the new secret after a rotation, so the receiver can switch without a gap', async () => {
    const endpoint = await endpointOn('rotation', ['payment.created']);
    const rotated = await as(owner, 'POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, {});
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret_rotation.previous_secret_expires_at).toEqual(expect.any(String));
    const inbox = receiver.inbox('rotation');
    // The receiver still knows only the old secret.
    inbox.secrets = [endpoint.secret];
    await as(owner, 'POST', '/v1/payments', paymentBody);
    const [message] = await eventually(() => inbox.received, (all) => all.length > 0);
    expect(message?.verified).toBe(true);
    inbox.secrets = [rotated.json.secret];
    expect(() =>
      new Webhook(rotated.json.secret).verify(message?.body as string, {
        'webhook-id': message?.webhookId as string,
        'webhook-timestamp': message?.timestamp as string,
        // The receiver kept the raw header: both signatures are in it.
        'webhook-signature': message?.signature as string,
      }),
    ).not.toThrow();
  });
});
