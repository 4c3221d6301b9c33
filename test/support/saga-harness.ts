import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { DescribeExecutionOutput, ExecutionListItem, HistoryEvent } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbMerchantRepository } from '../../lambdas/adapters/dynamodb/merchant-repository';
import { DynamoDbRecentObjects } from '../../lambdas/adapters/dynamodb/recent-objects';
import { DynamoDbSagaStartMarkers } from '../../lambdas/adapters/dynamodb/saga-start-markers';
import { workflows } from '../../lambdas/wiring/payments';
import { InMemorySweepPosition, type SweepResult, sweepUnstartedSagas } from '../../lambdas/use-cases/sweep-unstarted-sagas';
import { LambdaHost } from '../../local/lambda-host';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { ACQUIRER_PROFILES, type AcquirerName } from '../../local/simulators/card-acquirer/profiles';
import { type CardAcquirerSimulator, startCardAcquirer } from '../../local/simulators/card-acquirer/server';
import { type StepFunctionsServer, StepFunctionsEngine, declaredFunctionInvoker, startStepFunctionsServer } from '../../local/step-functions';
import { cardChannelNames, channelEnvPrefix } from '../../platform/channels';
import { type StateMachineKey, stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../../platform/state-machines';
import { apiGatewayEvent, lambdaContext } from './api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from './dynamodb';
import { temporaryExecutionStore } from './step-functions';
import { type TestKms, useLocalKms } from './kms';

/**
 * The payment and refund workflows as they run in the local runtime, minus the HTTP layer: the real ASL
 * files on the local Step Functions engine, the real handler modules through the Lambda host, DynamoDB
 * Local, the local KMS and the two acquirer simulators (no latency, short silences, in memory).
 * `timeScale` shrinks every Retry pause and every wait (the capture window, the recovery's back-off);
 * functions and Express runs keep their real time limits.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

export interface AcquirerTotals {
  readonly approved: number;
  readonly declined: number;
  readonly authorized: number;
  readonly captured: number;
  readonly refunded: number;
  readonly released: number;
  readonly captures: number;
  readonly refunds: number;
}

export interface SagaHarness {
  readonly db: IsolatedDynamoDb;
  /** The current engine (replaced by `restartEngine`). */
  readonly engine: StepFunctionsEngine;
  /** Stop the engine as a crash would (executions stay RUNNING), start a new one over the same data, resume. */
  restartEngine(): Promise<void>;
  /** Run `action` while the Step Functions API refuses connections (StartExecution fails), then bring it back on its port. */
  withStepFunctionsApiDown<T>(action: () => Promise<T>): Promise<T>;
  readonly lambdas: LambdaHost;
  readonly acquirers: Readonly<Record<AcquirerName, CardAcquirerSimulator & { apiKey: string }>>;
  /** Call a merchant endpoint's handler with a real API Gateway event. */
  api(route: { method: 'GET' | 'POST'; resource: string; path?: string; pathParameters?: Record<string, string> }, merchantId: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; json: any }>;
  createPayment(merchantId: string, body: Record<string, unknown>): Promise<{ status: number; json: any }>;
  /** A state machine's executions of this name, newest first (Express names need not be unique). */
  executions(machine: StateMachineKey, name: string): Promise<ExecutionListItem[]>;
  /** The newest execution of this name, once it has closed; rejects when there is none. */
  finished(machine: StateMachineKey, name: string): Promise<DescribeExecutionOutput>;
  /** The names of the states an execution entered, in order. */
  enteredStates(executionArn: string): Promise<string[]>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  /** One sweep of the recovery sweeper as of `now` (grace period 120 s), against the harness's workflows. */
  sweep(now: Date): Promise<SweepResult>;
  /**
   * Make an acquirer answer every POST with a 5xx (`errorRate` 1) or stop doing so (0); with `timeoutRate`,
   * record and apply a share of new operations and then hold their answers (ambiguous timeouts). It keeps its ledger.
   */
  channelFaults(name: AcquirerName, errorRate: number, timeoutRate?: number): Promise<void>;
  /** Start a stopped acquirer again on its port (its in-memory ledger starts empty: use after the test's checks). */
  restartAcquirer(name: AcquirerName): Promise<void>;
  /** What the acquirer recorded for a payment (`approved` counts charges); undefined if it never saw it. */
  totals(channel: AcquirerName, paymentId: string): Promise<AcquirerTotals | undefined>;
  stop(): Promise<void>;
}

const handlers = new Map<string, Handler>();

export const startSagaHarness = async (options: { timeScale?: number; dynamoDbEndpoint?: string } = {}): Promise<SagaHarness> => {
  const db = await useIsolatedDynamoDb(options.dynamoDbEndpoint);
  const kms: TestKms = await useLocalKms();
  const acquirers = {} as Record<AcquirerName, CardAcquirerSimulator & { apiKey: string }>;
  const startAcquirer = async (name: AcquirerName, apiKey: string, port?: number) =>
    Object.assign(
      await startCardAcquirer({
        name,
        apiKey,
        port,
        ...ACQUIRER_PROFILES[name],
        latency: { kind: 'none' },
        silenceMs: 1_500,
        settlementDelayMs: 60_000,
      }),
      { apiKey },
    );
  for (const name of cardChannelNames as AcquirerName[]) {
    const apiKey = `sk_test_${randomBytes(12).toString('hex')}`;
    const simulator = await startAcquirer(name, apiKey);
    acquirers[name] = simulator;
    const prefix = channelEnvPrefix(name);
    Object.assign(process.env, { [`${prefix}_URL`]: simulator.url, [`${prefix}_API_KEY`]: apiKey, [`${prefix}_TIMEOUT_MS`]: '400' });
  }
  const lambdas = new LambdaHost(resolve(import.meta.dirname, '..', '..'));
  const executionStore = temporaryExecutionStore();
  const newEngine = () =>
    new StepFunctionsEngine({
      invoke: declaredFunctionInvoker((key, payload) => lambdas.invoke(key, payload)),
      store: executionStore,
      stateMachines,
      timeScale: options.timeScale ?? 0.001,
      // Waits and back-off shrink; functions keep their real time limits.
      taskTimeoutScale: 1,
    });
  let engine = newEngine();
  let server: StepFunctionsServer = await startStepFunctionsServer({ engine, port: 0 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: server.url,
    ...Object.fromEntries(stateMachineKeys.map((key) => [stateMachineArnEnvVar(key), engine.stateMachineArn(key)])),
  });
  const executions: SagaHarness['executions'] = async (machine, name) =>
    ((await engine.listExecutions({ stateMachineArn: engine.stateMachineArn(machine), maxResults: 1000 })).executions ?? []).filter(
      (execution) => execution.name === name,
    );
  const history: SagaHarness['history'] = async (executionArn) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await engine.getExecutionHistory({ executionArn, maxResults: 1000, nextToken });
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };

  const handler = async (entry: string): Promise<Handler> => {
    let found = handlers.get(entry);
    if (!found) {
      found = ((await import(`../../lambdas/handlers/api/${entry}.ts`)) as { handler: Handler }).handler;
      handlers.set(entry, found);
    }
    return found;
  };
  const entries: Record<string, string> = {
    'POST /v1/payments': 'create-payment',
    'GET /v1/payments/{id}': 'get-payment',
    'POST /v1/payments/{id}/capture': 'request-payment-capture',
    'POST /v1/payments/{id}/cancel': 'request-payment-cancel',
    'GET /v1/payments/{id}/events': 'list-payment-events',
    'POST /v1/refunds': 'create-refund',
    'GET /v1/refunds/{id}': 'get-refund',
    'GET /v1/balances': 'get-balance',
  };
  // A merchant calling the API has a profile (the authorizer reads it); the recovery sweeper lists merchants by
  // their profiles (docs/decisions/0021), so the harness stores one for each merchant it calls for.
  const merchantProfiles = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  const profiled = new Set<string>();
  const api: SagaHarness['api'] = async (route, merchantId, body, idempotencyKey) => {
    const entry = entries[`${route.method} ${route.resource}`];
    if (!entry) throw new Error(`No handler for ${route.method} ${route.resource}`);
    if (!profiled.has(merchantId)) {
      await merchantProfiles.insertMerchant({ id: merchantId, name: merchantId, status: 'active', createdAt: new Date().toISOString() });
      profiled.add(merchantId);
    }
    const response = await (await handler(entry))(
      apiGatewayEvent({
        method: route.method,
        resource: route.resource,
        path: route.path,
        pathParameters: route.pathParameters,
        merchantId,
        headers: route.method === 'POST' ? { 'Idempotency-Key': idempotencyKey ?? randomBytes(8).toString('hex') } : {},
        body,
      }),
      // The declared timeout of the merchant POST functions (platform/functions.ts): the handler stops waiting 2 s before it.
      lambdaContext(`xborder-${entry}`, 27_000),
    );
    return { status: response.statusCode, json: JSON.parse(response.body) };
  };

  const harness: SagaHarness = {
    db,
    get engine() {
      return engine;
    },
    restartEngine: async () => {
      const port = server.port;
      await server.stop();
      await engine.stop();
      engine = newEngine();
      server = await startStepFunctionsServer({ engine, port });
      await engine.resume();
    },
    withStepFunctionsApiDown: async (action) => {
      const port = server.port;
      await server.stop();
      try {
        return await action();
      } finally {
        server = await startStepFunctionsServer({ engine, port });
      }
    },
    lambdas,
    acquirers,
    api,
    createPayment: (merchantId, body) => api({ method: 'POST', resource: '/v1/payments' }, merchantId, body),
    executions,
    finished: async (machine, name) => {
      const [newest] = await executions(machine, name);
      if (!newest) throw new Error(`No ${machine} execution named ${name}`);
      return engine.waitForExecution(newest.executionArn as string);
    },
    history,
    sweep: (now) =>
      sweepUnstartedSagas({
        markers: new DynamoDbSagaStartMarkers(db.documentClient, { payments: tableName('payments'), payouts: tableName('payouts') }),
        recent: new DynamoDbRecentObjects(db.documentClient, { merchants: tableName('merchants'), payments: tableName('payments'), payouts: tableName('payouts') }),
        // A fresh sweeper instance each time: it looks back the whole lookback.
        position: new InMemorySweepPosition(),
        lookbackSeconds: 1800,
        maxWindowSeconds: 3600,
        workflows: workflows(),
        now: () => now,
        region: deployment.primaryRegion,
        graceSeconds: 120,
        perShardLimit: 100,
        concurrency: 4,
      }),
    enteredStates: async (executionArn) =>
      (await history(executionArn)).filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails?.name as string),
    channelFaults: async (name, errorRate, timeoutRate = 0) => {
      const response = await fetch(`${acquirers[name].url}/__simulator/faults`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${acquirers[name].apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ error_rate: errorRate, timeout_rate: timeoutRate }),
      });
      if (!response.ok) throw new Error(`faults: HTTP ${response.status}`);
    },
    restartAcquirer: async (name) => {
      acquirers[name] = await startAcquirer(name, acquirers[name].apiKey, acquirers[name].port);
    },
    totals: async (channel, paymentId) => {
      const response = await fetch(`${acquirers[channel].url}/__simulator/totals`, { headers: { Authorization: `Bearer ${acquirers[channel].apiKey}` } });
      const totals = (await response.json()) as { payments: (AcquirerTotals & { payment_reference: string })[] };
      return totals.payments.find((entry) => entry.payment_reference === paymentId);
    },
    stop: async () => {
      await server.stop();
      await engine.stop();
      await Promise.all(Object.values(acquirers).map((acquirer) => acquirer.stop()));
      await kms.stop();
    },
  };
  return harness;
};

export const card = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });

/**
 * A card the simulators approve (any Luhn-valid number that is not a special test card), different on every
 * call: risk screening counts payments per card, and tests must not trip the velocity rule by accident.
 */
export const freshCardNumber = (): string => {
  const body = `4${Array.from({ length: 14 }, () => Math.floor(Math.random() * 10)).join('')}`;
  let sum = 0;
  for (let index = 0; index < body.length; index += 1) {
    let digit = Number(body[body.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
};
