import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type StepFunctionsServer, StepFunctionsEngine, startStepFunctionsServer } from '../../local/step-functions';
import type { StateMachineDeclaration } from '../../platform/state-machines';

/**
 * The local Step Functions engine over the fixture ASL files in test/fixtures/statemachines, with
 * small fixture functions standing in for Lambda handlers (called by ARN, the way the runtime's
 * LambdaHost is), and an SFN client talking to it over HTTP.
 */
export type FixtureFunction = (event: any) => Promise<unknown> | unknown;

export const fixtureDeclarations = {
  order: {
    definitionFile: 'test/fixtures/statemachines/order.asl.json',
    type: 'STANDARD',
    description: 'Fixture: reserve, charge with retries, release on decline',
    substitutions: { ReserveFunction: 'reserveStock', ChargeFunction: 'chargeCard', ReleaseFunction: 'releaseStock' },
  },
  fanOut: {
    definitionFile: 'test/fixtures/statemachines/fan-out.asl.json',
    type: 'STANDARD',
    description: 'Fixture: Wait, Parallel, Map',
    substitutions: { NotifyFunction: 'notifyRecipient' },
  },
  callback: {
    definitionFile: 'test/fixtures/statemachines/callback.asl.json',
    type: 'STANDARD',
    description: 'Fixture: waitForTaskToken',
    substitutions: { RequestFunction: 'requestBank' },
  },
  gated: {
    definitionFile: 'test/fixtures/statemachines/gated.asl.json',
    type: 'STANDARD',
    description: 'Fixture: a step the test can hold open',
    substitutions: { StepFunction: 'gatedStep', RecordFunction: 'recordStep' },
  },
  listing: {
    definitionFile: 'test/fixtures/statemachines/gated.asl.json',
    type: 'STANDARD',
    description: 'Fixture: the gated file again, under its own ARN, for ListExecutions',
    substitutions: { StepFunction: 'gatedStep', RecordFunction: 'recordStep' },
  },
  express: {
    definitionFile: 'test/fixtures/statemachines/gated.asl.json',
    type: 'EXPRESS',
    description: 'Fixture: the gated file as an Express workflow',
    substitutions: { StepFunction: 'gatedStep', RecordFunction: 'recordStep' },
  },
  nested: {
    definitionFile: 'test/fixtures/statemachines/nested.asl.json',
    type: 'STANDARD',
    description: 'Fixture: a Standard parent running the Express fixture synchronously',
    substitutions: { ChildStateMachine: { stateMachine: 'express' } },
  },
  redrivable: {
    definitionFile: 'test/fixtures/statemachines/redrivable.asl.json',
    type: 'STANDARD',
    description: 'Fixture: a step that fails for good, then succeeds after a redrive',
    substitutions: { RecordFunction: 'recordStep', ChargeFunction: 'chargeCard' },
  },
  expiring: {
    definitionFile: 'test/fixtures/statemachines/expiring.asl.json',
    type: 'STANDARD',
    description: 'Fixture: execution TimeoutSeconds',
    substitutions: {},
  },
} as const satisfies Record<string, StateMachineDeclaration<string>>;

/** Fixture functions by function name (`xborder-charge-card`), each call recorded. */
export class FixtureFunctions {
  readonly calls: { name: string; event: any }[] = [];
  private readonly functions = new Map<string, FixtureFunction>();

  define(name: string, fn: FixtureFunction): this {
    this.functions.set(name, fn);
    return this;
  }

  callsOf(name: string): any[] {
    return this.calls.filter((call) => call.name === name).map((call) => call.event);
  }

  readonly invoke = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const name = functionArn.slice(functionArn.indexOf(':function:') + ':function:'.length).split(':')[0] as string;
    const fn = this.functions.get(name);
    if (!fn) throw Object.assign(new Error(`Function not found: ${functionArn}`), { name: 'Lambda.ResourceNotFoundException' });
    this.calls.push({ name, event: payload });
    return fn(payload);
  };
}

/** A promise the test resolves later, and a way to wait for something to be called. */
export const deferred = <T = unknown>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
};

export interface LocalStepFunctions {
  readonly engine: StepFunctionsEngine;
  readonly server: StepFunctionsServer;
  readonly sfn: SFNClient;
  readonly arn: (key: keyof typeof fixtureDeclarations) => string;
  stop(): Promise<void>;
}

/** A fresh file for an engine's store: engines started over the same file see the same executions (a restart). */
export const temporaryExecutionStore = (): string => join(mkdtempSync(join(tmpdir(), 'xborder-sfn-')), 'executions.sqlite');

export const startLocalStepFunctions = async (
  store: string,
  functions: FixtureFunctions,
  options: { timeScale?: number; resume?: boolean } = {},
): Promise<LocalStepFunctions> => {
  const engine = new StepFunctionsEngine({
    invoke: functions.invoke,
    store,
    stateMachines: fixtureDeclarations,
    timeScale: options.timeScale ?? 0.001,
  });
  if (options.resume ?? true) await engine.resume();
  const server = await startStepFunctionsServer({ engine, port: 0 });
  const sfn = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // StartSyncExecution goes to a `sync-` host prefix in AWS; a local endpoint has no such host.
    disableHostPrefix: true,
  });
  return {
    engine,
    server,
    sfn,
    arn: (key) => engine.stateMachineArn(key),
    stop: async () => {
      sfn.destroy();
      await server.stop();
      await engine.stop();
    },
  };
};
