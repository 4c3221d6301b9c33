import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { TEST_CARDS } from '../../../local/simulators/card-acquirer/test-cards';
import {
  TEST_API_KEY,
  authorizeCommand,
  channelTo,
  inspect,
  ledgerDirectory,
  paymentTotals,
  startTestAcquirer,
  uniqueKey,
} from '../../support/card-acquirer';

/**
 * The simulated acquirer itself: its HTTP contract (status codes, headers, idempotency), its durable
 * ledger across restarts and crashes, and that it keeps no card number anywhere.
 */
const started: CardAcquirerSimulator[] = [];
const start = async (...args: Parameters<typeof startTestAcquirer>) => {
  const acquirer = await startTestAcquirer(...args);
  started.push(acquirer);
  return acquirer;
};

afterEach(async () => {
  await Promise.all(started.splice(0).map((acquirer) => acquirer.stop()));
});

const post = (acquirer: CardAcquirerSimulator, path: string, body: unknown, key?: string) =>
  fetch(`${acquirer.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });

const authorizationBody = {
  amount: 1_500,
  currency: 'GBP',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '987' },
  capture_method: 'automatic',
  merchant_reference: 'mer_api',
  payment_reference: 'pay_api',
};

describe('HTTP contract', () => {
  it('replays the original status and body for the same key, marked Idempotent-Replayed', async () => {
    const acquirer = await start();
    const key = uniqueKey('api');
    const first = await post(acquirer, '/v1/authorizations', authorizationBody, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('request-id')).toMatch(/^req_/);
    const firstBody = await first.text();
    // Same request, keys in another order: still the same request.
    const { card, ...rest } = authorizationBody;
    const replay = await post(acquirer, '/v1/authorizations', { card, ...rest }, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(firstBody);
  });

  it('refuses a key reused on another path with 422, and a POST without a key with 400', async () => {
    const acquirer = await start();
    const key = uniqueKey('api');
    const authorization = (await (await post(acquirer, '/v1/authorizations', authorizationBody, key)).json()) as { id: string };
    const reused = await post(acquirer, `/v1/authorizations/${authorization.id}/void`, {}, key);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toEqual({ error: expect.objectContaining({ type: 'idempotency_error', code: 'idempotency_key_reused' }) });
    const keyless = await post(acquirer, '/v1/authorizations', authorizationBody);
    expect(keyless.status).toBe(400);
    expect(await keyless.json()).toMatchObject({ error: { code: 'idempotency_key_missing' } });
  });

  it('names a missing field as parameter_missing and does not keep the answer for the key', async () => {
    const acquirer = await start();
    const key = uniqueKey('api');
    const { amount: _omitted, ...withoutAmount } = authorizationBody;
    const missing = await post(acquirer, '/v1/authorizations', withoutAmount, key);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'amount' } });
    // A 400 applied nothing, so the corrected request under the same key is executed.
    expect((await post(acquirer, '/v1/authorizations', authorizationBody, key)).status).toBe(201);
  });

  it('answers 401 to a wrong key, 404 to an unknown route, and 503 with Retry-After to the transient card', async () => {
    const acquirer = await start();
    const unauthorized = await fetch(`${acquirer.url}/v1/authorizations/auth_x`, { headers: { Authorization: 'Bearer nope' } });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
    expect((await inspectStatus(acquirer, '/v2/nothing')).status).toBe(404);
    const transient = await post(acquirer, '/v1/authorizations', { ...authorizationBody, card: { ...authorizationBody.card, number: '4000000000000119' } }, uniqueKey('t'));
    expect(transient.status).toBe(503);
    expect(transient.headers.get('retry-after')).toBe('1');
    expect(await transient.json()).toMatchObject({ error: { type: 'api_error', code: 'processing_error', retryable: true } });
  });

  it('applies a burst of identical requests once', async () => {
    const acquirer = await start({ latency: { kind: 'uniform', minMs: 0, maxMs: 30 } });
    const channel = channelTo(acquirer);
    const command = authorizeCommand();
    const results = await Promise.all(Array.from({ length: 12 }, () => channel.authorize(command)));
    expect(new Set(results.map((result) => result.authorizationId)).size).toBe(1);
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, authorized: 1_000 });
  });
});

const inspectStatus = (acquirer: CardAcquirerSimulator, path: string) =>
  fetch(`${acquirer.url}${path}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } });

/** Decision record 0053: `capture: true` is a sale, authorized and captured in full by one request. */
describe('sale', () => {
  it('captures in full with the authorization, under one key: a replay answers the same capture and charges nothing more', async () => {
    const acquirer = await start();
    const key = uniqueKey('sale');
    const body = { ...authorizationBody, payment_reference: 'pay_sale', capture: true };
    const first = await post(acquirer, '/v1/authorizations', body, key);
    expect(first.status).toBe(201);
    const sold = (await first.json()) as { id: string; status: string; amount_captured: number; amount_capturable: number; captures: string[] };
    expect(sold).toMatchObject({ status: 'captured', amount_captured: 1_500, amount_capturable: 0, captures: [expect.stringMatching(/^cap_/)] });
    const replay = await post(acquirer, '/v1/authorizations', body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(sold);
    expect(await paymentTotals(acquirer, 'pay_sale')).toMatchObject({ approved: 1, captures: 1, captured: 1_500 });
    // The capture is the authorization's: a second capture is refused.
    const again = await post(acquirer, `/v1/authorizations/${sold.id}/captures`, { amount: 1, currency: 'GBP' }, uniqueKey('sale-capture'));
    expect(again.status).toBe(409);
  });

  it('approves a card whose captures are refused without capturing it, and refuses a sale of a manual or multi-capture authorization', async () => {
    const acquirer = await start();
    const uncaptured = await post(acquirer, '/v1/authorizations', { ...authorizationBody, card: { ...authorizationBody.card, number: '4000000000000259' }, payment_reference: 'pay_sale_refused', capture: true }, uniqueKey('sale'));
    expect(uncaptured.status).toBe(201);
    expect(await uncaptured.json()).toMatchObject({ status: 'authorized', amount_captured: 0, captures: [] });
    for (const change of [{ capture_method: 'manual' }, { multi_capture: true }]) {
      const refused = await post(acquirer, '/v1/authorizations', { ...authorizationBody, ...change, capture: true }, uniqueKey('sale'));
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({ error: { code: 'sale_requires_automatic_capture', param: 'capture' } });
    }
  });
});

describe('durable ledger', () => {
  it('survives a restart: the same books, replays of old keys, and no second charge', async () => {
    const directory = ledgerDirectory();
    const first = await start({ directory });
    const channel = channelTo(first);
    const authorize = authorizeCommand({ amount: 5_000 });
    const authorization = await channel.authorize(authorize);
    const capture = { idempotencyKey: uniqueKey('cap'), authorizationId: authorization.authorizationId, amount: 4_000, currency: 'USD' };
    await channel.capture(capture);
    await channel.refund({ idempotencyKey: uniqueKey('ref'), authorizationId: authorization.authorizationId, amount: 1_500, currency: 'USD' });
    const before = await channel.getAuthorization(authorization.authorizationId);
    await first.stop();
    started.splice(0);

    const second = await start({ directory });
    const again = channelTo(second);
    expect(await again.getAuthorization(authorization.authorizationId)).toEqual(before);
    expect(before).toMatchObject({ status: 'captured', amountCaptured: 4_000, amountReleased: 1_000, amountRefunded: 1_500 });
    expect(await again.authorize(authorize)).toEqual(authorization);
    expect(await again.capture(capture)).toMatchObject({ amount: 4_000 });
    expect(await paymentTotals(second, authorize.paymentReference)).toMatchObject({ approved: 1, captured: 4_000, refunded: 1_500 });
    const operations = await inspect<{ data: unknown[] }>(second, '/__simulator/operations');
    expect(operations.data).toHaveLength(3);
  });

  it('cuts off a torn last line (a crash mid-write) and goes on appending', async () => {
    const directory = ledgerDirectory();
    const first = await start({ directory });
    const command = authorizeCommand();
    const authorization = await channelTo(first).authorize(command);
    await first.stop();
    started.splice(0);
    appendFileSync(join(directory, 'operations.jsonl'), '{"v":1,"at":"2030-01-01T00:00:00.000Z","operation":{"id":"op_torn"');

    const second = await start({ directory });
    expect(await channelTo(second).authorize(command)).toEqual(authorization);
    await channelTo(second).authorize(authorizeCommand());
    const lines = readFileSync(join(directory, 'operations.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('never writes a card number or a CVC to its files or its inspection answers', async () => {
    const directory = ledgerDirectory();
    const acquirer = await start({ directory });
    const channel = channelTo(acquirer);
    for (const card of TEST_CARDS.filter((candidate) => candidate.behaviour.kind !== 'silent_after_recording')) {
      await channel.authorize(authorizeCommand({ number: card.number })).catch(() => undefined);
    }
    const ledger = readFileSync(join(directory, 'operations.jsonl'), 'utf8');
    const inspected = JSON.stringify([await inspect(acquirer, '/__simulator/operations'), await inspect(acquirer, '/__simulator/totals')]);
    expect(ledger.split('\n').length).toBeGreaterThan(TEST_CARDS.length - 2);
    for (const text of [ledger, inspected]) {
      for (const card of TEST_CARDS) expect(text).not.toContain(card.number);
      expect(text).not.toContain('"cvc"');
    }
  });
});

describe('fault injection (reliability drills)', () => {
  const setFaults = (acquirer: CardAcquirerSimulator, body: unknown) =>
    fetch(`${acquirer.url}/__simulator/faults`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('answers every POST 503 at error rate 1, records nothing, and applies the retry once the faults stop', async () => {
    const acquirer = await start({ faults: { errorRate: 1, timeoutRate: 0 } });
    const key = uniqueKey('fault');
    const refused = await post(acquirer, '/v1/authorizations', authorizationBody, key);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'processing_error', retryable: true } });
    expect(await inspect<{ data: unknown[] }>(acquirer, '/__simulator/operations')).toMatchObject({ data: [] });
    expect(await (await setFaults(acquirer, { error_rate: 0, timeout_rate: 0 })).json()).toEqual({ error_rate: 0, timeout_rate: 0, injected: { errors: 1, timeouts: 0 } });
    expect((await post(acquirer, '/v1/authorizations', authorizationBody, key)).status).toBe(201);
    expect(await paymentTotals(acquirer, 'pay_api')).toMatchObject({ approved: 1 });
  });

  it('records an operation and then holds its answer at timeout rate 1: the client times out, its retry gets the recorded answer, one charge', async () => {
    const acquirer = await start({ silenceMs: 2_000 });
    expect((await setFaults(acquirer, { error_rate: 0, timeout_rate: 1 })).status).toBe(200);
    const impatient = channelTo(acquirer, { timeoutMs: 300 });
    const command = authorizeCommand({ amount: 2_100 });
    await expect(impatient.authorize(command)).rejects.toMatchObject({ name: 'ChannelTimeout' });
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, authorized: 2_100 });
    await setFaults(acquirer, { error_rate: 0, timeout_rate: 0 });
    const retried = await impatient.authorize(command);
    expect(retried.status).toBe('authorized');
    expect(await paymentTotals(acquirer, command.paymentReference)).toMatchObject({ approved: 1, authorized: 2_100 });
  });

  it('refuses rates outside 0..1 and unknown fields', async () => {
    const acquirer = await start();
    expect((await setFaults(acquirer, { error_rate: 1.5, timeout_rate: 0 })).status).toBe(400);
    expect((await setFaults(acquirer, { error_rate: 0.1 })).status).toBe(400);
    expect((await setFaults(acquirer, { error_rate: 0.1, timeout_rate: 0, extra: true })).status).toBe(400);
    expect(await inspect(acquirer, '/__simulator/faults')).toEqual({ error_rate: 0, timeout_rate: 0, injected: { errors: 0, timeouts: 0 } });
  });
});

describe('lookup by idempotency key while the request is being decided', () => {
  // The POST draws 900 ms of latency, the lookup 0: the lookup arrives while the POST is received, undecided.
  const draws = () => {
    const sequence = [0.9, 0];
    return () => sequence.shift() ?? 0;
  };
  const lookup = (acquirer: CardAcquirerSimulator, key: string) =>
    fetch(`${acquirer.url}/v1/operations?idempotency_key=${encodeURIComponent(key)}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } });

  it('waits for the decision, so an empty answer always means the key was never applied', async () => {
    const acquirer = await start({ latency: { kind: 'uniform', minMs: 0, maxMs: 1_000 }, random: draws() });
    const key = uniqueKey('undecided');
    const posted = post(acquirer, '/v1/authorizations', authorizationBody, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const found = await lookup(acquirer, key);
    expect(found.status).toBe(200);
    expect(((await found.json()) as { data: unknown[] }).data).toEqual([expect.objectContaining({ type: 'authorize', idempotency_key: key, outcome: 'succeeded' })]);
    expect((await posted).status).toBe(201);
  });

  it('answers 409 idempotency_key_in_use when the decision takes longer than the lookup waits', async () => {
    const acquirer = await start({ latency: { kind: 'uniform', minMs: 0, maxMs: 1_000 }, random: draws(), lookupWaitMs: 200 });
    const key = uniqueKey('undecided');
    const posted = post(acquirer, '/v1/authorizations', authorizationBody, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const found = await lookup(acquirer, key);
    expect(found.status).toBe(409);
    expect(((await found.json()) as { error: unknown }).error).toMatchObject({ code: 'idempotency_key_in_use' });
    expect((await posted).status).toBe(201);
  });
});
