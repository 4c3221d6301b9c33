import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { type BalanceTransaction, allBalanceTransactions, api, eventually, freshTestCard } from '../support/e2e';
import { repositoryRoot } from './global-setup';

/**
 * Issue 3 as it will be checked: scripted merchant activity over HTTP in several currencies (JPY with no
 * decimals, KWD with three, USD, BRL, EUR), card payments through the saga and settled by the acquirers'
 * webhooks, a partial refund, and a burst of concurrent payments to the same merchant; then balances equal
 * the sum of the statement lines, every fee is exact to the minor unit, every concurrent payment shows up,
 * and `npm run ledger:verify` reports no difference.
 *
 * Its merchant is its own (onboarded through the operator CLI), so no other test's money is in its balances.
 * Fees are computed here independently from the published rule (docs/ledger.md): 290 bps rounded half up,
 * plus the currency's fixed part.
 */
const run = promisify(execFile);
const stateDir = process.env.E2E_STATE_DIR as string;
const cli = (script: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args, '--state-dir', stateDir], { cwd: repositoryRoot });

const FIXED: Record<string, number> = { USD: 30, EUR: 25, BRL: 39, JPY: 0, KWD: 100 };
const expectedFee = (amount: number, currency: string) => Math.min(Math.floor((amount * 290 + 5_000) / 10_000) + (FIXED[currency] ?? 0), amount);


let key: string;
beforeAll(async () => {
  const onboarded = JSON.parse((await cli('scripts/ops.ts', 'onboard', '--name', 'Ledger Story Games')).stdout) as { api_key: { secret: string } };
  key = onboarded.api_key.secret;
});

const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });
const get = (path: string) => api('GET', path, { key });

const pay = async (amount: number, currency: string) => {
  const created = await post('/v1/payments', { amount, currency, payment_method: freshTestCard() });
  expect(created.status).toBe(201);
  return created.json.id as string;
};

const statement = () => allBalanceTransactions(key);

describe('a merchant selling in five currencies', () => {
  const single: [number, string][] = [
    [500, 'JPY'], // 14.5 yen of percentage: half up to 15
    [12_345, 'KWD'], // 12.345 KWD: 358.005 fils → 358, plus 100
    [500, 'USD'],
    [1_999, 'BRL'],
    [2_500, 'EUR'],
  ];
  const burst = Array.from({ length: 12 }, (_, index) => 1_000 + index);
  let payments: { id: string; amount: number; currency: string }[] = [];
  let refunded: { paymentId: string; amount: number };

  beforeAll(async () => {
    const singles = await Promise.all(single.map(async ([amount, currency]) => ({ id: await pay(amount, currency), amount, currency })));
    // The burst: concurrent payments to the one merchant, all posting to the same balance.
    const concurrent = await Promise.all(burst.map(async (amount) => ({ id: await pay(amount, 'USD'), amount, currency: 'USD' })));
    payments = [...singles, ...concurrent];
    for (const payment of payments) {
      const done = await eventually(() => get(`/v1/payments/${payment.id}`), (got) => got.json.status === 'succeeded', 45_000);
      expect(done.json).toMatchObject({ status: 'succeeded', amount_received: payment.amount });
    }
    const usd = singles.find((payment) => payment.currency === 'USD') as { id: string };
    const refund = await post('/v1/refunds', { payment_id: usd.id, amount: 200 });
    expect(refund.status).toBe(201);
    await eventually(() => get(`/v1/refunds/${refund.json.id}`), (got) => got.json.status === 'succeeded', 45_000);
    refunded = { paymentId: usd.id, amount: 200 };
    // The acquirers settle each capture by webhook: every payment line becomes available.
    await eventually(
      () => statement(),
      (lines) => payments.every((payment) => lines.some((line) => line.source === payment.id && line.type === 'payment' && line.status === 'available')),
      60_000,
    );
  }, 180_000);

  it('charges every payment exactly the published fee, as its own figure', async () => {
    const lines = await statement();
    for (const payment of payments) {
      const line = lines.find((candidate) => candidate.source === payment.id && candidate.type === 'payment');
      const fee = expectedFee(payment.amount, payment.currency);
      expect({ id: payment.id, amount: line?.amount, fee: line?.fee, net: line?.net, currency: line?.currency }).toEqual({
        id: payment.id,
        amount: payment.amount,
        fee,
        net: payment.amount - fee,
        currency: payment.currency,
      });
    }
    expect(lines.find((line) => line.source === payments[0]?.id)?.fee).toBe(15); // JPY 500
    expect(lines.find((line) => line.source === payments[1]?.id)?.fee).toBe(458); // KWD 12.345
  });

  it('tells the merchant, by an event per payment line, that its funds became available, the line as the statement lists it', async () => {
    const lines = await statement();
    const events: { type: string; sequence: number; data: { object: BalanceTransaction & { object: string } } }[] = [];
    const listed = await eventually(
      async () => {
        events.length = 0;
        let after: string | undefined;
        for (;;) {
          const page = (await get(`/v1/events?type=balance_transaction.available&limit=100${after ? `&starting_after=${after}` : ''}`)).json;
          events.push(...page.data);
          if (!page.has_more) return [...events];
          after = page.data.at(-1)?.id;
        }
      },
      (all) => payments.every((payment) => all.some((event) => event.data.object.source === payment.id)),
      30_000,
    );
    for (const payment of payments) {
      const line = lines.find((candidate) => candidate.source === payment.id && candidate.type === 'payment') as BalanceTransaction;
      const matching = listed.filter((event) => event.data.object.id === line.id);
      expect(matching).toHaveLength(1);
      expect(matching[0]).toMatchObject({ type: 'balance_transaction.available', sequence: 2 });
      expect(matching[0]?.data.object).toEqual(line);
    }
  });

  it('shows every one of the concurrent payments, once', async () => {
    const lines = await statement();
    const usdPayments = lines.filter((line) => line.currency === 'USD' && line.type === 'payment');
    expect(usdPayments).toHaveLength(burst.length + 1);
    expect(new Set(usdPayments.map((line) => line.source)).size).toBe(burst.length + 1);
  });

  it('has balances equal to the sum of its statement lines, per currency', async () => {
    const lines = await statement();
    const balances = (await get('/v1/balances')).json as Record<'available' | 'pending' | 'reserved', { currency: string; amount: number }[]>;
    const amountIn = (list: { currency: string; amount: number }[], currency: string) => list.find((entry) => entry.currency === currency)?.amount ?? 0;
    for (const currency of ['JPY', 'KWD', 'USD', 'BRL', 'EUR']) {
      const sum = (status: string) => lines.filter((line) => line.currency === currency && line.status === status).reduce((total, line) => total + line.net, 0);
      expect({ currency, available: amountIn(balances.available, currency), pending: amountIn(balances.pending, currency) }).toEqual({
        currency,
        available: sum('available'),
        pending: sum('pending'),
      });
    }
    const refundLine = lines.find((line) => line.type === 'refund');
    expect(refundLine).toMatchObject({ currency: 'USD', amount: -refunded.amount });
    const usdNet = payments.filter((payment) => payment.currency === 'USD').reduce((total, payment) => total + payment.amount - expectedFee(payment.amount, 'USD'), 0);
    expect(amountIn(balances.available, 'USD') + amountIn(balances.pending, 'USD')).toBe(usdNet + (refundLine?.net ?? 0));
  });

  it('leaves a journal that `npm run ledger:verify` finds consistent', async () => {
    const { stdout } = await cli('scripts/ledger-verify.ts');
    expect(stdout).toContain('OK: every transaction balances per currency');
  });
});
