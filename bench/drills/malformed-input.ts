import fc from 'fast-check';
import { WRITE_OPERATIONS, capacityDelta } from '../lib/capacity-proxy';
import { pool } from '../lib/http';
import type { BenchPlatform } from '../lib/platform';
import { type DrillResult, drillResult } from './common';

/**
 * Malformed input: at least `requests` bad requests generated with fast-check (bodies that break one
 * rule of the contract each, bad or missing Idempotency-Keys and API keys, oversized bodies, unknown
 * routes and methods, bad query parameters, unsigned webhooks) sent to the running platform. Every
 * answer must be a 4xx problem document (0 responses 5xx, none accepted) and DynamoDB must see no write
 * at all while they run (counted by the capacity proxy, every table).
 */
export interface BadRequest {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const VALID_PAYMENT = {
  amount: 1999,
  currency: 'USD',
  payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } },
};

const withCard = (change: Record<string, unknown>) => ({ ...VALID_PAYMENT, payment_method: { type: 'card', card: { ...VALID_PAYMENT.payment_method.card, ...change } } });

/** One invalid value per field; each makes the whole request invalid. */
const badPaymentBodies: fc.Arbitrary<{ kind: string; body: unknown }> = fc.oneof(
  fc.oneof(fc.double({ min: 0.01, max: 1e6, noInteger: true, noNaN: true }), fc.integer({ max: 0 }), fc.string(), fc.constant(null), fc.constant(100_000_000_000), fc.boolean()).map((amount) => ({ kind: 'payment.amount', body: { ...VALID_PAYMENT, amount } })),
  fc.oneof(fc.constantFrom('usd', 'US', 'USDD', 'XAU', 'XTS', 'XXX', 'ZZZ', ''), fc.integer()).map((currency) => ({ kind: 'payment.currency', body: { ...VALID_PAYMENT, currency } })),
  fc.oneof(fc.constantFrom('4242424242424241', '4242', '42424242424242424242', 'abcdabcdabcdabcd', '4242 4242 4242 4242'), fc.integer()).map((number) => ({ kind: 'payment.card.number', body: withCard({ number }) })),
  fc.oneof(fc.constantFrom(0, 13, -1, 1.5, '12'), fc.integer({ min: 13 })).map((exp_month) => ({ kind: 'payment.card.exp_month', body: withCard({ exp_month }) })),
  fc.oneof(fc.constantFrom(2000, 2019, 99, 20300, '2030'), fc.integer({ min: 2100 })).map((exp_year) => ({ kind: 'payment.card.exp_year', body: withCard({ exp_year }) })),
  fc.oneof(fc.constantFrom('12', '12345', 'abc', ''), fc.integer()).map((cvc) => ({ kind: 'payment.card.cvc', body: withCard({ cvc }) })),
  fc.constantFrom('auto', 'MANUAL', '', 'later').map((capture_method) => ({ kind: 'payment.capture_method', body: { ...VALID_PAYMENT, capture_method } })),
  fc.oneof(fc.string({ minLength: 1001, maxLength: 1200 }), fc.integer()).map((description) => ({ kind: 'payment.description', body: { ...VALID_PAYMENT, description } })),
  fc
    .oneof(
      fc.constant(Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, 'v']))),
      fc.string({ minLength: 41, maxLength: 60 }).map((key) => ({ [key]: 'v' })),
      fc.constant({ order: 'x'.repeat(501) }),
      fc.constant({ order: 42 }),
      fc.constant(['not', 'an', 'object']),
    )
    .map((metadata) => ({ kind: 'payment.metadata', body: { ...VALID_PAYMENT, metadata } })),
  fc.constantFrom('amount', 'currency', 'payment_method').map((field) => {
    const { [field as keyof typeof VALID_PAYMENT]: _removed, ...rest } = VALID_PAYMENT;
    return { kind: 'payment.missing_field', body: rest };
  }),
  fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !['amount', 'currency', 'payment_method', 'capture_method', 'description', 'metadata'].includes(key) && !key.startsWith('__')).map((key) => ({ kind: 'payment.unknown_field', body: { ...VALID_PAYMENT, [key]: 1 } })),
  fc.constantFrom({ type: 'bank' }, 'card', null, { type: 'card' }).map((payment_method) => ({ kind: 'payment.payment_method', body: { ...VALID_PAYMENT, payment_method } })),
);

/** Bodies that are not a JSON object at all. */
const notAnObject = fc.oneof(fc.constantFrom('', 'null', '[]', '42', '"text"', '{', '{"amount": 1999,', 'amount=1999&currency=USD'), fc.string({ maxLength: 40 }).filter((text) => {
  try {
    const value = JSON.parse(text) as unknown;
    return value === null || typeof value !== 'object' || Array.isArray(value);
  } catch {
    return true;
  }
}));

const randomId = fc.stringMatching(/^pay_[a-z2-7]{26}$/);

export const badRequests = (apiKey: string): fc.Arbitrary<BadRequest> => {
  const json = { 'Content-Type': 'application/json' };
  const auth = { Authorization: `Bearer ${apiKey}` };
  const key = fc.uuid().map((uuid) => ({ 'Idempotency-Key': uuid }));
  return fc.oneof(
    { weight: 30, arbitrary: fc.tuple(badPaymentBodies, key).map(([bad, idempotency]) => ({ kind: bad.kind, method: 'POST', path: '/v1/payments', headers: { ...json, ...auth, ...idempotency }, body: JSON.stringify(bad.body) })) },
    { weight: 6, arbitrary: fc.tuple(notAnObject, key).map(([body, idempotency]) => ({ kind: 'payment.not_an_object', method: 'POST', path: '/v1/payments', headers: { ...json, ...auth, ...idempotency }, body })) },
    {
      weight: 6,
      arbitrary: fc
        .oneof(fc.constant(undefined), fc.constantFrom('', 'has space', 'x'.repeat(256), 'tab\there'))
        .map((value) => ({ kind: 'idempotency_key', method: 'POST', path: '/v1/payments', headers: { ...json, ...auth, ...(value === undefined ? {} : { 'Idempotency-Key': value }) }, body: JSON.stringify(VALID_PAYMENT) })),
    },
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.oneof(fc.constant(undefined), fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer sk_test_nope_nope', `Bearer ${apiKey}x`, `bearer${apiKey}`)), key)
        .map(([authorization, idempotency]) => ({ kind: 'authorization', method: 'POST', path: '/v1/payments', headers: { ...json, ...idempotency, ...(authorization === undefined ? {} : { Authorization: authorization }) }, body: JSON.stringify(VALID_PAYMENT) })),
    },
    { weight: 2, arbitrary: key.map((idempotency) => ({ kind: 'payload_too_large', method: 'POST', path: '/v1/payments', headers: { ...json, ...auth, ...idempotency }, body: JSON.stringify({ ...VALID_PAYMENT, description: 'x'.repeat(70 * 1024) }) })) },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constant({}),
            fc.record({ payment_id: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null)) }),
            fc.record({ payment_id: randomId, amount: fc.oneof(fc.integer({ max: 0 }), fc.string(), fc.double({ min: 0.1, max: 10, noInteger: true, noNaN: true })) }),
            fc.record({ payment_id: randomId, reason: fc.constantFrom('because', 'FRAUDULENT', '') }),
            fc.record({ payment_id: randomId, extra: fc.integer() }),
          ),
          key,
        )
        .map(([body, idempotency]) => ({ kind: 'refund.body', method: 'POST', path: '/v1/refunds', headers: { ...json, ...auth, ...idempotency }, body: JSON.stringify(body) })),
    },
    {
      weight: 6,
      arbitrary: fc
        .tuple(randomId, fc.oneof(fc.record({ amount_to_capture: fc.oneof(fc.integer({ max: 0 }), fc.string(), fc.constant(null)) }), fc.record({ amount: fc.integer({ min: 1 }) }), fc.constant([1, 2])), key)
        .map(([id, body, idempotency]) => ({ kind: 'capture.body', method: 'POST', path: `/v1/payments/${id}/capture`, headers: { ...json, ...auth, ...idempotency }, body: JSON.stringify(body) })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(randomId, fc.oneof(fc.record({ cancellation_reason: fc.constantFrom('bored', '', 'DUPLICATE') }), fc.record({ reason: fc.constant('duplicate') })), key)
        .map(([id, body, idempotency]) => ({ kind: 'cancel.body', method: 'POST', path: `/v1/payments/${id}/cancel`, headers: { ...json, ...auth, ...idempotency }, body: JSON.stringify(body) })),
    },
    {
      weight: 6,
      arbitrary: fc
        .oneof(
          fc.constantFrom('0', '101', '-1', 'abc', '1.5', '', '1e3').map((limit) => `/v1/payments?limit=${encodeURIComponent(limit)}`),
          fc.constantFrom('0', '1000', 'ten').map((limit) => `/v1/balance_transactions?limit=${limit}`),
          fc.constantFrom('currency=USD', 'expand=all', 'limit=5').map((query) => `/v1/balances?${query}`),
          fc.constantFrom('foo=bar', 'limit=5&order=asc').map((query) => `/v1/payments?${query}`),
        )
        .map((path) => ({ kind: 'query', method: 'GET', path, headers: { ...auth } })),
    },
    {
      weight: 6,
      arbitrary: fc
        .oneof(
          fc.constantFrom('/v1/paymentz', '/v2/payments', '/payments', '/v1/payments/x/y/z', '/v1/refunds/re_x/cancel', '/', '/v1'),
          fc.stringMatching(/^\/v1\/[a-z_]{1,12}$/).filter((path) => !['/v1/payments', '/v1/refunds', '/v1/balances', '/v1/balance_transactions', '/v1/api_keys'].includes(path)),
        )
        .map((path) => ({ kind: 'unknown_route', method: 'GET', path, headers: { ...auth } })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom('DELETE', 'PUT', 'PATCH'), fc.constantFrom('/v1/payments', '/v1/refunds', '/v1/balances', '/v1/payments/pay_x', '/v1/payments/pay_x/capture'))
        .map(([method, path]) => ({ kind: 'method', method, path, headers: { ...json, ...auth }, body: method === 'DELETE' ? undefined : JSON.stringify(VALID_PAYMENT) })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom('atlas', 'boreal', 'nobody'), fc.oneof(fc.constant(undefined), fc.constantFrom('t=1,v1=00', 'v1=deadbeef', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`, 'garbage')))
        .map(([channel, signature]) => ({
          kind: 'webhook',
          method: 'POST',
          path: `/v1/channel_events/${channel}`,
          headers: { ...json, ...(signature === undefined ? {} : { 'Acquirer-Signature': signature }) },
          body: JSON.stringify({ id: 'evt_forged', object: 'event', type: 'capture.settled', data: { object: { id: 'cap_forged', amount: 100 } } }),
        })),
    },
  );
};

export const malformedInputDrill = async (platform: BenchPlatform, options: { requests: number; seed: number; concurrency: number }): Promise<DrillResult> => {
  const started = Date.now();
  const apiKey = platform.runtime.merchants[0]?.api_key as string;
  const requests = fc.sample(badRequests(apiKey), { numRuns: options.requests, seed: options.seed });
  await platform.waitForQuiescence(60_000);
  const before = platform.counters().dynamoDb;
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const violations: string[] = [];
  let serverErrors = 0;
  let accepted = 0;
  let notProblemJson = 0;
  await pool(requests, options.concurrency, async (request) => {
    byKind[request.kind] = (byKind[request.kind] ?? 0) + 1;
    let status: number;
    let contentType = '';
    try {
      const response = await fetch(`${platform.runtime.apiUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
      status = response.status;
      contentType = response.headers.get('content-type') ?? '';
      await response.arrayBuffer();
    } catch (error) {
      violations.push(`${request.kind} ${request.method} ${request.path}: no answer (${(error as Error).message})`);
      return;
    }
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const described = `${request.kind} ${request.method} ${request.path.slice(0, 80)} body ${(request.body ?? '').slice(0, 120)}`;
    if (status >= 500) {
      serverErrors += 1;
      violations.push(`${status}: ${described}`);
    } else if (status < 400) {
      accepted += 1;
      violations.push(`accepted (${status}): ${described}`);
    } else if (!contentType.startsWith('application/problem+json')) {
      notProblemJson += 1;
      violations.push(`${status} answered ${contentType || 'without a content type'}, not a problem document: ${described}`);
    }
  });
  // Anything these requests made the platform write would be in flight for a moment at most.
  await platform.waitForQuiescence(30_000);
  const delta = capacityDelta(before, platform.counters().dynamoDb);
  const writes: Record<string, number> = {};
  for (const [table, usage] of Object.entries(delta)) {
    for (const operation of WRITE_OPERATIONS) {
      const count = usage.requests[operation] ?? 0;
      if (count) writes[`${table} ${operation}`] = count;
    }
  }
  const writeCount = Object.values(writes).reduce((sum, count) => sum + count, 0);
  if (writeCount > 0) violations.push(`DynamoDB saw ${writeCount} write(s) during the drill: ${JSON.stringify(writes)}`);
  return drillResult('malformed_input', started, {
    lost: 0,
    duplicated: 0,
    server_errors: serverErrors,
    counts: { requests: requests.length, by_status: byStatus, by_kind: byKind, accepted, not_problem_json: notProblemJson, dynamodb_writes: writeCount, dynamodb_writes_by_table: writes, seed: options.seed },
    violations,
  });
};
