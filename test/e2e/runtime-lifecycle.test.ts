import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MerchantCredentials } from '../../local/seed';
import { request } from '../support/http';
import { repositoryRoot, startRuntimeProcess, stopRuntimeProcess } from './global-setup';

/**
 * `npm start` as a process: what it keeps across restarts and what it leaves behind when stopped. A start
 * takes 10-30 s of a shared machine beside another test file (jest.config.js `maxWorkers`): the tests that
 * start runtimes have minutes, not the default minute.
 */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const waitUntil = async (condition: () => boolean, timeoutMs = 15_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return condition();
};

const merchantsOf = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, 'merchants.json'), 'utf8')) as MerchantCredentials[];

it('keeps data and demo keys across a restart (persisted by default), and stops java on SIGINT', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-persist-'));
  try {
    const first = await startRuntimeProcess({ stateDir, inMemory: false });
    const [merchant] = merchantsOf(stateDir) as [MerchantCredentials];
    const created = await request(first.apiUrl, 'POST', '/v1/payments', {
      key: merchant.api_key,
      idempotencyKey: randomUUID(),
      body: { amount: 4200, currency: 'CAD', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 1, exp_year: 2032, cvc: '321' } } },
    });
    expect(created.status).toBe(201);
    expect(await stopRuntimeProcess(first, 'SIGINT')).toBe(0);
    expect(await waitUntil(() => !alive(first.runtime.pids.dynamoDbLocal))).toBe(true);

    const second = await startRuntimeProcess({ stateDir, inMemory: false });
    expect(merchantsOf(stateDir)[0]?.api_key).toBe(merchant.api_key);
    const fetched = await request(second.apiUrl, 'GET', `/v1/payments/${created.json.id}`, { key: merchant.api_key });
    expect(fetched.status).toBe(200);
    expect(fetched.json).toEqual(created.json);
    expect(await stopRuntimeProcess(second, 'SIGTERM')).toBe(0);
    expect(await waitUntil(() => !alive(second.runtime.pids.dynamoDbLocal))).toBe(true);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 120_000);

it('leaves no orphan DynamoDB Local even when the runtime is killed with SIGKILL', async () => {
  const started = await startRuntimeProcess();
  try {
    await stopRuntimeProcess(started, 'SIGKILL');
    expect(await waitUntil(() => !alive(started.runtime.pids.dynamoDbLocal))).toBe(true);
  } finally {
    rmSync(started.stateDir, { recursive: true, force: true });
  }
}, 120_000);

it('explains clearly when java is missing', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'local/start.ts', '--in-memory', '--port', '0'], {
    cwd: repositoryRoot,
    env: { ...process.env, PATH: '/nonexistent' },
    encoding: 'utf8',
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/needs Java 17 or newer/);
});

it('brings every payment of a batch to a terminal status after a SIGKILL in the middle of it: one charge each, ledger clean', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-crash-'));
  // The recovery sweeper every second, acting on what has been in flight for 5 s: seconds, not minutes, for a test.
  const recoverFast = { extraArgs: ['--schedule-interval-ms', '1000'], env: { SAGA_START_GRACE_SECONDS: '5' } };
  try {
    const first = await startRuntimeProcess({ stateDir, inMemory: false, ...recoverFast });
    const [merchant] = merchantsOf(stateDir) as [MerchantCredentials];
    const batch = randomUUID();
    const cards = ['4242424242424242', '4000000000000911', '4000000000000119', '4000000000000002', '4000000000000911', '5555555555554444'];
    const sent = cards.map((number, index) =>
      request(first.apiUrl, 'POST', '/v1/payments', {
        key: merchant.api_key,
        idempotencyKey: randomUUID(),
        body: { amount: 1000 + index, currency: 'USD', payment_method: { type: 'card', card: { number, exp_month: 1, exp_year: 2032, cvc: '321' } }, metadata: { batch } },
      }).catch(() => undefined),
    );
    // The 4000000000000911 payments spend seconds inside their authorization's silent first attempt: once
    // both are stored and in flight, kill the runtime under them (their API calls never get an answer).
    const listBatch = async (apiUrl: string) =>
      (((await request(apiUrl, 'GET', '/v1/payments?limit=100', { key: merchant.api_key })).json?.data ?? []) as { id: string; status: string; metadata: Record<string, string>; payment_method: { last4: string } }[]).filter(
        (payment) => payment.metadata.batch === batch,
      );
    const killBy = Date.now() + 30_000;
    let inFlight = 0;
    while (inFlight < 2 && Date.now() < killBy) {
      inFlight = (await listBatch(first.apiUrl)).filter((payment) => payment.status === 'processing' && payment.payment_method.last4 === '0911').length;
      if (inFlight < 2) await new Promise((wait) => setTimeout(wait, 50));
    }
    expect(inFlight).toBe(2);
    await stopRuntimeProcess(first, 'SIGKILL');
    await Promise.all(sent);

    const second = await startRuntimeProcess({ stateDir, inMemory: false, ...recoverFast });
    try {
      const stored = await listBatch(second.apiUrl);
      expect(stored.length).toBeGreaterThanOrEqual(2);
      const terminal = ['succeeded', 'failed', 'canceled', 'requires_attention'];
      for (const { id } of stored) {
        const deadline = Date.now() + 60_000;
        let payment = (await request(second.apiUrl, 'GET', `/v1/payments/${id}`, { key: merchant.api_key })).json;
        while (!terminal.includes(payment.status) && Date.now() < deadline) {
          await new Promise((wait) => setTimeout(wait, 200));
          payment = (await request(second.apiUrl, 'GET', `/v1/payments/${id}`, { key: merchant.api_key })).json;
        }
        const expected = payment.payment_method.last4 === '0002' ? 'failed' : 'succeeded';
        expect({ id: payment.id, status: payment.status }).toEqual({ id, status: expected });
      }
      const atlas = second.runtime.cardChannels.find((channel) => channel.name === 'atlas') as { url: string; apiKey: string };
      const totals = (await (await fetch(`${atlas.url}/__simulator/totals`, { headers: { Authorization: `Bearer ${atlas.apiKey}` } })).json()) as {
        payments: { payment_reference: string; approved: number; captures: number }[];
      };
      for (const payment of stored) {
        const charged = totals.payments.find((entry) => entry.payment_reference === payment.id);
        const declined = payment.payment_method.last4 === '0002';
        expect({ id: payment.id, approved: charged?.approved ?? 0, captures: charged?.captures ?? 0 }).toEqual({ id: payment.id, approved: declined ? 0 : 1, captures: declined ? 0 : 1 });
      }
      const verify = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ledger-verify.ts', '--state-dir', stateDir], { cwd: repositoryRoot, encoding: 'utf8' });
      expect(verify.stdout).toMatch(/OK: every transaction balances/);
      expect(verify.status).toBe(0);
    } finally {
      await stopRuntimeProcess(second, 'SIGTERM');
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}, 180_000);
