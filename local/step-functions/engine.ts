import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type {
  DescribeExecutionOutput,
  RedriveExecutionOutput,
  StartSyncExecutionOutput,
  DescribeStateMachineOutput,
  ExecutionListItem,
  GetExecutionHistoryOutput,
  ListExecutionsOutput,
  ListStateMachinesOutput,
  StartExecutionOutput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { deployment } from '../../platform/deployment';
import { type FunctionKey, functionName } from '../../platform/functions';
import { type StateMachineDeclaration, lambdaFunctionArn } from '../../platform/state-machines';
import { LOCAL_ACCOUNT, assertValidExecutionName, executionArnFor, parseExecutionArn, parseStateMachineArn } from './arns';
import { type CompiledStateMachine, compileStateMachine } from './definition';
import { StepFunctionsError } from './errors';
import { ExecutionHistory, type Overrides, dataDetails, toHistoryEvent } from './history';
import type { MetricStore } from '../cloudwatch';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore, IN_MEMORY } from './store';
import { type ExecutionScope, type InvokeFunction, type TaskEnvironment, taskStateHandler, waitStateHandler } from './task-states';
import { MAX_PAYLOAD_BYTES, TaskFailure, TaskTokens } from './tokens';

/**
 * Step Functions on one machine: the declared ASL files, run by aws-local-stepfunctions with the
 * engine's Task/Wait handlers, executions and their history kept in DynamoDB (Local).
 *
 * Standard-workflow semantics: an execution name is unique per state machine; StartExecution with
 * the name and input of a RUNNING execution returns it; otherwise ExecutionAlreadyExists.
 *
 * Durability: an engine that stops (or a process that dies) leaves its executions RUNNING in the
 * table; `resume()` on the next engine re-runs each from the start with the same input (tasks are
 * idempotent by design). Its history keeps what the first run recorded, then an ExecutionRedriven
 * event (redriveCount + 1), then the events of the new run. Tokens of the old run answer
 * TaskDoesNotExist; the new run issues new ones.
 *
 * `timeScale` multiplies every duration the engine waits (Wait states, Retry intervals, the
 * TimeoutSeconds and HeartbeatSeconds of callback tasks, the execution's TimeoutSeconds): 0.001 turns an
 * hour into 3.6 s. `taskTimeoutScale` (default: `timeScale`) multiplies the TimeoutSeconds of tasks that
 * run a function and of Express executions (both bound work, not waiting), so tests can shrink waits and
 * back-off without starving the functions of time.
 * Lambda timeouts belong to the invoke callback and are not scaled.
 */
export interface StepFunctionsEngineOptions {
  /** Invokes a function by ARN with an event; resolves with its result, rejects with its error. */
  readonly invoke: InvokeFunction;
  /** Where executions and their histories are kept: an SQLite file, or `:memory:` (the default). */
  readonly store?: string;
  /** The declarations to run (platform/state-machines.ts `stateMachines`, or a test's own). */
  readonly stateMachines: Readonly<Record<string, StateMachineDeclaration<string>>>;
  /** Where definitionFile paths start; default: the repository root. */
  readonly repositoryRoot?: string;
  /** Default: the primary region of platform/deployment.ts. */
  readonly region?: string;
  /** Default 1. Multiplies Wait durations, Retry intervals and callback timeouts (not Lambda timeouts). */
  readonly timeScale?: number;
  /** Default: `timeScale`. Multiplies the TimeoutSeconds of tasks that run a function. */
  readonly taskTimeoutScale?: number;
  /** The ARN that fills a `${Placeholder}` declared with this function reference. */
  readonly functionArn?: (functionRef: string) => string;
  /** Errors the engine cannot hand to a caller (a history write that failed). Default: console.error. */
  readonly onError?: (error: unknown) => void;
  /**
   * Where Step Functions' own execution metrics go, as the service sends them to CloudWatch (namespace AWS/States,
   * dimension StateMachineArn, one per execution started and per execution closed): the local CloudWatch, whose
   * alarms watch them (local/cloudwatch.ts, decision 0050).
   */
  readonly metrics?: MetricStore;
}

const CLOSED_METRIC = { SUCCEEDED: 'ExecutionsSucceeded', FAILED: 'ExecutionsFailed', TIMED_OUT: 'ExecutionsTimedOut', ABORTED: 'ExecutionsAborted' } as const;

export interface StateMachineStats {
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  /** Executions re-run by `resume()`. */
  redriven: number;
  /** State transitions as Step Functions bills them (Standard): every state entered plus every retry. */
  transitions: number;
  /** Express: Σ duration rounded up to 100 ms, as Express bills it (with 64 MB of memory). */
  billedDurationMs: number;
}

interface RunningExecution {
  readonly arn: string;
  readonly machine: CompiledStateMachine;
  readonly record: ExecutionRecord;
  readonly run: number;
  readonly controller: AbortController;
  readonly history: ExecutionHistory;
  abortInterpreter?: () => void;
  stopRequest?: { error?: string; cause?: string; stopDate: number };
  readonly finished: Promise<void>;
  /** A redriven execution starts again at the state that failed, with the input that state had. */
  readonly restart?: { readonly stateName: string; readonly input: unknown };
}

/** Express bills duration in 100 ms steps and memory in 64 MB steps (Step Functions pricing page). */
export const EXPRESS_BILLING_STEP_MS = 100;
export const EXPRESS_BILLED_MEMORY_MB = 64;
/** RedriveExecution accepts closed Standard executions for 14 days. */
const REDRIVE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
const REDRIVABLE: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

const DEFAULT_ROOT = resolve(import.meta.dirname, '..', '..');
const toDate = (epochMs: number | undefined) => (epochMs === undefined ? undefined : new Date(epochMs));

const decodeNextToken = (token: string | undefined): Record<string, unknown> | undefined => {
  if (token === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (key !== null && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new StepFunctionsError('InvalidToken', `Invalid Token: '${token}'`);
};
const encodeNextToken = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');

const pageSize = (maxResults: number | undefined, fallback: number, max: number): number => {
  if (maxResults === undefined || maxResults === 0) return fallback;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > max) {
    throw new StepFunctionsError('ValidationException', `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  }
  return maxResults;
};

export class StepFunctionsEngine {
  readonly stats: Record<string, StateMachineStats> = {};
  private readonly machines = new Map<string, CompiledStateMachine>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly store: ExecutionStore;
  private readonly tokens: TaskTokens;
  private readonly environment: TaskEnvironment;
  private readonly onError: (error: unknown) => void;
  private readonly metrics: MetricStore | undefined;
  private stopped = false;

  constructor(options: StepFunctionsEngineOptions) {
    const region = options.region ?? deployment.primaryRegion;
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0)) throw new Error(`timeScale must be positive (got ${timeScale})`);
    this.onError = options.onError ?? ((error) => console.error('[step-functions]', error));
    this.metrics = options.metrics;
    const functionArn =
      options.functionArn ??
      // Function references of test declarations are not FunctionKeys; the naming rule is the same.
      ((ref: string) => lambdaFunctionArn(functionName(deployment.appName, ref as FunctionKey), region, LOCAL_ACCOUNT));
    for (const [key, declaration] of Object.entries(options.stateMachines)) {
      const machine = compileStateMachine(key, declaration, {
        repositoryRoot: options.repositoryRoot ?? DEFAULT_ROOT,
        region,
        account: LOCAL_ACCOUNT,
        timeScale,
        expressTimeoutScale: options.taskTimeoutScale ?? timeScale,
        functionArn,
      });
      this.machines.set(machine.arn, machine);
      this.stats[key] = { started: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, redriven: 0, transitions: 0, billedDurationMs: 0 };
    }
    this.store = new ExecutionStore(options.store ?? IN_MEMORY);
    this.tokens = new TaskTokens(this.store, this.onError);
    this.environment = {
      region,
      timeScale,
      taskTimeoutScale: options.taskTimeoutScale ?? timeScale,
      invoke: options.invoke,
      tokens: this.tokens,
      startExecution: (input, sync) => this.startChild(input, sync),
      functionArn: (name) => {
        if (name.startsWith('arn:')) return name;
        const parts = name.split(':');
        // `function-name`, `function-name:qualifier`, or `account:function:function-name`
        if (parts.length >= 3 && parts[1] === 'function') return `arn:aws:lambda:${region}:${name}`;
        return lambdaFunctionArn(name, region, LOCAL_ACCOUNT);
      },
    };
  }

  /** The compiled state machines, by ARN. */
  get stateMachines(): ReadonlyMap<string, CompiledStateMachine> {
    return this.machines;
  }

  /** Executions running in this engine right now. */
  get runningExecutions(): number {
    return this.running.size;
  }

  private recordMetric(machineArn: string, name: string, at: number): void {
    this.metrics?.record({ namespace: 'AWS/States', name, dimensions: { StateMachineArn: machineArn }, timestamp: at, values: [1] });
  }

  stateMachineArn(key: string): string {
    for (const machine of this.machines.values()) if (machine.key === key) return machine.arn;
    throw new Error(`No state machine '${key}' is declared`);
  }

  /**
   * Re-run every Standard execution a previous engine left RUNNING (from the start: every task is
   * idempotent). An Express execution left RUNNING died with the process that ran it: Express runs at
   * most once when started synchronously, so it is closed FAILED (`States.Runtime`) and whatever it was
   * doing is the platform's recovery's to finish. Returns the ARNs of the executions re-run.
   */
  async resume(): Promise<string[]> {
    const resumed: string[] = [];
    for (const machine of this.machines.values()) {
      for (const record of await this.store.listAllRunning(machine.arn)) {
        if (this.running.has(record.executionArn)) continue;
        const at = Date.now();
        if (machine.type === 'EXPRESS') {
          const history = this.historyFor(machine, record.executionArn, await this.store.lastEventId(record.executionArn));
          const outcome = { error: 'States.Runtime', cause: 'The local runtime stopped while this Express execution ran; Express executions are not resumed' };
          history.record('ExecutionFailed', outcome, at);
          await history.seal();
          if (await this.store.close(record.executionArn, record.redriveCount, { status: 'FAILED', stopDate: at, ...outcome })) {
            this.stats[machine.key]!.failed += 1;
            this.recordMetric(machine.arn, CLOSED_METRIC.FAILED, at);
          }
          continue;
        }
        const run = record.redriveCount + 1;
        if (!(await this.store.redrive(record.executionArn, record.redriveCount, at))) continue;
        await this.invalidateTokens(record.executionArn, at);
        const lastEventId = await this.store.lastEventId(record.executionArn);
        this.stats[machine.key]!.redriven += 1;
        this.launch(machine, { ...record, redriveCount: run, redriveDate: at }, lastEventId);
        resumed.push(record.executionArn);
      }
    }
    return resumed;
  }

  private async invalidateTokens(executionArn: string, at: number): Promise<void> {
    for (const token of await this.store.outstandingTokens(executionArn)) {
      await this.store.putToken({ ...token, status: 'INVALIDATED', closedAt: at });
    }
  }

  /** A new execution record: validated name and input, stored; the existing one when a Standard name is taken. */
  private async create(
    machine: CompiledStateMachine,
    input: { name?: string; input?: string },
  ): Promise<{ record: ExecutionRecord; created: boolean }> {
    const name = input.name ?? randomUUID();
    assertValidExecutionName(name);
    const text = input.input ?? '{}';
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid Execution Input: input exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    try {
      JSON.parse(text);
    } catch {
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid Execution Input: '${text.slice(0, 100)}' is not valid JSON`);
    }
    const express = machine.type === 'EXPRESS';
    const record: ExecutionRecord = {
      executionArn: executionArnFor(parseStateMachineArn(machine.arn), name, express, randomUUID()),
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input: text,
      startDate: Date.now(),
      redriveCount: 0,
      express,
    };
    const outcome = await this.store.create(record);
    // Stopped while the record was written: it stays RUNNING for the next engine's resume().
    this.assertRunning();
    if (!outcome.created) return { record: outcome.existing, created: false };
    this.stats[machine.key]!.started += 1;
    this.recordMetric(machine.arn, 'ExecutionsStarted', Date.now());
    return { record, created: true };
  }

  /**
   * StartExecution. Standard: a name is unique per state machine; the same name and input while RUNNING
   * returns that execution, anything else with a taken name is ExecutionAlreadyExists. Express: names
   * need not be unique, the execution runs asynchronously (at least once in AWS).
   */
  async startExecution(input: { stateMachineArn?: string; name?: string; input?: string }): Promise<StartExecutionOutput> {
    this.assertRunning();
    const machine = this.machine(input.stateMachineArn);
    const { record, created } = await this.create(machine, input);
    if (!created) {
      if (record.status === 'RUNNING' && record.input === (input.input ?? '{}')) {
        return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${record.executionArn}'`);
    }
    this.launch(machine, record, 0);
    return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
  }

  /**
   * StartSyncExecution: Express only (StateMachineTypeNotSupported otherwise). Runs the execution and
   * answers when it has closed, with its status, output or error, and what Express bills for it. The
   * execution does not depend on the caller: a client that gives up waiting leaves it running to its end.
   */
  async startSyncExecution(input: { stateMachineArn?: string; name?: string; input?: string }): Promise<StartSyncExecutionOutput> {
    this.assertRunning();
    const machine = this.machine(input.stateMachineArn);
    if (machine.type !== 'EXPRESS') {
      throw new StepFunctionsError('StateMachineTypeNotSupported', 'This operation is only supported by EXPRESS state machines');
    }
    const { record } = await this.create(machine, input);
    const finished = this.launch(machine, record, 0);
    await finished;
    const closed = (await this.store.get(record.executionArn)) ?? record;
    return {
      executionArn: closed.executionArn,
      stateMachineArn: closed.stateMachineArn,
      name: closed.name,
      startDate: new Date(closed.startDate),
      stopDate: new Date(closed.stopDate ?? Date.now()),
      status: closed.status === 'SUCCEEDED' || closed.status === 'TIMED_OUT' ? closed.status : 'FAILED',
      input: closed.input,
      inputDetails: { included: true },
      output: closed.output,
      outputDetails: closed.output === undefined ? undefined : { included: true },
      error: closed.error,
      cause: closed.cause,
      billingDetails: { billedMemoryUsedInMB: EXPRESS_BILLED_MEMORY_MB, billedDurationInMilliseconds: expressBilledMs(closed) },
    };
  }

  /**
   * The `arn:aws:states:::states:startExecution` integration of a Task state: start a child execution
   * (`sync`: and wait for it, `.sync:2`). A child that does not succeed fails the task with
   * States.TaskFailed and its description as the cause, as AWS does.
   */
  private async startChild(
    input: { stateMachineArn: string; name?: string; input: string },
    sync: boolean,
  ): Promise<Record<string, unknown>> {
    this.assertRunning();
    const machine = this.machine(input.stateMachineArn);
    const { record, created } = await this.create(machine, input);
    if (!created) {
      if (!sync && record.status === 'RUNNING' && record.input === input.input) {
        return { ExecutionArn: record.executionArn, StartDate: record.startDate };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${record.executionArn}'`);
    }
    const finished = this.launch(machine, record, 0);
    if (!sync) return { ExecutionArn: record.executionArn, StartDate: record.startDate };
    await finished;
    const closed = (await this.store.get(record.executionArn)) ?? record;
    const description = {
      ExecutionArn: closed.executionArn,
      Input: JSON.parse(closed.input) as unknown,
      InputDetails: { Included: true },
      Name: closed.name,
      Output: closed.output === undefined ? null : (JSON.parse(closed.output) as unknown),
      OutputDetails: { Included: true },
      StartDate: closed.startDate,
      StateMachineArn: closed.stateMachineArn,
      Status: closed.status,
      StopDate: closed.stopDate,
      ...(closed.error === undefined ? {} : { Error: closed.error }),
      ...(closed.cause === undefined ? {} : { Cause: closed.cause }),
    };
    if (closed.status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(description));
    return description;
  }

  /**
   * RedriveExecution: a Standard execution that FAILED, TIMED_OUT or was ABORTED in the last 14 days runs
   * again from the state where it stopped, with the input that state had (states it completed are not
   * run again). Its history goes on with an ExecutionRedriven event; redriveCount grows by one.
   */
  async redriveExecution(input: { executionArn?: string }): Promise<RedriveExecutionOutput> {
    this.assertRunning();
    const record = await this.execution(input.executionArn);
    const machine = this.machine(record.stateMachineArn);
    if (machine.type === 'EXPRESS') {
      throw new StepFunctionsError('ValidationException', 'Redrive is not supported for EXPRESS state machines');
    }
    if (!REDRIVABLE.includes(record.status) || record.stopDate === undefined || Date.now() - record.stopDate > REDRIVE_WINDOW_MS) {
      throw new StepFunctionsError('ExecutionNotRedrivable', `Execution is not redrivable: '${record.executionArn}' (${record.status})`);
    }
    const restart = await this.restartPoint(machine, record.executionArn);
    if (!restart) throw new StepFunctionsError('ExecutionNotRedrivable', `Execution has no state to redrive from: '${record.executionArn}'`);
    const at = Date.now();
    if (!(await this.store.redrive(record.executionArn, record.redriveCount, at, REDRIVABLE))) {
      throw new StepFunctionsError('ExecutionNotRedrivable', `Execution is not redrivable: '${record.executionArn}'`);
    }
    await this.invalidateTokens(record.executionArn, at);
    const stats = this.stats[machine.key]!;
    if (record.status === 'FAILED') stats.failed -= 1;
    else if (record.status === 'TIMED_OUT') stats.timedOut -= 1;
    else stats.aborted -= 1;
    stats.redriven += 1;
    this.launch(machine, { ...record, status: 'RUNNING', redriveCount: record.redriveCount + 1, redriveDate: at }, await this.store.lastEventId(record.executionArn), restart);
    return { redriveDate: new Date(at) };
  }

  /** The last top-level state the execution entered, and its input: where a redrive starts again. */
  private async restartPoint(machine: CompiledStateMachine, executionArn: string): Promise<{ stateName: string; input: unknown } | undefined> {
    let afterId: number | undefined;
    for (;;) {
      const page = await this.store.events(executionArn, { reverse: true, limit: 100, afterId });
      for (const event of page.events) {
        const parsed = JSON.parse(event.json) as { type?: string; stateEnteredEventDetails?: { name?: string; input?: string } };
        const details = parsed.stateEnteredEventDetails;
        if (parsed.type?.endsWith('StateEntered') && details?.name && machine.topLevelStates.includes(details.name)) {
          return { stateName: details.name, input: JSON.parse(details.input ?? '{}') as unknown };
        }
      }
      if (!page.more) return undefined;
      afterId = page.events.at(-1)?.id;
    }
  }

  async describeExecution(executionArn: string | undefined): Promise<DescribeExecutionOutput> {
    const record = await this.execution(executionArn);
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: new Date(record.startDate),
      stopDate: toDate(record.stopDate),
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      outputDetails: record.output === undefined ? undefined : { included: true },
      error: record.error,
      cause: record.cause,
      redriveCount: record.redriveCount,
      redriveDate: toDate(record.redriveDate),
      ...redriveStatusOf(record),
    };
  }

  async listExecutions(input: {
    stateMachineArn?: string;
    statusFilter?: string;
    /** Local extension: only the executions of this name (a payment's executions, named by its id). */
    name?: string;
    maxResults?: number;
    nextToken?: string;
  }): Promise<ListExecutionsOutput> {
    // AWS lists Express executions only in the console, from CloudWatch Logs; locally they are listed here.
    const machine = this.machine(input.stateMachineArn);
    const statuses: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
    if (input.statusFilter !== undefined && !statuses.includes(input.statusFilter)) {
      throw new StepFunctionsError('ValidationException', `1 validation error detected: Value '${input.statusFilter}' at 'statusFilter' failed to satisfy constraint`);
    }
    const page = await this.store.list(machine.arn, {
      status: input.statusFilter as ExecutionStatus | undefined,
      name: input.name,
      limit: pageSize(input.maxResults, 100, 1000),
      startKey: decodeNextToken(input.nextToken),
    });
    return {
      executions: page.items.map(
        (record): ExecutionListItem => ({
          executionArn: record.executionArn,
          stateMachineArn: record.stateMachineArn,
          name: record.name,
          status: record.status,
          startDate: new Date(record.startDate),
          stopDate: toDate(record.stopDate),
          redriveCount: record.redriveCount,
          redriveDate: toDate(record.redriveDate),
        }),
      ),
      nextToken: page.nextKey ? encodeNextToken(page.nextKey) : undefined,
    };
  }

  async getExecutionHistory(input: {
    executionArn?: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }): Promise<GetExecutionHistoryOutput> {
    const record = await this.execution(input.executionArn);
    const after = decodeNextToken(input.nextToken);
    const afterId = after === undefined ? undefined : Number(after.id);
    if (afterId !== undefined && !Number.isInteger(afterId)) throw new StepFunctionsError('InvalidToken', `Invalid Token: '${input.nextToken}'`);
    const limit = pageSize(input.maxResults, 100, 1000);
    const { events, more } = await this.store.events(record.executionArn, { reverse: input.reverseOrder ?? false, limit, afterId });
    const last = events.at(-1);
    return {
      events: events.map((event) => toHistoryEvent(event.json, input.includeExecutionData ?? true)),
      nextToken: more && last ? encodeNextToken({ id: last.id }) : undefined,
    };
  }

  async sendTaskSuccess(input: { taskToken?: string; output?: string }): Promise<void> {
    this.assertRunning();
    await this.tokens.succeed(input.taskToken, input.output);
  }

  async sendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }): Promise<void> {
    this.assertRunning();
    await this.tokens.fail(input.taskToken, input.error, input.cause);
  }

  async sendTaskHeartbeat(input: { taskToken?: string }): Promise<void> {
    this.assertRunning();
    await this.tokens.heartbeat(input.taskToken);
  }

  /** Abort a running execution (its in-flight task is abandoned); a closed one is left as it is. */
  async stopExecution(input: { executionArn?: string; error?: string; cause?: string }): Promise<StopExecutionOutput> {
    this.assertRunning();
    const record = await this.execution(input.executionArn);
    const active = this.running.get(record.executionArn);
    const stopDate = Date.now();
    if (active) {
      if (!active.stopRequest) {
        active.stopRequest = { error: input.error, cause: input.cause, stopDate };
        active.controller.abort();
        active.abortInterpreter?.();
      }
      await active.finished;
      const closed = await this.store.get(record.executionArn);
      return { stopDate: new Date(closed?.stopDate ?? active.stopRequest.stopDate) };
    }
    if (record.status !== 'RUNNING') return { stopDate: new Date(record.stopDate ?? stopDate) };
    // RUNNING but not running here: left by an engine that stopped, not resumed yet.
    const history = this.historyFor(this.machine(record.stateMachineArn), record.executionArn, await this.store.lastEventId(record.executionArn));
    history.record('ExecutionAborted', { error: input.error, cause: input.cause });
    await history.seal();
    await this.store.close(record.executionArn, record.redriveCount, { status: 'ABORTED', stopDate, error: input.error, cause: input.cause });
    return { stopDate: new Date(stopDate) };
  }

  describeStateMachine(stateMachineArn: string | undefined): DescribeStateMachineOutput {
    const machine = this.machine(stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: machine.type,
      description: machine.description,
      creationDate: machine.creationDate,
      // As lib/ deploys every state machine: every event to CloudWatch Logs, no inputs or outputs.
      loggingConfiguration: { level: 'ALL', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(input: { maxResults?: number; nextToken?: string }): ListStateMachinesOutput {
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const start = input.nextToken === undefined ? 0 : Number(decodeNextToken(input.nextToken)?.offset);
    if (!Number.isInteger(start) || start < 0) throw new StepFunctionsError('InvalidToken', `Invalid Token: '${input.nextToken}'`);
    const size = pageSize(input.maxResults, 100, 1000);
    const page = all.slice(start, start + size);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: machine.type,
        creationDate: machine.creationDate,
      })),
      nextToken: start + size < all.length ? encodeNextToken({ offset: start + size }) : undefined,
    };
  }

  /**
   * Resolves with the execution once it has closed (for tests and benchmarks). An execution not
   * running in this engine is described as it is now.
   */
  async waitForExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    const active = this.running.get(executionArn);
    if (active) await active.finished;
    return this.describeExecution(executionArn);
  }

  /**
   * Step Functions' retention: a closed execution is kept 90 days, then forgotten, and its name may start a
   * new execution. Forgets those closed before `stoppedBeforeMs` (the late_retry drill stands 91 days later).
   */
  forgetClosedExecutions(stoppedBeforeMs: number): Promise<number> {
    this.assertRunning();
    return this.store.forgetClosedBefore(stoppedBeforeMs);
  }

  /**
   * Stop the engine: running executions are abandoned where they are (still RUNNING in the table,
   * the next engine's `resume()` re-runs them), what their histories recorded so far is written.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tokens.abandon();
    const abandoned = [...this.running.values()];
    for (const execution of abandoned) {
      void execution.history.seal();
      execution.controller.abort();
      execution.abortInterpreter?.();
    }
    await Promise.allSettled(abandoned.map((execution) => execution.finished));
    await this.store.drained();
    this.store.shutdown();
  }

  private assertRunning(): void {
    if (this.stopped) throw new StepFunctionsError('ServiceUnavailable', 'The local Step Functions engine is stopping');
  }

  private machine(stateMachineArn: string | undefined): CompiledStateMachine {
    if (typeof stateMachineArn !== 'string') {
      throw new StepFunctionsError('ValidationException', "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null");
    }
    parseStateMachineArn(stateMachineArn);
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return machine;
  }

  private async execution(executionArn: string | undefined): Promise<ExecutionRecord> {
    if (typeof executionArn !== 'string') {
      throw new StepFunctionsError('ValidationException', "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null");
    }
    parseExecutionArn(executionArn);
    const record = await this.store.get(executionArn);
    if (!record) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  private historyFor(machine: CompiledStateMachine, executionArn: string, lastEventId: number): ExecutionHistory {
    return new ExecutionHistory(
      this.store,
      executionArn,
      lastEventId,
      machine.states,
      () => {
        this.stats[machine.key]!.transitions += 1;
      },
      this.onError,
    );
  }

  /** Run (or re-run) an execution in the background; it records its own history and outcome. */
  private launch(
    machine: CompiledStateMachine,
    record: ExecutionRecord,
    lastEventId: number,
    restart?: RunningExecution['restart'],
  ): Promise<void> {
    // An engine that stopped runs nothing more: the record stays RUNNING for the next engine's resume().
    if (this.stopped) return Promise.resolve();
    const history = this.historyFor(machine, record.executionArn, lastEventId);
    const controller = new AbortController();
    let finish!: () => void;
    const finished = new Promise<void>((done) => {
      finish = done;
    });
    const execution: RunningExecution = { arn: record.executionArn, machine, record, run: record.redriveCount, controller, history, finished, restart };
    this.running.set(record.executionArn, execution);
    this.execute(execution)
      .catch(this.onError)
      .finally(() => {
        this.running.delete(record.executionArn);
        finish();
      });
    return finished;
  }

  private async execute(execution: RunningExecution): Promise<void> {
    const { machine, record, history, restart } = execution;
    const input = restart ? restart.input : (JSON.parse(record.input) as unknown);
    if (history.eventCount === 0) {
      history.record('ExecutionStarted', { input: record.input, inputDetails: dataDetails, roleArn: machine.roleArn }, record.startDate);
    }
    if (execution.run > 0) history.record('ExecutionRedriven', { redriveCount: execution.run });

    const scope: ExecutionScope = {
      executionArn: record.executionArn,
      run: execution.run,
      signal: execution.controller.signal,
      history,
      context: this.contextFor(machine, record, input),
      countTransition: () => {
        this.stats[machine.key]!.transitions += 1;
      },
    };
    const handlers: NonNullable<Overrides['taskResourceLocalHandlers']> = {};
    for (const state of machine.states.values()) {
      if (state.type === 'Task') handlers[state.name] = taskStateHandler(state, this.environment, scope);
      if (state.type === 'Wait') handlers[state.name] = waitStateHandler(state, this.environment, scope);
    }
    const interpreter = restart
      ? new StateMachine({ ...machine.executable, StartAt: restart.stateName } as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } })
      : machine.machine;
    const run = interpreter.run(input as never, {
      context: scope.context,
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: machine.retryIntervalOverrides },
    });
    execution.abortInterpreter = run.abort;
    if (execution.controller.signal.aborted) run.abort();
    const consumed = (async () => {
      for await (const event of run.eventLogs) history.fromInterpreter(event);
    })();

    let outcome: { status: Exclude<ExecutionStatus, 'RUNNING'>; output?: string; error?: string; cause?: string };
    try {
      const output = JSON.stringify((await run.result) ?? null);
      outcome = { status: 'SUCCEEDED', output };
    } catch (error) {
      if (error instanceof ExecutionAbortedError) {
        outcome = { status: 'ABORTED', error: execution.stopRequest?.error, cause: execution.stopRequest?.cause };
      } else if (error instanceof ExecutionTimeoutError) {
        outcome = { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds)' };
      } else {
        const failure = (error instanceof ExecutionError ? error.cause : error) as Error;
        outcome = failedOutcome(failure, machine);
      }
    }
    // Over: release what may still be in flight (a token wait in a Parallel branch, a timed-out task).
    execution.controller.abort();
    await consumed;
    if (this.stopped && !execution.stopRequest) return; // abandoned: stays RUNNING for the next engine

    const stopDate = outcome.status === 'ABORTED' && execution.stopRequest ? execution.stopRequest.stopDate : Date.now();
    if (outcome.status === 'SUCCEEDED') {
      history.record('ExecutionSucceeded', { output: outcome.output, outputDetails: dataDetails }, stopDate);
    } else if (outcome.status === 'ABORTED') {
      history.record('ExecutionAborted', { error: outcome.error, cause: outcome.cause }, stopDate);
    } else if (outcome.status === 'TIMED_OUT') {
      history.record('ExecutionTimedOut', { error: outcome.error, cause: outcome.cause }, stopDate);
    } else {
      history.record('ExecutionFailed', { error: outcome.error, cause: outcome.cause }, stopDate);
    }
    await history.seal();
    const closed = await this.store.close(record.executionArn, execution.run, { ...outcome, stopDate });
    if (!closed) return;
    const stats = this.stats[machine.key]!;
    if (machine.type === 'EXPRESS') stats.billedDurationMs += expressBilledMs({ startDate: record.startDate, stopDate });
    if (outcome.status === 'SUCCEEDED') stats.succeeded += 1;
    else if (outcome.status === 'FAILED') stats.failed += 1;
    else if (outcome.status === 'TIMED_OUT') stats.timedOut += 1;
    else stats.aborted += 1;
    this.recordMetric(machine.arn, CLOSED_METRIC[outcome.status], stopDate);
  }

  /** The context object of one execution (see definition.ts for why the keys are renamed). */
  private contextFor(machine: CompiledStateMachine, record: ExecutionRecord, input: unknown): Record<string, unknown> {
    const states: Record<string, unknown> = {};
    for (const state of machine.states.values()) {
      states[state.key] = {
        Name: state.name,
        // Read while the interpreter evaluates the state's paths, right after entering it.
        get EnteredTime() {
          return new Date().toISOString();
        },
        RetryCount: 0,
      };
    }
    return {
      __Execution: {
        Id: record.executionArn,
        Input: input,
        Name: record.name,
        RoleArn: machine.roleArn,
        StartTime: new Date(record.startDate).toISOString(),
        RedriveCount: record.redriveCount,
        ...(record.redriveDate === undefined ? {} : { RedriveTime: new Date(record.redriveDate).toISOString() }),
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      __States: states,
    };
  }
}

/** What Express bills for one execution's duration: rounded up to 100 ms. */
const expressBilledMs = (record: { readonly startDate: number; readonly stopDate?: number }): number =>
  Math.ceil(Math.max(1, (record.stopDate ?? Date.now()) - record.startDate) / EXPRESS_BILLING_STEP_MS) * EXPRESS_BILLING_STEP_MS;

/** DescribeExecution's redrive fields: closed Standard executions may be redriven for 14 days. */
const redriveStatusOf = (record: ExecutionRecord): Pick<DescribeExecutionOutput, 'redriveStatus' | 'redriveStatusReason'> => {
  if (record.express) return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Express executions cannot be redriven' };
  if (record.status === 'RUNNING') return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven' };
  if (record.status === 'SUCCEEDED') return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' };
  if (record.stopDate !== undefined && Date.now() - record.stopDate > REDRIVE_WINDOW_MS) {
    return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution can only be redriven within 14 days of closing' };
  }
  return { redriveStatus: 'REDRIVABLE' };
};

/** Error and Cause of a failed execution, as AWS reports them. */
const failedOutcome = (failure: Error, machine: CompiledStateMachine) => {
  // A Fail state without Error/Cause: the interpreter names it FailStateError; AWS reports nothing.
  if (failure.name === 'FailStateError' && !machine.definitionText.includes('"FailStateError"')) {
    return { status: 'FAILED' as const };
  }
  const cause = failure.message === 'Execution failed because of a Fail state' ? undefined : failure.message;
  return { status: 'FAILED' as const, error: failure.name, cause };
};
