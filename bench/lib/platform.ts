import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPaymentRepository } from '../../lambdas/adapters/dynamodb/payment-repository';
import type { Payment } from '../../lambdas/domain/payment';
import type { Refund } from '../../lambdas/domain/refund';
import type { AccessLogEntry } from '../../local/api-gateway';
import type { LocalCardChannel } from '../../local/card-channels';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { deployment } from '../../platform/deployment';
import { type StateMachineKey, stateMachineArn } from '../../platform/state-machines';
import { tableName } from '../../platform/tables';
import { type CapacityCounts, type CapacityProxy, startCapacityProxy } from './capacity-proxy';
import { sleep } from './http';

/**
 * The local runtime as the benchmark and the in-process drills use it: started in memory on free ports
 * with a counting proxy in front of DynamoDB Local, plus what a harness needs and a merchant does not
 * have: waiting for a saga to end without polling the API (the engine tells), reading a payment straight
 * from DynamoDB Local (not through the proxy, so observing costs nothing in the counts), knowing when the
 * acquirers' settlements and webhooks are all done, and snapshots of every counter.
 */
export interface BenchPlatform {
  readonly runtime: LocalRuntime;
  readonly proxy: CapacityProxy;
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
  /** Every simulator request, with the channel's key. */
  simulator<T>(channel: LocalCardChannel, method: string, path: string, body?: unknown): Promise<T>;
  /** No execution running, every capture settled and refund completed at the acquirers, every webhook answered. */
  waitForQuiescence(timeoutMs: number): Promise<boolean>;
  counters(): PlatformCounters;
  stop(): Promise<void>;
}

export interface PlatformCounters {
  readonly at: number;
  readonly invocations: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly billedMs: Record<string, number>;
  readonly stateMachines: Record<string, { started: number; transitions: number; succeeded: number; failed: number }>;
  readonly kms: Record<string, number>;
  readonly dynamoDb: CapacityCounts;
  readonly accessLogEntries: number;
}

export interface StartBenchPlatformOptions {
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly sfnTimeScale?: number;
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
  let proxy: CapacityProxy | undefined;
  const runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    sfnPort: 0,
    opsPort: 0,
    stateDir,
    inMemory: true,
    logLevel: options.logLevel ?? 'WARN',
    sfnTimeScale: options.sfnTimeScale,
    onAccess: (entry) => access.push(entry),
    interposeDynamoDb: async (endpoint) => {
      proxy = await startCapacityProxy(endpoint);
      return proxy.endpoint;
    },
  });
  const counting = proxy as CapacityProxy;
  // Observation reads go straight to DynamoDB Local: they are the harness's, not the platform's.
  const direct = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const payments = new DynamoDbPaymentRepository(direct, tableName('payments'));

  const executionArn = (machine: StateMachineKey, name: string) =>
    `${stateMachineArn(machine, deployment.primaryRegion, '000000000000').replace(':stateMachine:', ':execution:')}:${name}`;

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
    if (runtime.stepFunctions.runningExecutions > 0) return false;
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
    return runtime.stepFunctions.runningExecutions === 0;
  };

  return {
    runtime,
    proxy: counting,
    stateDir,
    access,
    waitForExecution: async (machine, name) => {
      const arn = executionArn(machine, name);
      for (let attempt = 0; ; attempt += 1) {
        try {
          const described = await runtime.stepFunctions.waitForExecution(arn);
          if (described.status !== 'RUNNING') return { status: described.status ?? 'UNKNOWN', stoppedAt: described.stopDate?.getTime() ?? Date.now() };
        } catch (error) {
          if (attempt > 50) throw error;
        }
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
    simulator,
    waitForQuiescence: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await quiescent()) return true;
        await sleep(250);
      }
      return false;
    },
    counters: () => ({
      at: Date.now(),
      invocations: { ...runtime.lambdas.stats.invocations },
      errors: { ...runtime.lambdas.stats.errors },
      billedMs: { ...runtime.lambdas.stats.billedMs },
      stateMachines: Object.fromEntries(
        Object.entries(runtime.stepFunctions.stats).map(([key, stats]) => [
          key,
          { started: stats.started, transitions: stats.transitions, succeeded: stats.succeeded, failed: stats.failed },
        ]),
      ),
      kms: { ...runtime.kms.requestCounts },
      dynamoDb: counting.snapshot(),
      accessLogEntries: access.length,
    }),
    stop: async () => {
      await runtime.stop();
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
