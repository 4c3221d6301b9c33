import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { HttpCardAcquirer } from '../../lambdas/adapters/channels/http-card-acquirer';
import { deriveId } from '../../lambdas/domain/ids';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { localOperatorTarget } from '../../local/iam/operator-target';
import { type TwoRegionRuntimeFile, startTwoRegionProcess, stopRuntimeProcess } from '../../local/runtime-process';
import { LOCAL_ACCOUNT } from '../../local/step-functions/arns';
import { stateMachineArn } from '../../platform/state-machines';
import { type ApiAnswer, ApiClient, pool, seededRandom, sleep } from '../lib/http';
import { say } from '../lib/log-volume';
import { card, pickAmount } from '../lib/mix';
import { type DrillResult, type ListedPayment, TERMINAL, checkAgainstAcquirer, drillResult, ledgerDifferences, simulatorTotals } from './common';

/**
 * Region loss (issue 19 item 3, decision 0036): `npm start -- --regions 2` in a child process (the primary and
 * the secondary, each its own runtime and DynamoDB Local, the replicator and the front door), a batch of
 * payments of a merchant homed in the primary sent through the front door by retrying clients (no answer, 421 or
 * 409 home_region_moving: the same request again, same Idempotency-Key, shortly after), and, during the batch,
 * SIGKILL of the primary's runtime and of its DynamoDB Local. Then, as the runbook says:
 * 1. the front door fails over on its health check (`failover_seconds`);
 * 2. the operator moves the merchant to the survivor with a forced move (its operator API, `force`: no drain, no
 *    replica read; `move_seconds`); the clients' retries then succeed there (`rto_seconds`: kill to the first
 *    payment that succeeds through the front door);
 * 3. the payments the survivor knows still in flight (begun in the lost region, their last state not
 *    replicated) are adopted by the forced move itself (step AdoptFlights, decision 0039: their recoveries start in
 *    the survivor and finish them from what the acquirer recorded); the drill only checks that each has its
 *    recovery there (`adopted_in_flight`, `not_adopted` 0);
 * 4. reconciliation with the acquirers of what the survivor does not know: each such payment is looked up at the
 *    acquirers by the channel keys its id derives (`findOperation`, the channel port the sagas use;
 *    `acquirer_lookups`). Known to an acquirer: the merchant's request is sent again with its Idempotency-Key; the
 *    derived id and channel keys make it the same payment, which the acquirer answers from its record (no second
 *    charge).
 * Checked after: `acknowledged_payments_lost` (a payment a merchant saw succeed that the survivor does not have
 * succeeded: 0), `double_charges` (0), `ledger_differences` in the survivor (the ledger verifier: 0), every
 * payment terminal and agreeing with the acquirer, no 5xx.
 */
export interface RegionLossOptions {
  readonly payments: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly replicationLagMs: number;
  /** Where to keep the regions' logs when the drill finds a violation. */
  readonly logCopy?: string;
}

const REGION_ARGS = ['--quiet', '--schedule-interval-ms', '1000', '--health-check-interval-ms', '1000', '--health-check-failures', '3'];
const REGION_ENV = { SAGA_START_GRACE_SECONDS: '5' };

const kill = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

interface Attempted {
  readonly idempotencyKey: string;
  readonly body: Record<string, unknown>;
  /** The last 2xx answer the merchant saw. */
  answer?: { id: string; status: string };
}

export const regionLossDrill = async (options: RegionLossOptions): Promise<DrillResult> => {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-drill-region-loss-'));
  const platform = await startTwoRegionProcess({
    stateDir,
    extraArgs: [...REGION_ARGS, '--replication-lag-ms', String(options.replicationLagMs)],
    env: REGION_ENV,
  });
  const [primary, secondary] = platform.regions.regions as [TwoRegionRuntimeFile['regions'][number], TwoRegionRuntimeFile['regions'][number]];
  const violations: string[] = [];
  let serverErrors = 0;
  let noAnswer = 0;
  let misdirected = 0;
  let moving = 0;
  let killedAt = 0;
  let firstSuccessAfterKill = 0;
  try {
    const merchant = (JSON.parse(readFileSync(join(primary.stateDir, 'merchants.json'), 'utf8')) as { id: string; api_key: string }[])[0]!;
    const api = new ApiClient(() => platform.regions.apiUrl);
    const run = `region-loss-${options.seed}-${Date.now().toString(36)}`;
    const attempts: Attempted[] = Array.from({ length: options.payments }, (_, index) => ({
      idempotencyKey: `${run}-${index}`,
      body: { ...pickAmount(random), payment_method: card('4242424242424242'), metadata: { drill: run } },
    }));
    // Warm both regions first (the merchant authorizer and the list handler loaded in each): a cold start on a
    // loaded machine can outlast the authorizer's 5 s timeout, a 5xx that is no part of losing a region.
    for (const url of [primary.apiUrl, secondary.apiUrl]) {
      const warm = new ApiClient(() => url);
      for (let round = 0; round < 3; round += 1) await warm.call('warm_up', 'GET', '/v1/payments?limit=1', { key: merchant.api_key }).catch(() => undefined);
    }
    const killAfter = Math.max(1, Math.floor(options.payments * 0.4));
    let acknowledged = 0;
    let killing: Promise<void> | undefined;

    /** The merchant's retrying client: until a 2xx, the same request again (the front door may still name the lost region). */
    const pay = async (attempt: Attempted) => {
      const deadline = Date.now() + 300_000;
      for (;;) {
        let answer: ApiAnswer | undefined;
        const sentAt = Date.now();
        try {
          answer = await api.call('payment', 'POST', '/v1/payments', { key: merchant.api_key, idempotencyKey: attempt.idempotencyKey, body: attempt.body });
        } catch {
          noAnswer += 1;
        }
        if (answer && answer.status < 300) {
          attempt.answer = { id: answer.json.id, status: answer.json.status };
          // Sent after the kill: answered by the survivor, not by the primary just before it died.
          if (killedAt && sentAt > killedAt && !firstSuccessAfterKill && answer.json.status === 'succeeded') firstSuccessAfterKill = Date.now();
          acknowledged += 1;
          if (acknowledged >= killAfter && !killing) {
            killing = (async () => {
              kill(primary.pid);
              kill(primary.pids.dynamoDbLocal);
              killedAt = Date.now();
              say(`drill region_loss: ${acknowledged} acknowledged; SIGKILL of ${primary.region}'s runtime (${primary.pid}) and DynamoDB Local (${primary.pids.dynamoDbLocal})`);
            })();
          }
          return;
        }
        if (answer?.status === 421) misdirected += 1;
        else if (answer?.status === 409) moving += 1;
        else if (answer && answer.status >= 500) {
          serverErrors += 1;
          violations.push(`${attempt.idempotencyKey}: ${answer.status} ${answer.text.slice(0, 200)}`);
        } else if (answer) {
          violations.push(`${attempt.idempotencyKey}: unexpected ${answer.status} ${answer.text.slice(0, 200)}`);
          return;
        }
        if (Date.now() > deadline || operatorGaveUp) {
          violations.push(`${attempt.idempotencyKey}: no 2xx${operatorGaveUp ? ' (the forced move failed)' : ' in 300 s'}`);
          return;
        }
        await sleep(500);
      }
    };

    /** The operator: once the primary is lost and the front door has failed over, the forced move in the survivor. */
    let operatorGaveUp = false;
    let failoverSeconds = 0;
    let moveSeconds = 0;
    let moveStatus = 'not started';
    let adoptedByMove = 0;
    let balanceItemsRepaired = 0;
    const operator = (async () => {
      while (!killedAt) await sleep(100);
      for (;;) {
        // The front door's answer now comes from the survivor: the merchant's payment list answers there.
        const answer = await api.call('list_payments', 'GET', '/v1/payments?limit=1', { key: merchant.api_key }).catch(() => undefined);
        if (answer?.status === 200) break;
        await sleep(200);
      }
      failoverSeconds = (Date.now() - killedAt) / 1000;
      say(`drill region_loss: the front door answers from ${secondary.region} ${failoverSeconds.toFixed(1)} s after the kill; forced move of ${merchant.id}`);
      const admin = localOperatorTarget(secondary.stateDir, 'ops_admin');
      const moveStarted = Date.now();
      const move = await operatorRequest({ ...admin, method: 'POST', path: `/v1/merchants/${merchant.id}/home_region_moves`, body: { region: secondary.region, force: true } });
      if (move.status !== 202) {
        violations.push(`forced move: ${move.status} ${move.text.slice(0, 300)}`);
        operatorGaveUp = true;
        return;
      }
      const sfn = new SFNClient({ endpoint: secondary.sfnEndpoint, region: secondary.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        for (;;) {
          const described = await sfn.send(new DescribeExecutionCommand({ executionArn: move.json.execution_arn }));
          if (described.status !== 'RUNNING') {
            moveStatus = described.status ?? 'unknown';
            adoptedByMove = (JSON.parse(described.output ?? '{}') as { adopted?: { adopted?: number } }).adopted?.adopted ?? 0;
            // What RepairBalances corrected: balance items a posting's partial replication left behind its journal.
            const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: move.json.execution_arn, maxResults: 1000 }));
            const repaired = history.events?.find((event) => event.stateExitedEventDetails?.name === 'RepairBalances')?.stateExitedEventDetails?.output;
            balanceItemsRepaired = (JSON.parse(repaired ?? '{}') as { repair?: { corrected?: unknown[] } }).repair?.corrected?.length ?? 0;
            break;
          }
          await sleep(500);
        }
      } finally {
        sfn.destroy();
      }
      moveSeconds = (Date.now() - moveStarted) / 1000;
      say(`drill region_loss: forced move ${moveStatus} in ${moveSeconds.toFixed(1)} s`);
      if (moveStatus !== 'SUCCEEDED') {
        violations.push(`forced move ended ${moveStatus}`);
        operatorGaveUp = true;
      }
    })().catch((error: unknown) => {
      violations.push(`operator: ${error instanceof Error ? error.message : String(error)}`);
      operatorGaveUp = true;
    });

    await pool(attempts, options.concurrency, (attempt) => pay(attempt));
    await operator;
    if (!killedAt) violations.push('the primary was never killed (too few payments acknowledged)');

    // Reconciliation with the acquirers, in the survivor.
    const channels = platform.regions.cardChannels.map(
      (channel) => new HttpCardAcquirer({ channel: channel.name, baseUrl: channel.url, apiKey: channel.apiKey, timeoutMs: 8_000 }),
    );
    const get = async (id: string) => api.call('get_payment', 'GET', `/v1/payments/${id}`, { key: merchant.api_key });
    const sfn = new SFNClient({ endpoint: secondary.sfnEndpoint, region: secondary.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let acquirerLookups = 0;
    let unknownInSurvivor = 0;
    let inFlightInSurvivor = 0;
    let adoptedInFlight = 0;
    let resent = 0;
    let acknowledgedUnknownBefore = 0;
    const recoveriesIn = async (id: string) => {
      // The recovery is named `<id>-<when it went in flight>` (by the forced move's AdoptFlights, as by the sweeper).
      const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn('sagaRecovery', secondary.region, LOCAL_ACCOUNT), maxResults: 1000 }));
      return (listed.executions ?? []).filter((execution) => execution.name?.startsWith(`${id}-`)).length;
    };
    let recoveriesInSurvivor = 0;
    try {
      // Each flight the move adopted has its recovery in the survivor (most have already finished their payment).
      for (const attempt of attempts) {
        if ((await recoveriesIn(attempt.answer?.id ?? deriveId('pay', merchant.id, attempt.idempotencyKey))) > 0) recoveriesInSurvivor += 1;
      }
      if (recoveriesInSurvivor < adoptedByMove) violations.push(`the forced move adopted ${adoptedByMove} flights; ${recoveriesInSurvivor} of the payments have a recovery in ${secondary.region}`);
      for (const attempt of attempts) {
        const id = attempt.answer?.id ?? deriveId('pay', merchant.id, attempt.idempotencyKey);
        const seen = await get(id);
        if (seen.status === 200 && TERMINAL.includes(seen.json.status)) continue;
        if (seen.status === 200) {
          // In flight here, its flight begun in the lost region: the forced move adopted it (its recovery runs here).
          inFlightInSurvivor += 1;
          if ((await recoveriesIn(id)) > 0) adoptedInFlight += 1;
          else violations.push(`${id}: in flight in ${secondary.region} (${seen.json.status}) and not adopted by the forced move`);
          continue;
        }
        // Unknown here (its creation did not replicate): what did the acquirers record under its keys?
        acquirerLookups += 1;
        const keys = [`${id}:capture`, `${id}:void`, ...channels.map((channel) => `${id}:authorize:${channel.channel}`)];
        const found = (await Promise.all(channels.flatMap((channel) => keys.map((key) => channel.findOperation(key))))).filter(Boolean);
        unknownInSurvivor += 1;
        if (attempt.answer?.status === 'succeeded') acknowledgedUnknownBefore += 1;
        if (found.length === 0) continue; // never reached an acquirer: nothing was charged
        // The merchant's request again, same key: the same payment id, answered by the acquirer from its record.
        const again = await api.call('payment', 'POST', '/v1/payments', { key: merchant.api_key, idempotencyKey: attempt.idempotencyKey, body: attempt.body });
        if (again.status >= 500) serverErrors += 1;
        resent += 1;
      }
      // Every payment terminal in the survivor.
      const deadline = Date.now() + 180_000;
      for (;;) {
        const pending: string[] = [];
        for (const attempt of attempts) {
          const id = attempt.answer?.id ?? deriveId('pay', merchant.id, attempt.idempotencyKey);
          const seen = await get(id);
          if (seen.status === 200 && !TERMINAL.includes(seen.json.status)) pending.push(`${id} ${seen.json.status}`);
        }
        if (pending.length === 0) break;
        if (Date.now() > deadline) {
          violations.push(...pending.map((entry) => `not terminal after reconciliation: ${entry}`));
          break;
        }
        await sleep(1_000);
      }
    } finally {
      sfn.destroy();
    }

    // The checks.
    const totals = await simulatorTotals(platform.regions.cardChannels);
    let acknowledgedLost = 0;
    let doubleCharges = 0;
    let lost = 0;
    for (const attempt of attempts) {
      const id = attempt.answer?.id ?? deriveId('pay', merchant.id, attempt.idempotencyKey);
      const seen = await get(id);
      const atAcquirer = totals.get(id) ?? [];
      const sum = (field: 'approved' | 'captures') => atAcquirer.reduce((total, entry) => total + entry[field], 0);
      if (sum('approved') > 1 || sum('captures') > 1) doubleCharges += 1;
      if (attempt.answer?.status === 'succeeded' && !(seen.status === 200 && seen.json.status === 'succeeded')) {
        acknowledgedLost += 1;
        violations.push(`${id}: the merchant saw it succeed; the survivor answers ${seen.status} ${seen.json?.status ?? ''}`);
      }
      if (seen.status === 404) {
        if (atAcquirer.some((entry) => entry.authorized > 0 || entry.captured > 0)) violations.push(`${id}: unknown to the survivor, yet the acquirer holds or took money`);
        if (attempt.answer) lost += 1;
        continue;
      }
      violations.push(...checkAgainstAcquirer(seen.json as ListedPayment, atAcquirer));
    }
    const differences = await ledgerDifferences(secondary.dynamoDbEndpoint);
    violations.push(...differences.map((difference) => `ledger (${secondary.region}): ${difference}`));
    const rtoSeconds = firstSuccessAfterKill ? (firstSuccessAfterKill - killedAt) / 1000 : null;
    if (rtoSeconds === null) violations.push('no payment succeeded through the front door after the kill');
    if (violations.length && options.logCopy) {
      for (const region of [primary, secondary]) copyFileSync(join(region.stateDir, 'runtime.log'), `${options.logCopy}.${region.region}`);
      copyFileSync(platform.logFile, options.logCopy);
    }
    return drillResult('region_loss', started, {
      lost,
      duplicated: doubleCharges,
      server_errors: serverErrors,
      counts: {
        payments: options.payments,
        replication_lag_ms: options.replicationLagMs,
        killed_after_acknowledged: killAfter,
        rto_seconds: rtoSeconds,
        failover_seconds: failoverSeconds,
        move_seconds: moveSeconds,
        acknowledged_payments_lost: acknowledgedLost,
        acknowledged_unknown_before_reconciliation: acknowledgedUnknownBefore,
        double_charges: doubleCharges,
        ledger_differences: differences.length,
        acquirer_lookups: acquirerLookups,
        unknown_in_survivor: unknownInSurvivor,
        in_flight_in_survivor: inFlightInSurvivor,
        resent_after_lookup: resent,
        balance_items_repaired: balanceItemsRepaired,
        adopted_by_move: adoptedByMove,
        adopted_in_flight: adoptedInFlight,
        recoveries_in_survivor: recoveriesInSurvivor,
        no_answer: noAnswer,
        misdirected_421: misdirected,
        moving_409: moving,
      },
      violations,
    });
  } finally {
    await stopRuntimeProcess(platform, 'SIGTERM').catch(() => undefined);
    for (const region of [primary, secondary]) {
      kill(region.pid);
      kill(region.pids.dynamoDbLocal);
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
};
