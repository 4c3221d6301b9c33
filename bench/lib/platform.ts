import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerStore } from '../../lambdas/adapters/dynamodb/ledger-store';
import { DynamoDbPaymentRepository } from '../../lambdas/adapters/dynamodb/payment-repository';
import { DynamoDbPayoutRepository } from '../../lambdas/adapters/dynamodb/payout-repository';
import { type MerchantCurrencyBalance, summarizeMerchantShards } from '../../lambdas/domain/ledger/balances';
import { paymentSettled } from '../../lambdas/domain/ledger/postings';
import type { Payment } from '../../lambdas/domain/payment';
import { type Payout, isFinal } from '../../lambdas/domain/payouts/payout';
import { nextPayoutStep } from '../../lambdas/domain/payouts/payout-saga';
import type { Refund } from '../../lambdas/domain/refund';
import type { AccessLogEntry } from '../../local/api-gateway';
import type { LocalCardChannel } from '../../local/card-channels';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../local/faults/dynamodb-fault-proxy';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { deployment } from '../../platform/deployment';
import { type StateMachineKey, stateMachineArn, stateMachines } from '../../platform/state-machines';
import { tableName } from '../../platform/tables';
import { type Cause, type OperationTracker, type TrackerSnapshot, installOperationTracker } from './attribution';
import { type CapacityCounts, type CapacityProxyThread, startCapacityProxyThread } from './capacity-proxy';
import { sleep } from './http';
import { billedTableSchemas } from './table-schemas';

/**
 * The local runtime as the benchmark and the in-process drills use it: started in memory on free ports
 * with a counting proxy in front of DynamoDB Local (units by AWS's billing rules, bench/lib/capacity-proxy.ts),
 * plus what a harness needs and a merchant does not have: waiting for a saga to end without polling the API
 * (the engine tells), reading a payment straight from DynamoDB Local (not through the proxy, so observing
 * costs nothing in the counts), knowing when the acquirers' settlements and webhooks are all done, and
 * snapshots of every counter.
 *
 * Payouts: a payout is terminal when it has nothing left to do (paid, failed, canceled, returned, nothing
 * held: domain/payouts/payout-saga.ts); its runs are Express and no execution stays open after `paid`
 * (a later return arrives as a rail message; docs/decisions/0012-payout-workflows-and-unknown-outcomes.md).
 * The harness reads the stored payout (uncounted) whenever one of the payout's workflow steps ends (the
 * operation tracker tells), and once a second besides.
 */
export interface BenchPlatform {
  readonly runtime: LocalRuntime;
  readonly proxy: CapacityProxyThread;
  /** The fault proxy in front of the counting one (`dynamoDbFaults`): throttles and conflicts on the platform's own requests. */
  readonly faults?: DynamoDbFaultProxy;
  readonly stateDir: string;
  readonly access: AccessLogEntry[];
  /** Resolves when the execution named `name` of `machine` has closed: its status and stop time (epoch ms). */
  waitForExecution(machine: StateMachineKey, name: string): Promise<{ status: string; stoppedAt: number }>;
  /** The payment as stored now (strongly consistent, uncounted). */
  payment(id: string): Promise<Payment | undefined>;
  /** The refund as stored now (strongly consistent, uncounted). */
  refund(id: string): Promise<Refund | undefined>;
  /** Ask the stored payment until `done`; the last value after `timeoutMs`. */
  waitForPayment(id: string, done: (payment: Payment) => boolean, timeoutMs: number): Promise<Payment | undefined>;
  /** The payout as stored now (strongly consistent, uncounted). */
  payout(id: string): Promise<Payout | undefined>;
  /**
   * Resolves once the payout is terminal (nothing left to do), with the stored payout and when it got there
   * (its last status change). `untilClosed`: wait for a final status (failed, canceled, returned: a payout
   * expected to come back after it was paid).
   */
  waitForPayout(id: string, timeoutMs: number, options?: { untilClosed?: boolean }): Promise<{ payout: Payout | undefined; terminalAt: number; timedOut: boolean }>;
  /** Resolves true once the payment's capture has settled into the merchant's available funds (the ledger's settlement transaction exists). */
  waitForFunds(paymentId: string, timeoutMs: number): Promise<boolean>;
  /** The merchant's balances as the ledger holds them now (uncounted). */
  balances(merchantId: string): Promise<MerchantCurrencyBalance[]>;
  /** Counts every invocation's cause (bench/lib/attribution.ts). */
  readonly tracker: OperationTracker;
  /** Every simulator request, with the channel's key. */
  simulator<T>(channel: LocalCardChannel, method: string, path: string, body?: unknown): Promise<T>;
  /**
   * No execution running, every capture settled and refund completed at the acquirers, every acquirer
   * webhook answered, the stream mappings caught up (events built) and the webhook delivery queue empty.
   */
  waitForQuiescence(timeoutMs: number): Promise<boolean>;
  counters(): Promise<PlatformCounters>;
  stop(): Promise<void>;
}

export interface PlatformCounters {
  readonly at: number;
  readonly invocations: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly billedMs: Record<string, number>;
  readonly stateMachines: Record<string, { started: number; transitions: number; succeeded: number; failed: number; billedDurationMs: number }>;
  readonly kms: Record<string, number>;
  /** Billable SQS requests by action (the webhook delivery queue; local/sqs.ts). */
  readonly sqsRequests: Record<string, number>;
  readonly dynamoDb: CapacityCounts;
  /** The same DynamoDB counts split by the operation that caused them. */
  readonly dynamoDbByCause: Record<Cause, CapacityCounts>;
  /** Uncounted reads the proxy made to size writes and trimmed reads by AWS's rules. */
  readonly dynamoDbShadowRequests: number;
  /** Invocations, durations, KMS requests and log lines per cause (bench/lib/attribution.ts). */
  readonly tracker: TrackerSnapshot;
  readonly accessLogEntries: number;
}

export interface StartBenchPlatformOptions {
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly sfnTimeScale?: number;
  /** WEBHOOK_TIME_SCALE of the runtime (the webhook_delivery drill's retry schedule); default 1. */
  readonly webhookTimeScale?: number;
  /** Tags each queue message for the SQS request counts (the benchmark's attribution). */
  readonly classifyQueueMessage?: (body: string) => string;
  /**
   * Put a fault proxy (local/faults/dynamodb-fault-proxy.ts) in front of the counting one, so a drill can make
   * DynamoDB throttle or refuse transactions (the dynamodb_throttle drill). A refused request is answered by
   * the fault proxy and never reaches the counting one: AWS bills no throttled request either.
   */
  readonly dynamoDbFaults?: boolean;
  /**
   * The counting proxy takes the image each write left as the next write's before image instead of reading
   * it again (bench/lib/capacity-metering.ts): the same counts with fewer shadow reads, valid only while
   * nothing but the platform writes its tables. The bench sets it; drills that change items straight in
   * DynamoDB Local (expiring, seeding) must not.
   */
  readonly rememberImages?: boolean;
  /**
   * Keep the functions' metric lines (EMF) on stdout after the local CloudWatch took them in: the bench counts
   * them as the log bytes they are in AWS (bench/lib/log-volume.ts). Drills leave them out of their output.
   */
  readonly printMetricLines?: boolean;
}

interface SimulatorOperation {
  readonly type: string;
  readonly outcome: string;
}
interface SimulatorEvent {
  readonly type: string;
  readonly delivered_at: string | null;
  readonly abandoned_at: string | null;
}

export const startBenchPlatform = async (options: StartBenchPlatformOptions = {}): Promise<BenchPlatform> => {
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-bench-'));
  const access: AccessLogEntry[] = [];
  let proxy: CapacityProxyThread | undefined;
  let faults: DynamoDbFaultProxy | undefined;
  const runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    sfnPort: 0,
    opsPort: 0,
    stateDir,
    inMemory: true,
    logLevel: options.logLevel ?? 'WARN',
    sfnTimeScale: options.sfnTimeScale,
    webhookTimeScale: options.webhookTimeScale,
    classifyQueueMessage: options.classifyQueueMessage,
    // The saga-start sweeper runs every 5 minutes per region in AWS, every 30 s locally by default: a cost
    // per unit of time, not per payment, that would land in the window at ten times its rate. Off here
    // (nothing in a bench or drill leaves a saga unstarted); listed in the report's `left_out`.
    scheduleIntervalMs: 0,
    printMetricLines: options.printMetricLines,
    onAccess: (entry) => access.push(entry),
    interposeDynamoDb: async (endpoint) => {
      // Billed tables are metered by AWS's rules; the local engine's own table only counted.
      proxy = await startCapacityProxyThread(endpoint, { schemas: billedTableSchemas(), rememberImages: options.rememberImages });
      if (!options.dynamoDbFaults) return proxy.endpoint;
      faults = await startDynamoDbFaultProxy(proxy.endpoint);
      return faults.endpoint;
    },
  });
  const counting = proxy as CapacityProxyThread;
  // Observation reads go straight to DynamoDB Local: they are the harness's, not the platform's.
  const direct = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const executionArn = (machine: StateMachineKey, name: string) =>
    `${stateMachineArn(machine, deployment.primaryRegion, '000000000000').replace(':stateMachine:', ':execution:')}:${name}`;
  const payments = new DynamoDbPaymentRepository(direct, tableName('payments'), deployment.primaryRegion);
  const payouts = new DynamoDbPayoutRepository(direct, tableName('payouts'), deployment.primaryRegion);
  const ledger = new DynamoDbLedgerStore(direct, tableName('ledger'));
  const tracker = installOperationTracker(runtime.lambdas, { kmsHost: new URL(runtime.kms.url).host, dynamoDbHost: new URL(counting.endpoint).host });

  // Whoever waits for a payout looks again when a step of its workflow ends.
  const payoutWaiters = new Map<string, Set<() => void>>();
  const payoutSteps = new Set(Object.values(stateMachines.payout.substitutions));
  tracker.onInvocationEnd(({ key, event }) => {
    const { payoutId } = (event ?? {}) as { payoutId?: unknown };
    if (!payoutSteps.has(key as never) || typeof payoutId !== 'string') return;
    for (const wake of payoutWaiters.get(payoutId) ?? []) wake();
  });
  const payoutStepEnded = (payoutId: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve) => {
      const waiters = payoutWaiters.get(payoutId) ?? new Set<() => void>();
      payoutWaiters.set(payoutId, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0) payoutWaiters.delete(payoutId);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });

  const simulator = async <T>(channel: LocalCardChannel, method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${channel.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${channel.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-${Date.now()}-${Math.random()}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${channel.name} ${method} ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };

  const quiescent = async (): Promise<boolean> => {
    if (runtime.stepFunctions.runningExecutions > 0 || tracker.inFlight > 0) return false;
    for (const channel of runtime.cardChannels) {
      const [operations, events] = await Promise.all([
        simulator<{ data: SimulatorOperation[] }>(channel, 'GET', '/__simulator/operations'),
        simulator<{ data: SimulatorEvent[] }>(channel, 'GET', '/__simulator/events'),
      ]);
      const succeeded = (type: string) => operations.data.filter((operation) => operation.type === type && operation.outcome === 'succeeded').length;
      const emitted = (type: string) => events.data.filter((event) => event.type === type).length;
      if (emitted('capture.settled') < succeeded('capture') || emitted('refund.succeeded') < succeeded('refund')) return false;
      if (events.data.some((event) => event.delivered_at === null && event.abandoned_at === null)) return false;
    }
    return runtime.stepFunctions.runningExecutions === 0 && tracker.inFlight === 0;
  };

  return {
    runtime,
    proxy: counting,
    ...(faults ? { faults } : {}),
    stateDir,
    access,
    waitForExecution: async (machine, name) => {
      for (let attempt = 0; ; attempt += 1) {
        // The newest execution of the name: Express names need not be unique.
        const [newest] = (await runtime.stepFunctions.listExecutions({ stateMachineArn: runtime.stepFunctions.stateMachineArn(machine), name, maxResults: 1 })).executions ?? [];
        if (newest?.executionArn) {
          const described = await runtime.stepFunctions.waitForExecution(newest.executionArn);
          if (described.status !== 'RUNNING') return { status: described.status ?? 'UNKNOWN', stoppedAt: described.stopDate?.getTime() ?? Date.now() };
        }
        if (attempt > 50) throw new Error(`no ${machine} execution named ${name}`);
        await sleep(100);
      }
    },
    payment: (id) => payments.get(id, { consistent: true }),
    refund: (id) => payments.getRefund(id, { consistent: true }),
    waitForPayment: async (id, done, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let payment = await payments.get(id, { consistent: true });
      while (!(payment && done(payment)) && Date.now() < deadline) {
        await sleep(100);
        payment = await payments.get(id, { consistent: true });
      }
      return payment;
    },
    payout: (id) => payouts.getPayout(id, { consistent: true }),
    waitForPayout: async (id, timeoutMs, waitOptions = {}) => {
      const deadline = Date.now() + timeoutMs;
      const ended = (payout: Payout | undefined) =>
        payout !== undefined && (waitOptions.untilClosed ? isFinal(payout.status) && nextPayoutStep(payout) === 'done' : nextPayoutStep(payout) === 'done');
      let payout = await payouts.getPayout(id, { consistent: true });
      while (!ended(payout) && Date.now() < deadline) {
        await payoutStepEnded(id, Math.min(1_000, Math.max(1, deadline - Date.now())));
        payout = await payouts.getPayout(id, { consistent: true });
      }
      const last = payout?.history.at(-1)?.at;
      return { payout, terminalAt: last ? Date.parse(last) : Date.now(), timedOut: !ended(payout) };
    },
    waitForFunds: async (paymentId, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      const payment = await payments.get(paymentId, { consistent: true });
      if (!payment?.captureId) return false;
      const settlement = paymentSettled.transactionId({ paymentId, settlementId: payment.captureId });
      while (!(await ledger.getTransaction(settlement))) {
        if (Date.now() > deadline) return false;
        await sleep(200);
      }
      return true;
    },
    balances: async (merchantId) => summarizeMerchantShards(await ledger.merchantShards(merchantId)),
    tracker,
    simulator,
    waitForQuiescence: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await quiescent()) {
          // Events of the last changes, then their deliveries (which change nothing a stream carries).
          const caughtUp = (await runtime.streams.drain(Math.max(1, deadline - Date.now()))) && (await runtime.sqs.drain(Math.max(1, deadline - Date.now())));
          if (caughtUp && (await quiescent())) return true;
        }
        await sleep(250);
      }
      return false;
    },
    counters: async () => {
      const capacity = await counting.counts();
      return {
      at: Date.now(),
      invocations: { ...runtime.lambdas.stats.invocations },
      errors: { ...runtime.lambdas.stats.errors },
      billedMs: { ...runtime.lambdas.stats.billedMs },
      stateMachines: Object.fromEntries(
        Object.entries(runtime.stepFunctions.stats).map(([key, stats]) => [
          key,
          { started: stats.started, transitions: stats.transitions, succeeded: stats.succeeded, failed: stats.failed, billedDurationMs: stats.billedDurationMs },
        ]),
      ),
      kms: { ...runtime.kms.requestCounts },
      sqsRequests: runtime.sqs.counts().requests,
      dynamoDb: capacity.counts,
      dynamoDbByCause: capacity.byCause,
      dynamoDbShadowRequests: capacity.shadowRequests,
      tracker: tracker.snapshot(),
      accessLogEntries: access.length,
      };
    },
    stop: async () => {
      tracker.uninstall();
      await runtime.stop();
      await faults?.stop();
      await counting.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

/** b − a, key by key (keys with no change left out). */
export const recordDelta = (before: Record<string, number>, after: Record<string, number>): Record<string, number> => {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const difference = value - (before[key] ?? 0);
    if (difference !== 0) delta[key] = difference;
  }
  return delta;
};
