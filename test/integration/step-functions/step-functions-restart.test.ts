import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import { FixtureFunctions, type LocalStepFunctions, deferred, startLocalStepFunctions, temporaryExecutionStore } from '../../support/step-functions';

/**
 * Durability: an engine stopped in the middle of executions (as when the runtime is stopped or
 * crashes) leaves them RUNNING in its store (an SQLite file); the next engine over the same file re-runs the
 * Standard ones from the start with the same input (the idempotent fixture tasks see the second run) and
 * closes the Express ones FAILED: Express runs at most once.
 */
const TIMEOUT = 60_000; // see step-functions-api.test.ts

const store = temporaryExecutionStore();
const engines: LocalStepFunctions[] = [];

afterAll(async () => {
  for (const engine of engines) await engine.stop();
}, TIMEOUT);

const startEngine = async (functions: FixtureFunctions) => {
  const local = await startLocalStepFunctions(store, functions);
  engines.push(local);
  return local;
};

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

const history = async (local: LocalStepFunctions, executionArn: string): Promise<HistoryEvent[]> =>
  (await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

it('re-runs an execution left RUNNING from the start, with the same input, and records the restart', async () => {
  // The step is idempotent (its result depends on the input only); the first engine never sees it finish.
  const stepsByEngine: string[] = [];
  const held = deferred<void>();
  const first = new FixtureFunctions()
    .define('xborder-gated-step', async () => {
      stepsByEngine.push('first');
      await held.promise;
      return { stepped: true };
    })
    .define('xborder-record-step', (event) => event);
  const second = new FixtureFunctions()
    .define('xborder-gated-step', (event) => {
      stepsByEngine.push('second');
      return { ...event, stepped: true };
    })
    .define('xborder-record-step', (event) => ({ ...event, recorded: true }));

  const before = await startEngine(first);
  const { executionArn, startDate } = await before.sfn.send(
    new StartExecutionCommand({ stateMachineArn: before.arn('gated'), name: 'crash-1', input: JSON.stringify({ id: 'crash-1' }) }),
  );
  await until(() => stepsByEngine.length === 1);
  await before.stop(); // the engine goes away mid-task
  held.resolve(); // the abandoned invocation finishes late: it must change nothing

  const after = await startEngine(second);
  expect(before.engine.runningExecutions).toBe(0);
  const execution = await after.engine.waitForExecution(executionArn!);

  expect(execution.status).toBe('SUCCEEDED');
  expect(JSON.parse(execution.output!)).toEqual({ id: 'crash-1', stepped: true, recorded: true });
  expect(execution.startDate).toEqual(startDate);
  expect(execution.redriveCount).toBe(1);
  expect(stepsByEngine).toEqual(['first', 'second']);
  expect(after.engine.stats.gated!.redriven).toBe(1);

  const events = await history(after, executionArn!);
  expect(events.map((event) => event.type)).toEqual([
    'ExecutionStarted',
    'TaskStateEntered',
    'LambdaFunctionScheduled',
    'LambdaFunctionStarted',
    'ExecutionRedriven',
    'TaskStateEntered',
    'LambdaFunctionScheduled',
    'LambdaFunctionStarted',
    'LambdaFunctionSucceeded',
    'TaskStateExited',
    'TaskStateEntered',
    'LambdaFunctionScheduled',
    'LambdaFunctionStarted',
    'LambdaFunctionSucceeded',
    'TaskStateExited',
    'ExecutionSucceeded',
  ]);
  expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
  expect(events[4]!.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
}, TIMEOUT);

it('invalidates task tokens issued before the restart; the re-run issues a new one that completes the task', async () => {
  const tokens: string[] = [];
  const functions = new FixtureFunctions().define('xborder-request-bank', (event) => {
    tokens.push(event.token);
    return { accepted: true };
  });
  const before = await startEngine(functions);
  const { executionArn } = await before.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: before.arn('callback'),
      name: 'crash-2',
      input: JSON.stringify({ reference: 'crash-2', timeoutSeconds: 86_400, heartbeatSeconds: 86_400 }),
    }),
  );
  await until(() => tokens.length === 1);
  await before.stop();

  const after = await startEngine(functions);
  await until(() => tokens.length === 2);
  const [stale, fresh] = tokens as [string, string];
  expect(fresh).not.toBe(stale);
  await expect(after.sfn.send(new SendTaskSuccessCommand({ taskToken: stale, output: '{"approved":true}' }))).rejects.toBeInstanceOf(
    TaskDoesNotExist,
  );
  expect((await after.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

  await after.sfn.send(new SendTaskSuccessCommand({ taskToken: fresh, output: '{"approved":true}' }));
  const execution = await after.engine.waitForExecution(executionArn!);
  expect(execution.status).toBe('SUCCEEDED');
  expect(JSON.parse(execution.output!).bank).toEqual({ approved: true });
}, TIMEOUT);

it('aborts an execution left RUNNING by a stopped engine before any engine resumed it', async () => {
  const functions = new FixtureFunctions()
    .define('xborder-gated-step', () => new Promise(() => undefined))
    .define('xborder-record-step', (event) => event);
  const before = await startEngine(functions);
  const { executionArn } = await before.sfn.send(
    new StartExecutionCommand({ stateMachineArn: before.arn('gated'), name: 'crash-3', input: '{}' }),
  );
  await until(() => functions.callsOf('xborder-gated-step').length === 1);
  await before.stop();

  const after = await startLocalStepFunctions(store, functions, { resume: false });
  engines.push(after);
  await after.sfn.send(new StopExecutionCommand({ executionArn, error: 'Ops', cause: 'stopped while the runtime was down' }));
  const execution = await after.sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(execution).toMatchObject({ status: 'ABORTED', error: 'Ops', cause: 'stopped while the runtime was down' });
  expect((await history(after, executionArn!)).at(-1)!.type).toBe('ExecutionAborted');
  expect(await after.engine.resume()).toEqual([]);
}, TIMEOUT);

it('closes an Express execution left RUNNING as FAILED (States.Runtime) instead of running it again', async () => {
  const functions = new FixtureFunctions()
    .define('xborder-gated-step', () => new Promise(() => undefined))
    .define('xborder-record-step', (event) => event);
  const before = await startEngine(functions);
  const { executionArn } = await before.sfn.send(new StartExecutionCommand({ stateMachineArn: before.arn('express'), name: 'express-crash', input: '{}' }));
  await until(() => functions.callsOf('xborder-gated-step').length === 1);
  await before.stop();

  const after = await startEngine(functions);
  const execution = await after.sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  expect(functions.callsOf('xborder-gated-step')).toHaveLength(1);
  expect((await history(after, executionArn!)).at(-1)!.type).toBe('ExecutionFailed');
}, TIMEOUT);

it('stops cleanly when a task begins just as the engine stops: no child starts, nothing fails unobserved', async () => {
  // Jest runs every suite in one process: a rejection nobody observes from an engine a suite stopped
  // surfaces in whatever suite runs next (it ended CI runs: 'statement has been finalized').
  const unobserved: unknown[] = [];
  const onUnobserved = (reason: unknown) => unobserved.push(reason);
  process.on('unhandledRejection', onUnobserved);
  try {
    const functions = new FixtureFunctions()
      .define('xborder-gated-step', (event) => ({ ...event, stepped: true }))
      .define('xborder-record-step', (event) => ({ ...event, recorded: true }));
    const before = await startEngine(functions);
    // Straight to the engine, no HTTP round trip: the parent's first task (start the Express child) is
    // about to run when the engine stops.
    const { executionArn } = await before.engine.startExecution({
      stateMachineArn: before.arn('nested'),
      name: 'stop-at-task',
      input: JSON.stringify({ id: 'stop-at-task' }),
    });
    await before.stop();
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for anything left in flight to settle
    expect(unobserved).toEqual([]);
    expect(functions.calls).toEqual([]); // no child ran on the stopped engine

    const after = await startEngine(functions);
    const execution = await after.engine.waitForExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(functions.callsOf('xborder-gated-step')).toHaveLength(1);
  } finally {
    process.off('unhandledRejection', onUnobserved);
  }
}, TIMEOUT);
