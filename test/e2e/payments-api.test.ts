import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { api, demoMerchants, eventually, testCard } from '../support/e2e';

/**
 * A scripted merchant session over real HTTP against `npm start`'s runtime: the contract of issue 2
 * (create, replay, conflicting replay, concurrent duplicates, get, list and paginate, another merchant's
 * id, bad inputs), as a merchant would see it.
 */
// Northwind's payment list is this file's alone: it is paged and counted here while other e2e files run
// (jest.config.js `maxWorkers`); the others pay with Pixel Forge or merchants of their own.
const [pixel, northwind] = demoMerchants() as unknown as [{ api_key: string }, { api_key: string }];
const key = () => randomUUID();
const payment = (overrides: Record<string, unknown> = {}) => ({ amount: 1999, currency: 'BRL', payment_method: testCard(), ...overrides });

describe('create and replay', () => {
  it('creates a payment in each currency exponent (JPY 0, USD 2, KWD 3) and never echoes card data', async () => {
    for (const [currency, amount] of [['JPY', 1500], ['USD', 1999], ['KWD', 12345]] as const) {
      const response = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey: key(), body: payment({ currency, amount }) });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.json).toMatchObject({ object: 'payment', amount, currency, livemode: false });
      // The response carries the status reached so far; a 4242 card ends succeeded.
      expect(['processing', 'succeeded']).toContain(response.json.status);
      const settled = await eventually(() => api('GET', `/v1/payments/${response.json.id}`, { key: pixel.api_key }), (got) => got.json.status === 'succeeded');
      expect(settled.json).toMatchObject({ status: 'succeeded', amount_received: amount });
      expect(response.json.payment_method).toEqual({ type: 'card', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 });
      expect(response.text).not.toContain('4242424242424242');
      expect(response.text).not.toContain('"cvc"');
    }
  });

  it('replays the first response byte for byte, marked Idempotent-Replayed: true', async () => {
    const idempotencyKey = key();
    const first = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment({ capture_method: 'manual' }) });
    const replay = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment({ capture_method: 'manual' }) });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses the same key with a different body: 422 idempotency_key_reused', async () => {
    const idempotencyKey = key();
    await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment() });
    const conflicting = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment({ amount: 2999 }) });
    expect(conflicting.status).toBe(422);
    expect(conflicting.headers.get('content-type')).toBe('application/problem+json');
    expect(conflicting.json).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });

  it('creates exactly one payment from concurrent duplicates; the rest are 409 in progress or replays', async () => {
    const idempotencyKey = key();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment({ amount: 777 }) })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    for (const conflict of responses.filter((response) => response.status === 409)) {
      expect(conflict.json).toMatchObject({ code: 'idempotency_in_progress' });
    }
    const created = responses.filter((response) => response.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((response) => response.text)).size).toBe(1);
    const listed = await api('GET', '/v1/payments?limit=100', { key: pixel.api_key });
    expect(listed.json.data.filter((item: { amount: number }) => item.amount === 777)).toHaveLength(1);
  });

  it('scopes idempotency keys per merchant', async () => {
    const idempotencyKey = key();
    const a = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey, body: payment() });
    const b = await api('POST', '/v1/payments', { key: northwind.api_key, idempotencyKey, body: payment({ amount: 5 }) });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.id).not.toBe(b.json.id);
  });
});

describe('read and list', () => {
  it('gets its own payment; another merchant gets 404, exactly as for an id that never existed', async () => {
    const created = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey: key(), body: payment() });
    const own = await api('GET', `/v1/payments/${created.json.id}`, { key: pixel.api_key });
    expect(own.status).toBe(200);
    expect(own.json).toEqual(created.json);

    const foreign = await api('GET', `/v1/payments/${created.json.id}`, { key: northwind.api_key });
    const unknown = await api('GET', '/v1/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa', { key: northwind.api_key });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.json.code).toBe('resource_not_found');
    expect(foreign.json.title).toBe(unknown.json.title);
  });

  it('lists newest first and paginates with starting_after until has_more is false', async () => {
    const created: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const response = await api('POST', '/v1/payments', { key: northwind.api_key, idempotencyKey: key(), body: payment({ amount: 100 + index }) });
      created.push(response.json.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await api('GET', `/v1/payments?limit=3${cursor ? `&starting_after=${cursor}` : ''}`, { key: northwind.api_key });
      expect(page.status).toBe(200);
      expect(page.json.object).toBe('list');
      seen.push(...page.json.data.map((item: { id: string }) => item.id));
      if (!page.json.has_more) break;
      cursor = page.json.data.at(-1).id;
    }
    expect(seen.slice(0, 7)).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const pixelIds = new Set(((await api('GET', '/v1/payments?limit=100', { key: pixel.api_key })).json.data as { id: string }[]).map((item) => item.id));
    expect(seen.some((id) => pixelIds.has(id))).toBe(false);
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { Authorization: 'Bearer sk_test_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }],
    ['a malformed header', { Authorization: 'Token abc' }],
  ])('answers %s with 401 problem+json', async (_case, headers) => {
    const response = await api('GET', '/v1/payments', { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('bad input changes nothing', () => {
  const card = testCard().card;
  const cases: [string, { rawBody?: string; body?: unknown; idempotencyKey?: string | null }, number, string, string | undefined][] = [
    ['malformed JSON', { rawBody: '{"amount": 19' }, 400, 'invalid_json', undefined],
    ['a JSON string', { rawBody: '"hello"' }, 400, 'invalid_json', undefined],
    ['an empty body (taken as {}: each required field named)', { rawBody: '' }, 422, 'validation_error', 'payment_method'],
    ['a key given twice', { rawBody: JSON.stringify(payment()).replace('{', '{"amount":1,') }, 400, 'invalid_json', 'amount'],
    ['__proto__ in metadata', { rawBody: JSON.stringify(payment()).replace('{', '{"metadata":{"__proto__":"x"},') }, 422, 'validation_error', 'metadata.__proto__'],
    ['no Idempotency-Key', { body: payment(), idempotencyKey: null }, 400, 'idempotency_key_invalid', 'Idempotency-Key'],
    ['amount as a string', { body: payment({ amount: '1999' }) }, 422, 'validation_error', 'amount'],
    ['a zero amount', { body: payment({ amount: 0 }) }, 422, 'validation_error', 'amount'],
    ['a negative amount', { body: payment({ amount: -1 }) }, 422, 'validation_error', 'amount'],
    ['a fractional amount', { body: payment({ amount: 19.99 }) }, 422, 'validation_error', 'amount'],
    ['an oversized amount', { body: payment({ amount: 10 ** 16 }) }, 422, 'validation_error', 'amount'],
    ['a missing amount', { body: { currency: 'USD', payment_method: testCard() } }, 422, 'validation_error', 'amount'],
    ['an unknown currency', { body: payment({ currency: 'XYZ' }) }, 422, 'validation_error', 'currency'],
    ['a lower-case currency', { body: payment({ currency: 'usd' }) }, 422, 'validation_error', 'currency'],
    ['a card failing Luhn', { body: payment({ payment_method: { type: 'card', card: { ...card, number: '4242424242424243' } } }) }, 422, 'validation_error', 'payment_method.card.number'],
    ['a card number with letters', { body: payment({ payment_method: { type: 'card', card: { ...card, number: '4242abcd42424242' } } }) }, 422, 'validation_error', 'payment_method.card.number'],
    ['an expired card', { body: payment({ payment_method: { type: 'card', card: { ...card, exp_year: 2021 } } }) }, 422, 'validation_error', 'payment_method.card.exp_year'],
    ['month 13', { body: payment({ payment_method: { type: 'card', card: { ...card, exp_month: 13 } } }) }, 422, 'validation_error', 'payment_method.card.exp_month'],
    ['an unsupported payment method type', { body: payment({ payment_method: { type: 'cash' } }) }, 422, 'validation_error', 'payment_method.type'],
    ['metadata with a number value', { body: payment({ metadata: { order: 5 } }) }, 422, 'validation_error', 'metadata.order'],
    ['an unknown top-level field', { body: payment({ customer: 'x' }) }, 422, 'validation_error', 'customer'],
    ['a body over 64 KB', { body: payment({ description: 'é'.repeat(40_000) }) }, 413, 'payload_too_large', undefined],
  ];

  it.each(cases)('%s', async (_case, input, status, code, field) => {
    const before = (await api('GET', '/v1/payments?limit=100', { key: northwind.api_key })).json.data.length;
    const response = await api('POST', '/v1/payments', {
      key: northwind.api_key,
      idempotencyKey: input.idempotencyKey === null ? undefined : (input.idempotencyKey ?? key()),
      body: input.body,
      rawBody: input.rawBody,
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.json).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code });
    if (field) expect(response.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    const after = (await api('GET', '/v1/payments?limit=100', { key: northwind.api_key })).json.data.length;
    expect(after).toBe(before);
  });

  it.each([
    ['GET', '/v1/nothing-here', 404, 'route_not_found'],
    ['GET', '/', 404, 'route_not_found'],
    ['GET', '/v1/payments/pay_x/extra/segments', 404, 'route_not_found'],
    ['DELETE', '/v1/payments', 405, 'method_not_allowed'],
    ['PUT', '/v1/payments/pay_abc', 405, 'method_not_allowed'],
  ])('%s %s → %i %s', async (method, path, status, code) => {
    const response = await api(method, path, { key: pixel.api_key });
    expect(response.status).toBe(status);
    expect(response.json).toMatchObject({ status, code });
    if (status === 405) expect(response.headers.get('allow')).toBeTruthy();
  });
});

describe('ids of the wrong shape and POSTs without a body (issue 13)', () => {
  const long = (prefix: string) => `${prefix}_${'a'.repeat(3000)}`;

  it.each([
    ['GET', `/v1/payments/${long('pay')}`, undefined, 'id'],
    ['GET', `/v1/payments/${encodeURIComponent('pay_ñandú')}/events`, undefined, 'id'],
    ['POST', `/v1/payments/${long('pay')}/capture`, {}, 'id'],
    ['GET', `/v1/payments?starting_after=${long('pay')}`, undefined, 'starting_after'],
    ['GET', `/v1/payouts?starting_after=${long('po')}`, undefined, 'starting_after'],
    ['POST', '/v1/refunds', { payment_id: long('pay') }, 'payment_id'],
  ])('%s %s → 422 naming the field (this answered 500 before)', async (method, path, body, field) => {
    const response = await api(method, path, { key: pixel.api_key, body, idempotencyKey: method === 'POST' ? key() : undefined });
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 422, code: 'validation_error' });
    expect(response.json.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('captures and cancels manual payments with no body at all, as Stripe does', async () => {
    const authorize = async () => {
      const created = await api('POST', '/v1/payments', { key: pixel.api_key, idempotencyKey: key(), body: payment({ capture_method: 'manual', amount: 3100, currency: 'USD' }) });
      expect(created.status).toBe(201);
      return (await eventually(() => api('GET', `/v1/payments/${created.json.id}`, { key: pixel.api_key }), (got) => got.json.status !== 'processing', 45_000)).json;
    };
    const [toCapture, toCancel] = await Promise.all([authorize(), authorize()]);
    expect([toCapture.status, toCancel.status]).toEqual(['requires_capture', 'requires_capture']);
    const captured = await api('POST', `/v1/payments/${toCapture.id}/capture`, { key: pixel.api_key, idempotencyKey: key() });
    expect(captured.status).toBe(200);
    const canceled = await api('POST', `/v1/payments/${toCancel.id}/cancel`, { key: pixel.api_key, idempotencyKey: key() });
    expect(canceled.status).toBe(200);
    const done = await eventually(() => api('GET', `/v1/payments/${toCapture.id}`, { key: pixel.api_key }), (got) => got.json.status === 'succeeded', 45_000);
    expect(done.json).toMatchObject({ status: 'succeeded', amount_received: 3100 });
    const released = await eventually(() => api('GET', `/v1/payments/${toCancel.id}`, { key: pixel.api_key }), (got) => got.json.status === 'canceled', 45_000);
    expect(released.json).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
  });
});

it('never writes a card number into what the runtime logs while serving', () => {
  // The start-up banner documents the 4242... test card in its example; what follows it is the serving log.
  const log = readFileSync(process.env.E2E_LOG_FILE as string, 'utf8');
  const serving = log.slice(log.indexOf('Ctrl-C stops everything.'));
  expect(serving.length).toBeGreaterThan(100);
  expect(serving).not.toMatch(/4242424242424242|4242424242424243|4242abcd42424242/);
});
