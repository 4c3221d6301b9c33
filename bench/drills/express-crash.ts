import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type StartedRuntime, startRuntimeProcess, stopRuntimeProcess } from '../../local/runtime-process';
import { deployment } from '../../platform/deployment';
import { stateMachineArn } from '../../platform/state-machines';
import { ApiClient, seededRandom, sleep } from '../lib/http';
import { card, pickAmount } from '../lib/mix';
import {
  type DrillResult,
  TERMINAL,
  checkAgainstAcquirer,
  drillResult,
  ledgerDifferences,
  listAllPayments,
  setSimulatorFaults,
  simulatorTotals,
  simulatorsSettled,
} from './common';

/**
 * Express crash (issue 11): the runtime is killed (SIGKILL) while a batch of payments is inside its
 * synchronous Express runs. The acquirers are made slow first (a share of their answers held past the
 * client's timeout), so the runs are long and the kill lands inside them. The merchants do not retry:
 * what finishes each payment is the platform's own recovery. After the restart, the engine closes every
 * Express run it finds dead (FAILED, States.Runtime: Express runs at most once); the sweeper finds the
 * payments still in flight past its grace period and starts their recovery (Standard), which runs the
 * payment workflow again from what each payment records.
 * Expected: every payment that exists ends terminal, each finished by one recovery at most; at most one
 * approval per payment at the acquirers, money there agreeing with every payment; the ledger verifier clean.
 */
export interface ExpressCrashOptions {
  readonly payments: number;
  readonly seed: number;
  /** Kill once this many of the batch's payments are stored and in flight (or after 30 s). */
  readonly killWhenInFlight: number;
  /** Share of acquirer answers held past the client's timeout while the batch is sent. */
  readonly slowRate: number;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The sweeper runs every second and recovers what has been in flight for 5 s: seconds, not minutes, for a drill. */
const RUNTIME_ARGS = ['--quiet', '--schedule-interval-ms', '1000'];
const RUNTIME_ENV = { SAGA_START_GRACE_SECONDS: '5' };

export const expressCrashDrill = async (options: ExpressCrashOptions): Promise<DrillResult> => {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-drill-express-crash-'));
  let current: StartedRuntime = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
  const api = new ApiClient(() => current.apiUrl);
  const merchant = (JSON.parse(readFileSync(join(stateDir, 'merchants.json'), 'utf8')) as { api_key: string }[])[0] as { api_key: string };
  const violations: string[] = [];
  const run = `express-crash-${options.seed}-${Date.now().toString(36)}`;
  let serverErrors = 0;
  let answered = 0;
  let unanswered = 0;
  try {
    // Warm up (modules loaded, keys cached): the kill must find the batch inside its runs, not in cold starts.
    for (let warm = 0; warm < 3; warm += 1) {
      await api.call('express_crash_warm_up', 'POST', '/v1/payments', {
        key: merchant.api_key,
        idempotencyKey: `${run}-warm-${warm}`,
        body: { amount: 1000, currency: 'USD', payment_method: card('4242424242424242') },
      });
    }
    await setSimulatorFaults(current.runtime.cardChannels, 0, options.slowRate);
    const sent = Array.from({ length: options.payments }, (_, index) =>
      api
        .call('express_crash_create', 'POST', '/v1/payments', {
          key: merchant.api_key,
          idempotencyKey: `${run}-${index}`,
          body: { ...pickAmount(random), payment_method: card(index % 2 ? '5555555555554444' : '4242424242424242'), metadata: { crash_key: `${run}-${index}` } },
        })
        .then((answer) => {
          answered += 1;
          if (answer.status >= 500) {
            serverErrors += 1;
            violations.push(`create ${index}: answered ${answer.status} ${answer.text.slice(0, 160)}`);
          }
        })
        .catch(() => {
          unanswered += 1;
        }),
    );
    // Kill when enough of the batch is stored and in flight: inside their runs, whatever the machine's load.
    const killBy = Date.now() + 30_000;
    let inFlightAtKill = 0;
    while (Date.now() < killBy) {
      const listed = await api.call('express_crash_list', 'GET', '/v1/payments?limit=100', { key: merchant.api_key }).catch(() => undefined);
      const batch = ((listed?.json?.data ?? []) as { status: string; metadata: Record<string, string> }[]).filter((payment) => payment.metadata.crash_key?.startsWith(`${run}-`) && !payment.metadata.crash_key.includes('-warm-'));
      inFlightAtKill = batch.filter((payment) => payment.status === 'processing').length;
      if (inFlightAtKill >= options.killWhenInFlight) break;
      await sleep(100);
    }
    const dynamoDbPid = current.runtime.pids.dynamoDbLocal;
    await stopRuntimeProcess(current, 'SIGKILL');
    await Promise.all(sent);
    for (let waited = 0; isAlive(dynamoDbPid) && waited < 100; waited += 1) await sleep(100);
    current = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
    await setSimulatorFaults(current.runtime.cardChannels, 0, 0);

    const sfn = new SFNClient({ endpoint: current.runtime.sfnEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const executionsOf = async (key: 'payment' | 'sagaRecovery') => {
      const listed: { name?: string; status?: string; executionArn?: string }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn(key, deployment.primaryRegion, '000000000000'), maxResults: 1000, nextToken }));
        listed.push(...(page.executions ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return listed;
    };
    const mine = async () =>
      (await listAllPayments(api, merchant.api_key)).filter((payment) => payment.metadata.crash_key?.startsWith(`${run}-`) && !payment.metadata.crash_key.includes('-warm-'));

    const deadline = Date.now() + 180_000;
    let payments = await mine();
    while (Date.now() < deadline) {
      payments = await mine();
      const recoveriesRunning = (await executionsOf('sagaRecovery')).some((execution) => execution.status === 'RUNNING');
      if (payments.every((payment) => TERMINAL.includes(payment.status)) && !recoveriesRunning && (await simulatorsSettled(current.runtime.cardChannels))) break;
      await sleep(500);
    }

    const ids = new Set(payments.map((payment) => payment.id));
    const runs = (await executionsOf('payment')).filter((execution) => ids.has(execution.name ?? ''));
    const interrupted = runs.filter((execution) => execution.status === 'FAILED');
    const recoveries = (await executionsOf('sagaRecovery')).filter((execution) => ids.has((execution.name ?? '').replace(/-\d+$/, '')));
    const recoveredIds = new Set(recoveries.map((execution) => (execution.name ?? '').replace(/-\d+$/, '')));
    const totals = await simulatorTotals(current.runtime.cardChannels);
    const statuses: Record<string, number> = {};
    let lost = 0;
    let duplicated = 0;
    for (const payment of payments) {
      statuses[payment.status] = (statuses[payment.status] ?? 0) + 1;
      if (!TERMINAL.includes(payment.status)) {
        lost += 1;
        violations.push(`${payment.id}: still ${payment.status} after the recovery had 180 s`);
      }
      const entries = totals.get(payment.id) ?? [];
      if (entries.reduce((sum, entry) => sum + entry.approved, 0) > 1) {
        duplicated += 1;
        violations.push(`${payment.id}: approved more than once`);
      }
      violations.push(...checkAgainstAcquirer(payment, entries));
      if ((recoveries.filter((execution) => execution.name?.startsWith(`${payment.id}-`)).length ?? 0) > 1) {
        violations.push(`${payment.id}: more than one recovery`);
      }
    }
    for (const execution of interrupted) {
      if (!recoveredIds.has(execution.name ?? '')) violations.push(`${execution.name}: its run died with the runtime and no recovery finished it`);
    }
    if (interrupted.length === 0) violations.push('no Express run was interrupted: the kill came too early or too late to test anything');
    const ledger = await ledgerDifferences(current.runtime.dynamoDbEndpoint);
    violations.push(...ledger.map((difference) => `ledger: ${difference}`));
    return drillResult('express_crash', started, {
      lost,
      duplicated,
      server_errors: serverErrors,
      counts: {
        payments_sent: options.payments,
        payments_stored: payments.length,
        answered_before_the_kill: answered,
        unanswered,
        in_flight_at_the_kill: inFlightAtKill,
        slow_rate: options.slowRate,
        express_runs_interrupted: interrupted.length,
        recoveries_started: recoveries.length,
        payments_finished_by_recovery: recoveredIds.size,
        statuses,
        ledger_differences: ledger.length,
      },
      violations,
    });
  } finally {
    await stopRuntimeProcess(current, 'SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
};
