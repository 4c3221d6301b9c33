import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartedRuntime, startRuntimeProcess, stopRuntimeProcess } from '../../local/runtime-process';
import { type ApiAnswer, type ApiCall, ApiClient, pool, sleep } from '../lib/http';
import { card } from '../lib/mix';
import { BENEFICIARIES, BeneficiaryBook, type BeneficiaryKey, indicativeAmount } from '../lib/treasury';
import { type DrillResult, drillResult, ledgerDifferences } from './common';
import { PAYOUT_TERMINAL, checkPayoutAtRail, collectRailPayments, listAllPayouts, railAccessOf } from './payouts';

/**
 * Payout crash (issue 13): the runtime (`local/start.ts` as a child, on a persistent state directory) is
 * killed with SIGKILL while a batch of payouts is inside its synchronous runs, then restarted on the same
 * directory. Half the payouts go to a bank that takes the payment and stays silent past the client's
 * timeout once (`sim:ambiguous:hang:1`), so the runs are long and the kill lands inside their submission.
 * Merchants resend every request that got no answer, with the same key. What finishes each payout is the
 * platform's own recovery (the sweeper every second, grace 5 s) and the rails' messages. Destinations in
 * turn: SWIFT (Keystone SOAP), PIX and SPEI (Pulse, converted from USD), ACH (Meridian files), Canadian EFT
 * (Keystone, converted), from a USD balance funded by one settled card payment.
 * Expected: one payout per key, each ended (`paid`); **at most one submission and one payment per payout at
 * its rail** (a Meridian file sent twice counts as a second submission); nothing left reserved; 0 5xx;
 * the ledger verifier clean.
 */
export interface PayoutCrashOptions {
  readonly payouts: number;
  readonly seed: number;
  /** Kill once this many of the batch's payouts are stored (or after 30 s). */
  readonly killWhenStored: number;
}

const RUNTIME_ARGS = ['--quiet', '--schedule-interval-ms', '1000'];
const RUNTIME_ENV = { SAGA_START_GRACE_SECONDS: '5', KEYSTONE_TIMEOUT_MS: '1500', PULSE_TIMEOUT_MS: '1500' };
const DESTINATIONS: readonly BeneficiaryKey[] = ['swift_sg', 'pix_br', 'ach_us', 'spei_mx', 'eft_ca'];
const PAYOUT_USD = 2_000;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const payoutCrashDrill = async (options: PayoutCrashOptions): Promise<DrillResult> => {
  const started = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-drill-payout-crash-'));
  let current: StartedRuntime = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
  let up: Promise<void> = Promise.resolve();
  const api = new ApiClient(() => current.apiUrl);
  const merchant = (JSON.parse(readFileSync(join(stateDir, 'merchants.json'), 'utf8')) as { id: string; name: string; api_key: string }[])[0] as { id: string; name: string; api_key: string };
  const violations: string[] = [];
  const run = `payout-crash-${options.seed}-${Date.now().toString(36)}`;
  let serverErrors = 0;
  let unanswered = 0;

  /** A merchant's retrying client: no answer or 409 in progress → the same request again once the API is back. */
  const call = async (operation: string, method: string, path: string, request: ApiCall): Promise<ApiAnswer> => {
    const deadline = Date.now() + 240_000;
    for (;;) {
      await up;
      try {
        const answer = await api.call(operation, method, path, request);
        if (answer.status >= 500) {
          serverErrors += 1;
          violations.push(`${method} ${path}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
        }
        if (!(answer.status >= 500 || (answer.status === 409 && answer.json?.code === 'idempotency_in_progress'))) return answer;
      } catch {
        unanswered += 1;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no usable answer within 240 s`);
      await sleep(250);
    }
  };
  const balances = async () => (await call('payout_crash_balance', 'GET', '/v1/balances', { key: merchant.api_key })).json as { available: { currency: string; amount: number }[]; reserved: { currency: string; amount: number }[] };

  try {
    // Fund a USD balance: one card payment, captured and settled by its acquirer.
    const need = options.payouts * PAYOUT_USD * 1.1 + 500;
    const funding = await call('payout_crash_fund', 'POST', '/v1/payments', {
      key: merchant.api_key,
      idempotencyKey: `${run}-funding`,
      body: { amount: Math.ceil(need / 0.9), currency: 'USD', payment_method: card('4242424242424242') },
    });
    if (funding.status !== 201) throw new Error(`payout crash: funding payment answered ${funding.status} ${funding.text.slice(0, 200)}`);
    const fundedBy = Date.now() + 120_000;
    while (((await balances()).available.find((entry) => entry.currency === 'USD')?.amount ?? 0) < need) {
      if (Date.now() > fundedBy) throw new Error('payout crash: the funding payment did not settle within 120 s');
      await sleep(500);
    }
    const book = new BeneficiaryBook(api);
    const bodies = await Promise.all(
      Array.from({ length: options.payouts }, async (_, index) => {
        const destination = DESTINATIONS[(index + options.seed) % DESTINATIONS.length] as BeneficiaryKey;
        const currency = BENEFICIARIES[destination].body.currency;
        const amount = currency === 'USD' ? { amount: PAYOUT_USD, currency } : { amount: indicativeAmount(PAYOUT_USD, 'USD', currency), currency, source_currency: 'USD' };
        const slow = index % 2 === 0 ? ' sim:ambiguous:hang:1' : '';
        return { beneficiary_id: await book.get(merchant, destination), ...amount, reference: `CRASH ${index}${slow}`, metadata: { crash_key: `${run}-${index}`, destination } };
      }),
    );

    const sent = pool(bodies, options.payouts, (body, index) => call('payout_crash_create', 'POST', '/v1/payouts', { key: merchant.api_key, idempotencyKey: `${run}-${index}`, body }));
    // Kill once enough of the batch is stored: inside their runs (reserving, submitting, waiting on a silent bank).
    const killBy = Date.now() + 30_000;
    let storedAtKill = 0;
    let unfinishedAtKill = 0;
    while (Date.now() < killBy) {
      const stored = (await listAllPayouts(api, merchant.api_key).catch(() => [])).filter((payout) => payout.metadata.crash_key?.startsWith(`${run}-`));
      storedAtKill = stored.length;
      unfinishedAtKill = stored.filter((payout) => !PAYOUT_TERMINAL.includes(payout.status)).length;
      if (storedAtKill >= options.killWhenStored) break;
      await sleep(100);
    }
    let restart!: () => void;
    up = new Promise((resolve) => {
      restart = resolve;
    });
    const dynamoDbPid = current.runtime.pids.dynamoDbLocal;
    await stopRuntimeProcess(current, 'SIGKILL');
    for (let waited = 0; isAlive(dynamoDbPid) && waited < 100; waited += 1) await sleep(100);
    const restartStarted = Date.now();
    current = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
    const restartSeconds = (Date.now() - restartStarted) / 1000;
    restart();
    const answers = await sent;

    // Every payout to its end: the recovery and the rails' messages finish what the kill interrupted.
    const mine = async () => (await listAllPayouts(api, merchant.api_key)).filter((payout) => payout.metadata.crash_key?.startsWith(`${run}-`));
    const deadline = Date.now() + 180_000;
    let payouts = await mine();
    while (Date.now() < deadline) {
      payouts = await mine();
      const reserved = (await balances()).reserved.some((entry) => entry.amount !== 0);
      if (payouts.length >= bodies.length && payouts.every((payout) => PAYOUT_TERMINAL.includes(payout.status)) && !reserved) break;
      await sleep(500);
    }

    const rails = await collectRailPayments(railAccessOf((current.runtime as { payoutRails?: unknown }).payoutRails));
    const statuses: Record<string, number> = {};
    let lost = 0;
    let duplicated = 0;
    let submissions = 0;
    let payments = 0;
    for (let index = 0; index < bodies.length; index += 1) {
      const key = `${run}-${index}`;
      const found = payouts.filter((payout) => payout.metadata.crash_key === key);
      if (found.length === 0) {
        lost += 1;
        violations.push(`${key}: no payout (answered ${answers[index]?.status})`);
        continue;
      }
      if (found.length > 1) {
        duplicated += 1;
        violations.push(`${key}: ${found.length} payouts`);
      }
      for (const payout of found) {
        statuses[payout.status] = (statuses[payout.status] ?? 0) + 1;
        if (!PAYOUT_TERMINAL.includes(payout.status)) {
          lost += 1;
          violations.push(`${key}: payout ${payout.id} never ended (${payout.status})`);
        } else if (payout.status !== 'paid') violations.push(`${key}: payout ${payout.id} ended ${payout.status} (${payout.failure_code})`);
        const atRail = checkPayoutAtRail(payout, rails);
        submissions += atRail.submissions;
        payments += atRail.payments;
        violations.push(...atRail.violations.map((violation) => `${key}: ${violation}`));
        if (atRail.duplicated) duplicated += 1;
      }
    }
    const reservedLeft = (await balances()).reserved.filter((entry) => entry.amount !== 0);
    violations.push(...reservedLeft.map((entry) => `reserved ${entry.amount} ${entry.currency} after every payout ended`));
    const ledger = await ledgerDifferences(current.runtime.dynamoDbEndpoint);
    violations.push(...ledger.map((difference) => `ledger: ${difference}`));
    if (unfinishedAtKill === 0) violations.push('no payout was stored and unfinished at the kill: it came too early or too late to test anything');
    return drillResult('payout_crash', started, {
      lost,
      duplicated,
      server_errors: serverErrors,
      counts: {
        payouts: bodies.length,
        destinations: [...new Set(bodies.map((body) => body.metadata.destination))],
        kills: 1,
        stored_at_kill: storedAtKill,
        unfinished_at_kill: unfinishedAtKill,
        restart_seconds: restartSeconds,
        requests_without_answer: unanswered,
        statuses,
        submissions_at_rails: submissions,
        payments_at_rails: payments,
        meridian_duplicate_files: rails.meridianDuplicateFiles,
        reserved_left: reservedLeft.length,
        ledger_differences: ledger.length,
      },
      violations: [...new Set(violations)],
    });
  } finally {
    await stopRuntimeProcess(current, 'SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
};
