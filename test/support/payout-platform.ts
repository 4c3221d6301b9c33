import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbLedgerStore } from '../../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbPricingRepository } from '../../lambdas/adapters/dynamodb/pricing-repository';
import type { VerificationReport } from '../../lambdas/domain/ledger/verification';
import type { Payout } from '../../lambdas/domain/payouts/payout';
import { DynamoDbPayoutRepository } from '../../lambdas/adapters/dynamodb/payout-repository';
import { getBalance } from '../../lambdas/use-cases/ledger/get-balance';
import type { CapturePostingDeps } from '../../lambdas/use-cases/ledger/postings';
import { LambdaHost } from '../../local/lambda-host';
import { type LocalPayoutRails, startLocalPayoutRails } from '../../local/payout-rails';
import { type StepFunctionsServer, StepFunctionsEngine, declaredFunctionInvoker, startStepFunctionsServer } from '../../local/step-functions';
import { deployment } from '../../platform/deployment';
import type { FunctionKey } from '../../platform/functions';
import { stateMachineArnEnvVar, stateMachineKeys, stateMachines } from '../../platform/state-machines';
import { tableName } from '../../platform/tables';
import { apiGatewayEvent, lambdaContext } from './api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from './dynamodb';
import { type TestKms, useLocalKms } from './kms';

/**
 * The payout platform on one test's DynamoDB Local namespace, wired as `npm start` wires it: the real
 * payout workflows (statemachines/payout*.asl.json, saga-recovery.asl.json) on the local Step Functions
 * engine, the real handler modules hosted by LambdaHost, the local KMS, and the three simulated payout
 * rails with their callback bridge. Waits, retries and task timeouts of the workflows run 10 times faster
 * (timeScale 0.1; a recovery's first retry after ~3 s); rails settle in tens of milliseconds and the HTTP
 * rails' client timeout is `railTimeoutMs` (default 2 s). Tests call the merchant API through the handlers
 * with API Gateway events.
 */
export interface PayoutPlatform {
  readonly db: IsolatedDynamoDb;
  readonly kms: TestKms;
  readonly engine: StepFunctionsEngine;
  readonly rails: LocalPayoutRails;
  readonly lambdas: LambdaHost;
  readonly ledger: CapturePostingDeps;
  call(key: FunctionKey, request: { method: 'GET' | 'POST'; resource: string; merchantId: string; id?: string; body?: unknown; key?: string; query?: Record<string, string> }): Promise<{ status: number; body: any }>;
  waitForPayout(merchantId: string, payoutId: string, statuses: readonly string[], timeoutMs?: number): Promise<any>;
  /** The payout as stored (with what the API does not show: funds, railStatus, attention...). */
  stored(payoutId: string): Promise<Payout | undefined>;
  balance(merchantId: string, currency: string): Promise<{ available: number; pending: number; reserved: number }>;
  verify(): Promise<VerificationReport>;
  /** Run `action` while the Step Functions API refuses connections (StartExecution fails), then bring it back on its port. */
  withStepFunctionsApiDown<T>(action: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

let idempotencyCounter = 0;

export const startPayoutPlatform = async (options: { readonly timeScale?: number; readonly railTimeoutMs?: number; readonly inboxPollMs?: number } = {}): Promise<PayoutPlatform> => {
  const db = await useIsolatedDynamoDb();
  const kms = await useLocalKms();
  const stateDir = mkdtempSync(join(tmpdir(), 'xborder-payouts-'));
  const lambdas = new LambdaHost(join(import.meta.dirname, '..', '..'));
  const rails = await startLocalPayoutRails({
    stateDir,
    inMemory: true,
    invoke: (event) => lambdas.invoke('receivePayoutRailEvents', event),
    timings: { meridian: { settleDelayMs: 50, returnDelayMs: 200 }, keystone: { settleDelayMs: 50, returnDelayMs: 200 }, pulse: { settleDelayMs: 50, returnDelayMs: 200 } },
    pollMs: 50,
    ...(options.inboxPollMs === undefined ? {} : { inboxPollMs: options.inboxPollMs }),
    log: () => undefined,
  });
  Object.assign(process.env, rails.environment, { KEYSTONE_TIMEOUT_MS: String(options.railTimeoutMs ?? 2_000), PULSE_TIMEOUT_MS: String(options.railTimeoutMs ?? 2_000) });
  const engine = new StepFunctionsEngine({
    invoke: declaredFunctionInvoker((key, payload) => lambdas.invoke(key, payload)),
    store: join(stateDir, 'executions.sqlite'),
    stateMachines,
    timeScale: options.timeScale ?? 0.1,
    onError: () => undefined,
  });
  let server: StepFunctionsServer = await startStepFunctionsServer({ engine, port: 0 });
  process.env.AWS_ENDPOINT_URL_SFN = server.url;
  for (const key of stateMachineKeys) process.env[stateMachineArnEnvVar(key)] = engine.stateMachineArn(key);
  const ledger: CapturePostingDeps = {
    ledger: new DynamoDbLedgerStore(db.documentClient, tableName('ledger')),
    pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };

  const call: PayoutPlatform['call'] = async (key, request) => {
    const event = apiGatewayEvent({
      method: request.method,
      resource: request.resource,
      path: request.id ? request.resource.replace('{id}', request.id) : request.resource,
      ...(request.id ? { pathParameters: { id: request.id } } : {}),
      merchantId: request.merchantId,
      ...(request.query ? { query: request.query } : {}),
      headers: request.method === 'POST' ? { 'Idempotency-Key': request.key ?? `payout-test-${++idempotencyCounter}` } : {},
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    const response = await lambdas.invoke<APIGatewayProxyResult>(key, event);
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };

  const waitForPayout: PayoutPlatform['waitForPayout'] = async (merchantId, payoutId, statuses, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    for (;;) {
      last = (await call('getPayout', { method: 'GET', resource: '/v1/payouts/{id}', id: payoutId, merchantId })).body;
      if (statuses.includes(last.status)) return last;
      if (Date.now() > deadline) throw new Error(`Payout ${payoutId} is ${last.status}, not ${statuses.join('/')} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    db,
    kms,
    engine,
    rails,
    lambdas,
    ledger,
    call,
    waitForPayout,
    stored: (payoutId) => new DynamoDbPayoutRepository(db.documentClient, tableName('payouts'), deployment.primaryRegion).getPayout(payoutId, { consistent: true }),
    balance: async (merchantId, currency) =>
      (await getBalance({ ledger: ledger.ledger }, { merchantId })).find((item) => item.currency === currency) ?? { available: 0, pending: 0, reserved: 0 },
    verify: () => verifyLedger(db.documentClient, tableName('ledger')),
    withStepFunctionsApiDown: async (action) => {
      const port = server.port;
      await server.stop();
      try {
        return await action();
      } finally {
        server = await startStepFunctionsServer({ engine, port });
      }
    },
    stop: async () => {
      await server.stop();
      await engine.stop();
      await rails.stop();
      await kms.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
};

export { lambdaContext };
