import { paymentOf } from '../../../lambdas/adapters/dynamodb/payment-items';
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { paymentContracts } from '../../../lambdas/contracts/payments';
import { summarizeCard } from '../../../lambdas/domain/card';
import { merchantCommandEndpoint } from '../../../lambdas/shared/http/merchant-command-endpoint';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useAcceptingSagas } from '../../support/sagas';

/** The payment handlers against DynamoDB Local, invoked with real API Gateway proxy events. */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

const card = { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' };
const validBody = { amount: 1999, currency: 'BRL', payment_method: { type: 'card', card } };

let db: IsolatedDynamoDb;
let kms: TestKms;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let createPayment: Handler;
let getPayment: Handler;
let listPayments: Handler;

const create = (merchantId: string, key: string | undefined, body: unknown) =>
  createPayment(
    apiGatewayEvent({
      method: 'POST',
      resource: '/v1/payments',
      merchantId,
      headers: key === undefined ? {} : { 'Idempotency-Key': key },
      body,
    }),
    lambdaContext('xborder-create-payment'),
  );

const scan = async (table: 'payments' | 'idempotency' | 'vault' | 'cardHolds') =>
  (await db.documentClient.send(new ScanCommand({ TableName: tableName(table) }))).Items ?? [];

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  ({ handler: createPayment } = (await import('../../../lambdas/handlers/api/create-payment')) as { handler: Handler });
  ({ handler: getPayment } = (await import('../../../lambdas/handlers/api/get-payment')) as { handler: Handler });
  ({ handler: listPayments } = (await import('../../../lambdas/handlers/api/list-payments')) as { handler: Handler });
});

afterAll(async () => {
  await kms.stop();
  await sagas.stop();
});

describe('POST /v1/payments', () => {
  it('creates the payment (201) and stores no card number or CVC anywhere', async () => {
    const response = await create('mer_a', 'create-1', { ...validBody, metadata: { order: 'A-1' }, description: 'Gems x100' });
    expect(response.statusCode).toBe(201);
    const payment = JSON.parse(response.body);
    expect(payment).toEqual({
      id: expect.stringMatching(/^pay_[a-z2-7]{26}$/),
      object: 'payment',
      status: 'processing',
      amount: 1999,
      currency: 'BRL',
      amount_capturable: 0,
      amount_received: 0,
      amount_refunded: 0,
      capture_method: 'automatic',
      payment_method: { type: 'card', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
      failure_code: null,
      failure_message: null,
      cancellation_reason: null,
      description: 'Gems x100',
      metadata: { order: 'A-1' },
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      livemode: false,
    });
    const stored = JSON.stringify([...(await scan('payments')), ...(await scan('idempotency'))]);
    expect(stored).toContain(payment.id);
    expect(stored).not.toContain(card.number);
    expect(stored).not.toContain('"123"');
  });

  it('holds the card for the authorization: the payment keeps its fingerprint, the regional hold only ciphertext, nothing in the vault', async () => {
    const response = await create('mer_a', 'hold-1', validBody);
    const { id } = JSON.parse(response.body) as { id: string };
    const [item] = (await scan('payments')).filter((candidate) => candidate.pk === id && candidate.sk === 'payment');
    const paymentCard = paymentOf(id, item ?? {}).paymentMethod.card;
    expect(paymentCard).toMatchObject({ fingerprint: expect.stringMatching(/^v1\./), last4: '4242', bin: '424242' });
    expect(paymentCard).not.toHaveProperty('token');
    const holds = await scan('cardHolds');
    expect(holds.filter((entry) => entry.pk === id)).toEqual([
      expect.objectContaining({ sk: 'hold', merchant_id: 'mer_a', fingerprint: paymentCard.fingerprint, ciphertext: expect.any(Uint8Array) }),
    ]);
    expect(await scan('vault')).toEqual([]);
    const { cardHoldsFromEnvironment } = await import('../../../lambdas/wiring/card-holds');
    await expect(cardHoldsFromEnvironment().reveal(id, 'mer_a')).resolves.toEqual(card);
    await expect(cardHoldsFromEnvironment().reveal(id, 'mer_b')).resolves.toBeUndefined();
    for (const entry of holds) {
      for (const value of Object.values(entry)) {
        const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value));
        expect(bytes.includes(Buffer.from(card.number))).toBe(false);
      }
    }
  });

  it('answers a retry whose idempotency record is gone (another region\'s) from the hold: same card 201, another card 422', async () => {
    const first = await create('mer_a', 'hold-2', validBody);
    const { id } = JSON.parse(first.body) as { id: string };
    // What a retry in the other region sees: the payment (global table) but not this region's idempotency record;
    // and the first request is over: its lease on the key (decision record 0048) has run out.
    const forgetIdempotencyRecords = async () => {
      for (const record of await scan('idempotency')) {
        await db.documentClient.send(new DeleteCommand({ TableName: tableName('idempotency'), Key: { id: record.id } }));
      }
      await db.documentClient.send(new UpdateCommand({ TableName: tableName('cardHolds'), Key: { pk: id, sk: 'hold' }, UpdateExpression: 'SET lease_until = :over', ExpressionAttributeValues: { ':over': 0 } }));
    };
    await forgetIdempotencyRecords();
    const retried = await create('mer_a', 'hold-2', validBody);
    expect(retried.statusCode).toBe(201);
    expect(JSON.parse(retried.body).id).toBe(id);
    expect((await scan('cardHolds')).filter((entry) => entry.pk === id)).toHaveLength(1);
    await forgetIdempotencyRecords();
    const otherCard = { ...validBody, payment_method: { type: 'card', card: { ...card, number: '5555555555554444' } } };
    const refused = await create('mer_a', 'hold-2', otherCard);
    expect(refused.statusCode).toBe(422);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'idempotency_key_reused' });
  });

  // Review of 0044 (fingerprints). Interleaving: a second request under the same key with ANOTHER card whose
  // brand, last4 and expiry match the first's (another issuer's card: BIN 400005 instead of 424242), sent while
  // the key's record is live (24 h). The request fingerprint hashed summarizeCard (brand, last4, expiry: never the
  // number, not the BIN), so Powertools found the stored record's validation hash equal and replayed the first
  // payment's answer. Now the record validates the number's keyed fingerprint too (0044, amended).
  it('refuses another card with the same brand, last4 and expiry under the same key within the window (422, not the first card\'s replay)', async () => {
    const first = await create('mer_a', 'bin-1', validBody);
    expect(first.statusCode).toBe(201);
    const sameLast4 = { ...card, number: '4000056655694242' };
    expect(sameLast4.number.slice(-4)).toBe(card.number.slice(-4));
    const second = await create('mer_a', 'bin-1', { ...validBody, payment_method: { type: 'card', card: sameLast4 } });
    expect(second.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(second.statusCode).toBe(422);
    expect(JSON.parse(second.body)).toMatchObject({ code: 'idempotency_key_reused' });
    // The same card is still the same request: replayed byte for byte.
    const again = await create('mer_a', 'bin-1', validBody);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    // The record holds hashes of the request, never a number nor its keyed fingerprint.
    const stored = JSON.stringify(await scan('idempotency'));
    const payment = JSON.parse(first.body) as { id: string };
    const item = (await scan('payments')).find((candidate) => candidate.pk === payment.id && candidate.sk === 'payment');
    const { fingerprint } = paymentOf(payment.id, item ?? {}).paymentMethod.card;
    expect(fingerprint).toMatch(/^v1\./);
    for (const secret of [card.number, sameLast4.number, fingerprint.slice(3)]) expect(stored).not.toContain(secret);
  });

  it('replays, byte for byte, a record written before the keyed fingerprint joined the request (a retry across the deploy)', async () => {
    // Prepare: the payment create as deployed before (the view alone validated), answering under key legacy-1.
    const before = merchantCommandEndpoint({
      operation: 'createPayment',
      guardsDuplicates: true,
      body: paymentContracts.createPayment.body,
      fingerprintView: (request) => ({ ...request, payment_method: { type: request.payment_method.type, card: summarizeCard(request.payment_method.card) } }),
      handle: async () => ({ status: 201, body: { id: 'pay_answered_before_the_deploy', object: 'payment' } }),
    }) as unknown as Handler;
    const event = (body: unknown) => apiGatewayEvent({ method: 'POST', resource: '/v1/payments', merchantId: 'mer_a', headers: { 'Idempotency-Key': 'legacy-1' }, body });
    const first = await before(event(validBody), lambdaContext('xborder-create-payment'));
    expect(first.statusCode).toBe(201);
    // Act: the same request reaches today's create.
    const retried = await create('mer_a', 'legacy-1', validBody);
    // Assess: the stored answer, not a 422 and not a second payment.
    expect(retried.headers?.['Idempotent-Replayed']).toBe('true');
    expect(retried.body).toBe(first.body);
    expect(retried.statusCode).toBe(201);
    // A different request under that key (another amount) is refused as before.
    const other = await create('mer_a', 'legacy-1', { ...validBody, amount: 2000 });
    expect(other.statusCode).toBe(422);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('replays the first response byte for byte for the same key and body, marked Idempotent-Replayed', async () => {
    const first = await create('mer_a', 'replay-1', validBody);
    const second = await create('mer_a', 'replay-1', validBody);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.body).toBe(first.body);
    expect(second.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
    expect(first.headers?.['Idempotent-Replayed']).toBeUndefined();
  });

  it('treats the same body with keys in another order as the same request', async () => {
    const first = await create('mer_a', 'order-1', validBody);
    const reordered = { payment_method: validBody.payment_method, currency: 'BRL', amount: 1999 };
    const second = await create('mer_a', 'order-1', reordered);
    expect(second.body).toBe(first.body);
  });

  it('refuses the same key with a different body (422 idempotency_key_reused) and writes nothing', async () => {
    await create('mer_a', 'reuse-1', validBody);
    const before = (await scan('payments')).length;
    const response = await create('mer_a', 'reuse-1', { ...validBody, amount: 2000 });
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect((await scan('payments')).length).toBe(before);
  });

  it('scopes keys per merchant', async () => {
    const a = JSON.parse((await create('mer_a', 'shared-key', validBody)).body);
    const b = JSON.parse((await create('mer_b', 'shared-key', validBody)).body);
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    ['no Idempotency-Key', undefined, validBody, 400, 'idempotency_key_invalid', 'Idempotency-Key'],
    ['a 256-character key', 'k'.repeat(256), validBody, 400, 'idempotency_key_invalid', 'Idempotency-Key'],
    ['malformed JSON', 'bad-json', '{"amount": ', 400, 'invalid_json', undefined],
    ['a JSON array', 'array', '[1,2]', 400, 'invalid_json', undefined],
    ['a zero amount', 'zero', { ...validBody, amount: 0 }, 422, 'validation_error', 'amount'],
    ['a negative amount', 'negative', { ...validBody, amount: -100 }, 422, 'validation_error', 'amount'],
    ['a fractional amount', 'fraction', { ...validBody, amount: 10.5 }, 422, 'validation_error', 'amount'],
    ['an amount as a string', 'string-amount', { ...validBody, amount: '1999' }, 422, 'validation_error', 'amount'],
    ['an oversized amount', 'oversized', { ...validBody, amount: 1e15 }, 422, 'validation_error', 'amount'],
    ['an unknown currency', 'currency', { ...validBody, currency: 'ABC' }, 422, 'validation_error', 'currency'],
    ['a lower-case currency', 'lower', { ...validBody, currency: 'brl' }, 422, 'validation_error', 'currency'],
    ['a card failing Luhn', 'luhn', { ...validBody, payment_method: { type: 'card', card: { ...card, number: '4242424242424241' } } }, 422, 'validation_error', 'payment_method.card.number'],
    ['an expired card', 'expired', { ...validBody, payment_method: { type: 'card', card: { ...card, exp_year: 2020 } } }, 422, 'validation_error', 'payment_method.card.exp_year'],
    ['a bad CVC', 'cvc', { ...validBody, payment_method: { type: 'card', card: { ...card, cvc: '1' } } }, 422, 'validation_error', 'payment_method.card.cvc'],
    ['an unknown capture_method', 'capture', { ...validBody, capture_method: 'later' }, 422, 'validation_error', 'capture_method'],
    ['21 metadata keys', 'metadata', { ...validBody, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 422, 'validation_error', 'metadata'],
    ['an unknown field', 'unknown', { ...validBody, amount_cents: 5 }, 422, 'validation_error', 'amount_cents'],
    ['a body over 64 KB', 'large', { ...validBody, description: 'x'.repeat(70_000) }, 413, 'payload_too_large', undefined],
  ])('refuses %s, names the problem, and writes nothing', async (_case, key, body, status, code, field) => {
    const payments = (await scan('payments')).filter((item) => item.sk === 'payment').length;
    const records = (await scan('idempotency')).length;
    const response = await create('mer_bad', key, body);
    expect(response.statusCode).toBe(status);
    const problem = JSON.parse(response.body);
    expect(problem).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
    if (field) expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect((await scan('payments')).filter((item) => item.sk === 'payment').length).toBe(payments);
    expect((await scan('idempotency')).length).toBe(records);
  });
});

describe('GET /v1/payments/{id} and GET /v1/payments', () => {
  const get = (merchantId: string, id: string) =>
    getPayment(
      apiGatewayEvent({ method: 'GET', resource: '/v1/payments/{id}', path: `/v1/payments/${id}`, pathParameters: { id }, merchantId }),
      lambdaContext('xborder-get-payment'),
    );
  const list = (merchantId: string, query?: Record<string, string>) =>
    listPayments(apiGatewayEvent({ method: 'GET', resource: '/v1/payments', query, merchantId }), lambdaContext('xborder-list-payments'));

  it('reads its own payment and answers 404 for another merchant\'s', async () => {
    const created = JSON.parse((await create('mer_owner', 'get-1', validBody)).body);
    const own = await get('mer_owner', created.id);
    expect(own.statusCode).toBe(200);
    expect(JSON.parse(own.body)).toEqual(created);
    const foreign = await get('mer_intruder', created.id);
    expect(foreign.statusCode).toBe(404);
    expect(JSON.parse(foreign.body)).toMatchObject({ code: 'resource_not_found' });
    // Indistinguishable from an id that never existed: same status, code and wording.
    const unknownId = `pay_${'d'.repeat(26)}`;
    const missing = await get('mer_intruder', unknownId);
    const shape = (body: string, id: string) => {
      const { request_id: _requestId, ...rest } = JSON.parse(body);
      return { ...rest, detail: rest.detail.replace(id, '<id>') };
    };
    expect(shape(foreign.body, created.id)).toEqual(shape(missing.body, unknownId));
  });

  it('paginates newest first with has_more, and refuses a foreign cursor', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push(JSON.parse((await create('mer_pages', `page-${index}`, validBody)).body).id);
      await new Promise((wait) => setTimeout(wait, 2));
    }
    const first = JSON.parse((await list('mer_pages', { limit: '2' })).body);
    expect(first).toMatchObject({ object: 'list', has_more: true });
    expect(first.data.map((p: { id: string }) => p.id)).toEqual([ids[4], ids[3]]);
    const second = JSON.parse((await list('mer_pages', { limit: '2', starting_after: ids[3] as string })).body);
    expect(second.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const last = JSON.parse((await list('mer_pages', { limit: '2', starting_after: ids[1] as string })).body);
    expect(last).toMatchObject({ has_more: false, data: [expect.objectContaining({ id: ids[0] })] });

    const foreign = await list('mer_someone_else', { starting_after: ids[0] as string });
    expect(foreign.statusCode).toBe(422);
    expect(JSON.parse(foreign.body).errors).toEqual([expect.objectContaining({ field: 'starting_after' })]);
  });

  it.each<Record<string, string>>([{ limit: '0' }, { limit: '101' }, { limit: 'ten' }, { unexpected: 'x' }])('refuses the query %p naming the parameter', async (query) => {
    const response = await list('mer_pages', query);
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body).errors).toEqual([expect.objectContaining({ field: Object.keys(query)[0] })]);
  });
});
