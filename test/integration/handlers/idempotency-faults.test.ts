import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type DynamoDbFaultProxy, dynamoDbErrors, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The Idempotency-Key contract under concurrency and failure, with the handler's DynamoDB traffic going
 * through a fault-injecting proxy in front of DynamoDB Local.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

const body = {
  amount: 5000,
  currency: 'JPY',
  payment_method: { type: 'card', card: { number: '5555555555554444', exp_month: 1, exp_year: 2031, cvc: '999' } },
};

let proxy: DynamoDbFaultProxy;
let db: IsolatedDynamoDb;
let kms: TestKms;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let createPayment: Handler;

/** The payment's creation: one conditional put of the payment (its timeline inside). */
const isPaymentsWrite = (request: Record<string, unknown>) =>
  request.TableName === tableName('payments') && (request.Item as Record<string, { S?: string }> | undefined)?.sk?.S === 'payment';
const isIdempotencySave = (request: Record<string, unknown>) => request.TableName === tableName('idempotency');

const create = (key: string, timeoutMs = 10_000) =>
  createPayment(
    apiGatewayEvent({ method: 'POST', resource: '/v1/payments', merchantId: 'mer_faults', headers: { 'Idempotency-Key': key }, body }),
    lambdaContext('xborder-create-payment', timeoutMs),
  );

const paymentsStored = async () =>
  ((await db.documentClient.send(new ScanCommand({ TableName: tableName('payments') }))).Items ?? []).filter((item) => item.sk === 'payment')
    .length;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
  db = await useIsolatedDynamoDb(proxy.endpoint);
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  ({ handler: createPayment } = (await import('../../../lambdas/handlers/api/create-payment')) as { handler: Handler });
});

afterEach(() => proxy.clear());
afterAll(async () => {
  await proxy.stop();
  await kms.stop();
  await sagas.stop();
});

it('answers a duplicate that arrives while the first is still running with 409 idempotency_in_progress', async () => {
  const heldBefore = proxy.counts.faulted.PutItem ?? 0;
  proxy.inject({ operation: 'PutItem', when: isPaymentsWrite, delayMs: 1_500, times: 1 });
  const first = create('concurrent-1');
  // The first request is provably in progress once its payment write reaches DynamoDB (held by the proxy):
  // its card hold, which leases the key to it, was written before (decision record 0048).
  while ((proxy.counts.faulted.PutItem ?? 0) === heldBefore) await new Promise((wait) => setTimeout(wait, 10));
  const duplicate = await create('concurrent-1');
  expect(duplicate.statusCode).toBe(409);
  expect(JSON.parse(duplicate.body)).toMatchObject({ code: 'idempotency_in_progress' });
  const original = await first;
  expect(original.statusCode).toBe(201);
  const after = await create('concurrent-1');
  expect(after.body).toBe(original.body);
});

it('creates exactly one payment when many identical requests race', async () => {
  const before = await paymentsStored();
  const responses = await Promise.all(Array.from({ length: 12 }, () => create('storm-1')));
  const created = responses.filter((response) => response.statusCode === 201);
  expect(responses.every((response) => response.statusCode === 201 || response.statusCode === 409)).toBe(true);
  expect(new Set(created.map((response) => JSON.parse(response.body).id)).size).toBe(1);
  expect(await paymentsStored()).toBe(before + 1);
});

it('does not store an unexpected failure: the retry with the same key succeeds, once', async () => {
  proxy.inject({ operation: 'PutItem', when: isPaymentsWrite, error: dynamoDbErrors.internal(), times: 5 });
  const failed = await create('transient-1');
  expect(failed.statusCode).toBe(500);
  expect(JSON.parse(failed.body)).toMatchObject({ code: 'internal_error' });
  expect(failed.body).not.toMatch(/InternalServerError|stack|dynamodb/i);

  const before = await paymentsStored();
  const retried = await create('transient-1');
  expect(retried.statusCode).toBe(201);
  expect(await paymentsStored()).toBe(before + 1);
});

it('survives a crash between the payment write and the idempotency record: the retry returns the same payment', async () => {
  // The payment is written, then recording the response (the record's one Put) fails every time: as if the
  // function died there.
  proxy.inject({ operation: 'PutItem', when: isIdempotencySave, error: dynamoDbErrors.internal(), times: 5 });
  // The dead invocation's deadline: long enough that the duplicate below arrives before it on a loaded
  // machine (CI runs every suite on 2 cores), and waited out in full before the retry.
  const deadlineMs = 4_000;
  const invokedAt = Date.now();
  const crashed = await create('crash-1', deadlineMs);
  expect(crashed.statusCode).toBe(503);
  expect(await paymentsStored()).toBeGreaterThan(0);
  const before = await paymentsStored();

  // While the dead invocation's lease on the key is alive (it never released it: it answered), duplicates are told to wait...
  const tooSoon = await create('crash-1');
  expect(tooSoon.statusCode).toBe(409);

  // ...and once it expires (the invocation's own deadline), the retry finds the payment it wrote.
  await new Promise((wait) => setTimeout(wait, Math.max(0, invokedAt + deadlineMs + 200 - Date.now())));
  const retried = await create('crash-1');
  expect(retried.statusCode).toBe(201);
  expect(await paymentsStored()).toBe(before);
  const replay = await create('crash-1');
  expect(replay.body).toBe(retried.body);
});

it('recovers from throttling through the SDK\'s retries without the caller noticing', async () => {
  proxy.inject({ operation: 'PutItem', when: isPaymentsWrite, error: dynamoDbErrors.throttled(), times: 2 });
  const response = await create('throttled-1');
  expect(response.statusCode).toBe(201);
  expect(proxy.counts.faulted.PutItem).toBeGreaterThanOrEqual(2);
});

// Defect (decision 0048, found in review): a payment create writes no idempotency record while it runs (its card
// hold is its only in-progress marker), and every other POST's Powertools layer checks only the idempotency
// table. Keys are shared across endpoints, so another request under the key of a create still running is not
// refused (409 / 422, as it was when the create wrote INPROGRESS first): it executes and its answer takes the
// key; the create's answer is then not stored (its Put's condition meets that live record), and the create's
// own retry (a merchant whose first attempt timed out) is answered 422 idempotency_key_reused although its
// payment was made and charged. Not fixed here: the create would need an in-progress mark the other endpoints
// read (the write 0048 removed), or those endpoints would need to read the hold's lease.
it.skip('refuses another POST under the key of a payment create still running, and replays the create to its retry', async () => {
  const { handler: capturePayment } = (await import('../../../lambdas/handlers/api/request-payment-capture')) as { handler: Handler };
  const heldBefore = proxy.counts.faulted.PutItem ?? 0;
  proxy.inject({ operation: 'PutItem', when: isPaymentsWrite, delayMs: 1_500, times: 1 });
  const first = create('cross-endpoint-1');
  while ((proxy.counts.faulted.PutItem ?? 0) === heldBefore) await new Promise((wait) => setTimeout(wait, 10));
  // The same key on another endpoint while the create runs (a payment id of the right form, no such payment).
  const otherPayment = `pay_${'a'.repeat(26)}`;
  const other = await capturePayment(
    apiGatewayEvent({
      method: 'POST',
      resource: '/v1/payments/{id}/capture',
      path: `/v1/payments/${otherPayment}/capture`,
      pathParameters: { id: otherPayment },
      merchantId: 'mer_faults',
      headers: { 'Idempotency-Key': 'cross-endpoint-1' },
      body: {},
    }),
    lambdaContext('xborder-request-payment-capture'),
  );
  expect([409, 422]).toContain(other.statusCode);
  expect(JSON.parse(other.body).code).toMatch(/^idempotency_/);
  const original = await first;
  expect(original.statusCode).toBe(201);
  const retried = await create('cross-endpoint-1');
  expect(retried.statusCode).toBe(201);
  expect(retried.body).toBe(original.body);
});

it('refuses the same key with a different body (same card, another amount) 422 while the first create still runs', async () => {
  const heldBefore = proxy.counts.faulted.PutItem ?? 0;
  proxy.inject({ operation: 'PutItem', when: isPaymentsWrite, delayMs: 1_500, times: 1 });
  const first = create('reused-while-running-1');
  while ((proxy.counts.faulted.PutItem ?? 0) === heldBefore) await new Promise((wait) => setTimeout(wait, 10));
  const different = await createPayment(
    apiGatewayEvent({ method: 'POST', resource: '/v1/payments', merchantId: 'mer_faults', headers: { 'Idempotency-Key': 'reused-while-running-1' }, body: { ...body, amount: 6000 } }),
    lambdaContext('xborder-create-payment'),
  );
  expect(different.statusCode).toBe(422);
  expect(JSON.parse(different.body)).toMatchObject({ code: 'idempotency_key_reused' });
  expect((await first).statusCode).toBe(201);
});
