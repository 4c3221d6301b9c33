import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { type BalanceTransaction, allBalanceTransactions, api, eventually, freshTestCard } from '../support/e2e';
import { repositoryRoot } from './global-setup';

/**
 * Issue 16 item 5: the balance transactions report over real HTTP, read with csv-parse. Its merchant is its
 * own (onboarded through the operator CLI), so every line of its ledger falls in the report's window and the
 * totals can be held against GET /v1/balance_transactions and GET /v1/balances.
 */
const run = promisify(execFile);
const stateDir = process.env.E2E_STATE_DIR as string;

type Row = Record<'id' | 'created_at' | 'type' | 'source' | 'currency' | 'amount' | 'fee' | 'net' | 'status' | 'available_on', string>;

let key: string;
let started: number;
const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });
const get = (path: string, as = key) => api('GET', path, { key: as });

const statement = () => allBalanceTransactions(key);

const windowQuery = () => `created[gte]=${encodeURIComponent(new Date(started).toISOString())}&created[lt]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

beforeAll(async () => {
  started = Date.now() - 1_000;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', 'onboard', '--name', 'Report Reading Traders', '--state-dir', stateDir], { cwd: repositoryRoot });
  key = (JSON.parse(stdout) as { api_key: { secret: string } }).api_key.secret;
  const payments = await Promise.all(
    ([[1_250, 'USD'], [3_999, 'USD'], [700, 'JPY'], [12_345, 'KWD']] as const).map(async ([amount, currency]) => {
      const created = await post('/v1/payments', { amount, currency, payment_method: freshTestCard() });
      expect(created.status).toBe(201);
      return created.json.id as string;
    }),
  );
  for (const id of payments) {
    expect((await eventually(() => get(`/v1/payments/${id}`), (got) => got.json.status === 'succeeded', 45_000)).json.status).toBe('succeeded');
  }
  const refund = await post('/v1/refunds', { payment_id: payments[0], amount: 250 });
  expect(refund.status).toBe(201);
  await eventually(() => get(`/v1/refunds/${refund.json.id}`), (got) => got.json.status === 'succeeded', 45_000);
  // Five lines: four payments and the refund.
  await eventually(statement, (lines) => lines.length === 5, 30_000);
}, 180_000);

describe('GET /v1/reports/balance_transactions', () => {
  it('downloads one CSV row per balance transaction of the window, with per-currency totals equal to the statement and the balances', async () => {
    const response = await get(`/v1/reports/balance_transactions?${windowQuery()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="balance_transactions.csv"');
    const rows = parse(response.text, { columns: true }) as Row[];
    const lines = await statement();
    const balances = (await get('/v1/balances')).json as Record<'available' | 'pending', { currency: string; amount: number }[]>;

    const lineRows = rows.filter((row) => row.id !== 'total');
    // The same lines as the statement (statuses may have moved on since: compare the settled facts).
    expect(lineRows.map((row) => row.id).sort()).toEqual(lines.map((line) => line.id).sort());
    expect(lineRows.map((row) => row.created_at)).toEqual([...lineRows.map((row) => row.created_at)].sort());
    for (const row of lineRows) {
      const line = lines.find((candidate) => candidate.id === row.id) as BalanceTransaction;
      expect(row).toMatchObject({ created_at: line.created_at, type: line.type, source: line.source, currency: line.currency, amount: String(line.amount), fee: String(line.fee), net: String(line.net) });
    }

    const totals = rows.filter((row) => row.id === 'total');
    expect(totals.map((row) => row.currency)).toEqual(['JPY', 'KWD', 'USD']);
    const amountIn = (list: { currency: string; amount: number }[], currency: string) => list.find((entry) => entry.currency === currency)?.amount ?? 0;
    for (const total of totals) {
      const own = lines.filter((line) => line.currency === total.currency);
      expect({ currency: total.currency, amount: Number(total.amount), fee: Number(total.fee), net: Number(total.net) }).toEqual({
        currency: total.currency,
        amount: own.reduce((sum, line) => sum + line.amount, 0),
        fee: own.reduce((sum, line) => sum + line.fee, 0),
        net: own.reduce((sum, line) => sum + line.net, 0),
      });
      // Every line of this merchant is in the window: the net total is its available + pending movement.
      expect(Number(total.net)).toBe(amountIn(balances.available, total.currency) + amountIn(balances.pending, total.currency));
    }
    expect(totals.find((row) => row.currency === 'USD')).toMatchObject({ amount: String(1_250 + 3_999 - 250) });
  });

  it('keeps one currency with `currency`, and nothing outside the window', async () => {
    const usd = parse((await get(`/v1/reports/balance_transactions?${windowQuery()}&currency=USD`)).text, { columns: true }) as Row[];
    expect(usd.map((row) => `${row.id === 'total' ? 'total' : row.type}:${row.currency}`)).toEqual(['payment:USD', 'payment:USD', 'refund:USD', 'total:USD']);
    const before = `created[gte]=${Math.floor(started / 1000) - 3_600}&created[lt]=${Math.floor(started / 1000) - 60}`;
    const empty = await get(`/v1/reports/balance_transactions?${before}`);
    expect(empty.status).toBe(200);
    expect(parse(empty.text, { columns: true })).toEqual([]);
  });

  it('refuses a bad window or parameter with 422 naming the field', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [query, field] of [
      [`created[lt]=${now}`, 'created[gte]'],
      [`created[gte]=${now}`, 'created[lt]'],
      [`created[gte]=${now}&created[lt]=${now + 32 * 86_400}`, 'created[lt]'],
      [`created[gte]=${now}&created[lt]=${now - 10}`, 'created[lt]'],
      [`created[gte]=${now}&created[lt]=${now + 60}&currency=usd`, 'currency'],
      [`created[gte]=${now}&created[lt]=${now + 60}&limit=5`, 'limit'],
    ] as const) {
      const refused = await get(`/v1/reports/balance_transactions?${query}`);
      expect([query, refused.status, refused.json?.code]).toEqual([query, 422, 'validation_error']);
      expect(refused.json.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
  });

  it('needs balances:read from a restricted key', async () => {
    const reader = (await post('/v1/api_keys', { scopes: ['balances:read'] })).json.secret as string;
    const payer = (await post('/v1/api_keys', { scopes: ['payments:write'] })).json.secret as string;
    expect((await get(`/v1/reports/balance_transactions?${windowQuery()}`, reader)).status).toBe(200);
    expect((await get(`/v1/reports/balance_transactions?${windowQuery()}`, payer)).status).toBe(403);
  });
});
