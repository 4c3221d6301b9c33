import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type StartedRuntime, startRuntimeProcess, stopRuntimeProcess } from '../../local/runtime-process';
import { deployment } from '../../platform/deployment';
import { stateMachineArn, stateMachineKeys } from '../../platform/state-machines';
import { type ApiAnswer, type ApiCall, ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { card, pickAmount } from '../lib/mix';
import {
  type DrillResult,
  TERMINAL,
  checkAgainstAcquirer,
  drillResult,
  ledgerDifferences,
  listAllPayments,
  simulatorTotals,
  simulatorsSettled,
} from './common';

/**
 * Crash: the runtime runs as a user runs it (`local/start.ts` in a child process, data persisted under a
 * state directory) and is killed with SIGKILL at random moments while a batch of payments goes through
 * it, then restarted on the same state directory. Clients behave like a merchant's servers: a request
 * that gets no answer is sent again with the same Idempotency-Key once the API is back; manual payments
 * are captured once they reach requires_capture; refunds are asked for once a payment succeeded.
 * Expected, after the last restart: every payment terminal (Standard executions resume on restart; a
 * payment whose Express run died is recovered: the sweeper runs every second here, with a 5 s grace),
 * exactly one payment per key, at most one charge per payment at the acquirers (their ledgers persist
 * under the state directory), money at the acquirers agrees with every payment, the ledger verifier is
 * clean, and no 5xx was ever answered.
 */
export interface CrashOptions {
  readonly payments: number;
  readonly concurrency: number;
  readonly kills: number;
  readonly seed: number;
  /** Where to keep the runtime's log when the drill finds a violation. */
  readonly logCopy?: string;
}

type Kind = 'automatic' | 'manual' | 'refunded';

/** The sweeper every second with a 5 s grace: a payment whose run died is recovered in seconds, not minutes. */
const RUNTIME_ARGS = ['--quiet', '--schedule-interval-ms', '1000'];
const RUNTIME_ENV = { SAGA_START_GRACE_SECONDS: '5' };

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const crashDrill = async (options: CrashOptions): Promise<DrillResult> => {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-drill-crash-'));
  let current: StartedRuntime = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
  let up: Promise<void> = Promise.resolve();
  const api = new ApiClient(() => current.apiUrl);
  const merchant = (JSON.parse(readFileSync(join(stateDir, 'merchants.json'), 'utf8')) as { api_key: string }[])[0] as { api_key: string };
  const violations: string[] = [];
  let serverErrors = 0;
  let networkErrors = 0;
  let inProgress = 0;
  const restarts: number[] = [];
  const run = `crash-${options.seed}-${Date.now().toString(36)}`;

  /** A merchant's retrying client: no answer or 409 in progress → the same request again once the API is back. */
  const call = async (operation: string, method: string, path: string, request: ApiCall, done: (answer: ApiAnswer) => boolean): Promise<ApiAnswer> => {
    const deadline = Date.now() + 240_000;
    for (;;) {
      await up;
      try {
        const answer = await api.call(operation, method, path, request);
        if (answer.status >= 500) {
          serverErrors += 1;
          violations.push(`${method} ${path}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
        }
        if (answer.status === 409 && answer.json?.code === 'idempotency_in_progress') inProgress += 1;
        if (done(answer)) return answer;
        if (!(answer.status >= 500 || (answer.status === 409 && answer.json?.code === 'idempotency_in_progress'))) return answer;
      } catch {
        networkErrors += 1;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no usable answer within 240 s`);
      await sleep(250);
    }
  };
  const waitForStatus = async (path: string, done: (json: any) => boolean): Promise<any> => {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const answer = await call('crash_get', 'GET', path, { key: merchant.api_key }, (got) => got.status === 200);
      if (answer.status === 200 && done(answer.json)) return answer.json;
      if (Date.now() > deadline) return answer.json;
      await sleep(200);
    }
  };

  const kinds: Kind[] = Array.from({ length: options.payments }, (_, index) => (index % 4 === 1 ? 'manual' : index % 7 === 3 ? 'refunded' : 'automatic'));
  const requestedRefunds = new Map<string, number>();
  const refundOutcomes: Record<string, number> = {};
  let clientsDone = false;
  const clients = pool(kinds, options.concurrency, async (kind, index) => {
    const key = `${run}-${index}`;
    const created = await call('crash_create', 'POST', '/v1/payments', {
      key: merchant.api_key,
      idempotencyKey: key,
      body: { ...pickAmount(random), payment_method: card(index % 2 ? '5555555555554444' : '4242424242424242'), capture_method: kind === 'manual' ? 'manual' : 'automatic', metadata: { crash_key: key } },
    }, (answer) => answer.status === 201);
    if (created.status !== 201) {
      violations.push(`${key}: create answered ${created.status} ${created.text.slice(0, 200)}`);
      return;
    }
    const id: string = created.json.id;
    const path = `/v1/payments/${id}`;
    if (kind === 'manual') {
      const authorized = await waitForStatus(path, (payment) => payment.status !== 'processing');
      if (authorized.status === 'requires_capture') {
        const captured = await call('crash_capture', 'POST', `${path}/capture`, { key: merchant.api_key, idempotencyKey: `${key}-capture`, body: {} }, (answer) => answer.status === 200);
        if (captured.status !== 200) violations.push(`${id}: capture answered ${captured.status} ${captured.text.slice(0, 200)}`);
      } else violations.push(`${id}: manual payment reached ${authorized.status}, never requires_capture`);
    }
    const ended = await waitForStatus(path, (payment) => TERMINAL.includes(payment.status));
    if (kind === 'refunded' && ended.status === 'succeeded') {
      const amount = Math.max(1, Math.floor(ended.amount_received / 2));
      const refund = await call('crash_refund', 'POST', '/v1/refunds', { key: merchant.api_key, idempotencyKey: `${key}-refund`, body: { payment_id: id, amount } }, (answer) => answer.status === 201);
      if (refund.status !== 201) {
        violations.push(`${id}: refund answered ${refund.status} ${refund.text.slice(0, 200)}`);
        return;
      }
      const finished = await waitForStatus(`/v1/refunds/${refund.json.id}`, (json) => json.status !== 'pending');
      // A refund may fail as a business outcome (nothing moved; checked against the acquirer below).
      const outcome = finished.status === 'failed' ? `failed: ${finished.failure_code}` : String(finished.status);
      refundOutcomes[outcome] = (refundOutcomes[outcome] ?? 0) + 1;
      if (finished.status === 'succeeded') requestedRefunds.set(id, amount);
      else if (finished.status !== 'failed') violations.push(`${refund.json.id}: refund never finished (${finished.status})`);
    }
  }).finally(() => {
    clientsDone = true;
  });

  const killer = (async () => {
    for (let kill = 0; kill < options.kills && !clientsDone; kill += 1) {
      // The first kill comes early enough to land mid-batch even in a smoke run's few payments.
      await sleep(kill === 0 ? 300 + random() * 700 : 1_000 + random() * 2_500);
      if (clientsDone) break;
      const dynamoDbPid = current.runtime.pids.dynamoDbLocal;
      let restarted!: () => void;
      up = new Promise((resolve) => {
        restarted = resolve;
      });
      await stopRuntimeProcess(current, 'SIGKILL');
      // DynamoDB Local exits when its parent's pipe closes; the next one must not open the files before.
      for (let waited = 0; isAlive(dynamoDbPid) && waited < 100; waited += 1) await sleep(100);
      const restartedAt = Date.now();
      current = await startRuntimeProcess({ stateDir, inMemory: false, extraArgs: RUNTIME_ARGS, env: RUNTIME_ENV });
      restarts.push((Date.now() - restartedAt) / 1000);
      restarted();
    }
  })();

  try {
    await Promise.all([clients, killer]);
    // Everything the batch started must finish: executions (resumed on restart), settlements, webhooks.
    const sfn = new SFNClient({ endpoint: current.runtime.sfnEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const executions = async (statusFilter?: 'RUNNING') => {
      const listed: { redriveCount?: number; stateMachineArn?: string }[] = [];
      for (const key of stateMachineKeys) {
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn(key, deployment.primaryRegion, '000000000000'), statusFilter, maxResults: 1000, nextToken }));
          listed.push(...(page.executions ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
      }
      return listed;
    };
    const running = async () => (await executions('RUNNING')).length;
    const settleDeadline = Date.now() + 180_000;
    let settled = false;
    while (Date.now() < settleDeadline) {
      if ((await running()) === 0 && (await simulatorsSettled(current.runtime.cardChannels)) && (await running()) === 0) {
        settled = true;
        break;
      }
      await sleep(500);
    }
    if (!settled) violations.push('executions or settlements still pending 180 s after the batch');

    const payments = (await listAllPayments(api, merchant.api_key)).filter((payment) => payment.metadata.crash_key?.startsWith(`${run}-`));
    const byKey = new Map<string, number>();
    for (const payment of payments) byKey.set(payment.metadata.crash_key as string, (byKey.get(payment.metadata.crash_key as string) ?? 0) + 1);
    let lost = 0;
    let duplicated = 0;
    for (let index = 0; index < options.payments; index += 1) {
      const count = byKey.get(`${run}-${index}`) ?? 0;
      if (count === 0) {
        lost += 1;
        violations.push(`${run}-${index}: no payment`);
      }
      if (count > 1) {
        duplicated += 1;
        violations.push(`${run}-${index}: ${count} payments`);
      }
    }
    const totals = await simulatorTotals(current.runtime.cardChannels);
    const statuses: Record<string, number> = {};
    for (const payment of payments) {
      statuses[payment.status] = (statuses[payment.status] ?? 0) + 1;
      if (!TERMINAL.includes(payment.status)) lost += 1;
      const entries = totals.get(payment.id) ?? [];
      if (entries.reduce((sum, entry) => sum + entry.approved, 0) > 1) duplicated += 1;
      violations.push(...checkAgainstAcquirer(payment, entries));
      const refunded = requestedRefunds.get(payment.id);
      if (refunded !== undefined && payment.amount_refunded !== refunded) violations.push(`${payment.id}: refund of ${refunded} succeeded, amount_refunded is ${payment.amount_refunded}`);
    }
    const ledger = await ledgerDifferences(current.runtime.dynamoDbEndpoint);
    violations.push(...ledger.map((difference) => `ledger: ${difference}`));
    const resumed = (await executions()).filter((execution) => (execution.redriveCount ?? 0) > 0).length;
    const result = drillResult('crash', started, {
      lost,
      duplicated,
      server_errors: serverErrors,
      counts: {
        payments: options.payments,
        kinds: Object.fromEntries((['automatic', 'manual', 'refunded'] as const).map((kind) => [kind, kinds.filter((entry) => entry === kind).length])),
        kills: restarts.length,
        restart_seconds: restarts.map((seconds) => Number(seconds.toFixed(1))),
        requests_without_answer: networkErrors,
        // Standard executions a restart found RUNNING and ran again from the start (their tasks are idempotent).
        executions_resumed: resumed,
        recoveries_started: (await executions()).filter((execution) => execution.stateMachineArn?.endsWith(':xborder-saga-recovery')).length,
        in_progress_409: inProgress,
        statuses,
        refunds: refundOutcomes,
        ledger_differences: ledger.length,
      },
      violations,
    });
    if (!result.passed && options.logCopy) copyFileSync(current.logFile, options.logCopy);
    return result;
  } finally {
    await stopRuntimeProcess(current, 'SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
};
