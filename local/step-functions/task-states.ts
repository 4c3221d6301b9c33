import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type Retrier, type TaskStateInfo, type WaitStateInfo, MAX_TIMER_SECONDS, scaledSeconds } from './definition';
import { type ExecutionHistory, type Overrides, dataDetails, json } from './history';
import { parseReferencePath, readPath } from './reference-path';
import { type IssuedToken, MAX_PAYLOAD_BYTES, TaskFailure, type TaskTokens, TerminalTaskFailure } from './tokens';

/**
 * Task and Wait states, run by the engine the way AWS runs them. The interpreter calls a Task
 * handler with the state's input after InputPath; the handler then, per attempt:
 *   1. evaluates Parameters with a full context object ($$.Execution, $$.StateMachine,
 *      $$.State.Name/EnteredTime/RetryCount, $$.Task.Token), a new token per attempt;
 *   2. runs the attempt under the state's TimeoutSeconds (scaled), so a timeout is the
 *      interpreter's own States.Timeout error (which States.TaskFailed does not match);
 *   3. invokes the function: unwrapped result for a function ARN, the AWS `lambda:invoke` envelope
 *      ({ Payload, StatusCode, ... }) for the integration; for `.waitForTaskToken` it waits for
 *      SendTaskSuccess/SendTaskFailure or the heartbeat timeout;
 *   4. on failure applies the state's Retry (intervals scaled) and records each attempt's events.
 * Steps 1 and 2 run in a one-state interpreter machine per attempt (cheap: it skips validation).
 *
 * A function that throws fails the task with Error = the thrown error's `name` (Lambda's errorType)
 * and Cause = the JSON Lambda reports ({"errorType","errorMessage","trace"}).
 */
export type InvokeFunction = (functionArn: string, payload: unknown) => Promise<unknown>;

export type TaskHandler = NonNullable<Overrides['taskResourceLocalHandlers']>[string];

export interface TaskEnvironment {
  readonly region: string;
  readonly timeScale: number;
  /** Scales TimeoutSeconds of tasks that run a function (not of callback waits, which `timeScale` scales). */
  readonly taskTimeoutScale: number;
  readonly invoke: InvokeFunction;
  /** A `lambda:invoke` FunctionName (name, partial or full ARN) as a full function ARN. */
  readonly functionArn: (functionName: string) => string;
  readonly tokens: TaskTokens;
  /** The `states:startExecution` integration: start a child execution, and (`sync`) wait for its end. */
  readonly startExecution: (input: { stateMachineArn: string; name?: string; input: string }, sync: boolean) => Promise<Record<string, unknown>>;
}

export interface ExecutionScope {
  readonly executionArn: string;
  readonly run: number;
  readonly signal: AbortSignal;
  readonly history: ExecutionHistory;
  /** The interpreter context of the execution ($$.__Execution, $$.StateMachine, $$.__States). */
  readonly context: Record<string, unknown>;
  countTransition(): void;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Settles with `promise`, or rejects as soon as the execution is aborted: an abandoned invocation
 * or token wait must not keep the interpreter's timers (up to MAX_TIMER_SECONDS) alive.
 */
const abortable = <T>(start: () => Promise<T>, signal: AbortSignal): Promise<T> => {
  const stopped = () => new Error('The execution was stopped');
  // Not started at all once stopped: an abandoned execution must not reach its engine's closed store.
  if (signal.aborted) return Promise.reject(stopped());
  const promise = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    // Always observed: the work may still fail after the stop answered for it (no unhandled rejection).
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
};

/** The error Lambda reports for a handler that threw, as a Step Functions task failure. */
export const lambdaFailure = (error: unknown): TaskFailure => {
  if (!(error instanceof Error)) {
    return new TaskFailure('Error', JSON.stringify({ errorType: 'Error', errorMessage: String(error), trace: [] }));
  }
  const errorType = error.name || 'Error';
  const body =
    errorType === 'Sandbox.Timedout'
      ? { errorType, errorMessage: error.message }
      : { errorType, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  return new TaskFailure(errorType, JSON.stringify(body));
};

/** What `arn:aws:states:::lambda:invoke` returns: the Invoke response around the function's result. */
export const lambdaInvokeEnvelope = (payload: unknown, requestId: string, date = new Date()) => {
  const headers = {
    'Content-Type': 'application/json',
    Date: date.toUTCString(),
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-RequestId': requestId,
    Connection: 'keep-alive',
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
};

/** AWS Retry semantics: the first retrier naming the error decides; exhausted means no retry. */
export const retryDelaySeconds = (retriers: readonly Retrier[], error: Error, attempts: number[]): number | undefined => {
  if ((error as { isRetryable?: boolean }).isRetryable === false) return undefined;
  for (const [index, retrier] of retriers.entries()) {
    const matches = retrier.ErrorEquals.some(
      (name) => name === error.name || name === 'States.ALL' || (name === 'States.TaskFailed' && error.name !== 'States.Timeout'),
    );
    if (!matches) continue;
    const done = attempts[index] ?? 0;
    if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
    attempts[index] = done + 1;
    const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
    const capped = retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
    return retrier.JitterStrategy === 'FULL' ? Math.random() * capped : capped;
  }
  return undefined;
};

const runtimeError = (message: string) => new TerminalTaskFailure('States.Runtime', message);

/** A number of seconds from a literal or a reference path into the state input. */
const secondsOf = (literal: number | undefined, path: string | undefined, input: unknown, field: string): number | undefined => {
  if (literal !== undefined) return literal;
  if (path === undefined) return undefined;
  const segments = parseReferencePath(path);
  const value = segments ? readPath(input, segments) : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw runtimeError(`${field} '${path}' must point to a positive integer`);
  }
  return value;
};

const integrations = {
  'lambda-invoke': { resourceType: 'lambda', resource: 'invoke' },
  'lambda-invoke-callback': { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' },
  'states-start-execution': { resourceType: 'states', resource: 'startExecution' },
  'states-start-execution-sync': { resourceType: 'states', resource: 'startExecution.sync:2' },
} as const;

export const taskStateHandler = (state: TaskStateInfo, environment: TaskEnvironment, scope: ExecutionScope): TaskHandler => {
  const invokeFunction = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const event = JSON.parse(json(payload)) as unknown; // the function gets its own copy, as over the wire
    let result: unknown;
    try {
      result = await environment.invoke(functionArn, event);
    } catch (error) {
      throw lambdaFailure(error);
    }
    const text = json(result);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new TerminalTaskFailure(
        'States.DataLimitExceeded',
        `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    return JSON.parse(text) as unknown;
  };

  const functionOf = (parameters: unknown): { arn: string; payload: unknown } => {
    const { FunctionName, Payload } = (parameters ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    if (typeof FunctionName !== 'string' || FunctionName.length === 0) {
      throw runtimeError(`${state.name}: lambda:invoke needs Parameters.FunctionName`);
    }
    return { arn: environment.functionArn(FunctionName), payload: Payload ?? {} };
  };

  const childOf = (parameters: unknown): { stateMachineArn: string; name?: string; input: string } => {
    const { StateMachineArn, Name, Input } = (parameters ?? {}) as { StateMachineArn?: unknown; Name?: unknown; Input?: unknown };
    if (typeof StateMachineArn !== 'string' || StateMachineArn.length === 0) {
      throw runtimeError(`${state.name}: states:startExecution needs Parameters.StateMachineArn`);
    }
    if (Name !== undefined && typeof Name !== 'string') throw runtimeError(`${state.name}: Parameters.Name must be a string`);
    return { stateMachineArn: StateMachineArn, name: Name, input: typeof Input === 'string' ? Input : json(Input ?? {}) };
  };

  const attempt = async (input: unknown, retryCount: number, enteredTime: string): Promise<unknown> => {
    const { history } = scope;
    const timeoutSeconds = secondsOf(state.timeoutSeconds, state.timeoutSecondsPath, input, 'TimeoutSecondsPath');
    const heartbeatSeconds = secondsOf(state.heartbeatSeconds, state.heartbeatSecondsPath, input, 'HeartbeatSecondsPath');
    const token: IssuedToken | undefined =
      state.kind === 'lambda-invoke-callback'
        ? environment.tokens.issue(
            scope.executionArn,
            scope.run,
            state.name,
            heartbeatSeconds === undefined ? undefined : scaledSeconds(heartbeatSeconds, environment.timeScale) * 1000,
          )
        : undefined;
    let scheduled = false;
    let settled = false;
    const integration = state.kind === 'lambda-function' ? undefined : integrations[state.kind];
    const timing = { timeoutInSeconds: timeoutSeconds, heartbeatInSeconds: heartbeatSeconds };

    const perform = async (parameters: unknown): Promise<unknown> => {
      scheduled = true;
      if (!integration) {
        history.record('LambdaFunctionScheduled', { resource: state.resource, input: json(parameters), inputDetails: dataDetails, timeoutInSeconds: timeoutSeconds });
        history.record('LambdaFunctionStarted');
        const output = await invokeFunction(state.resource, parameters);
        if (!settled) history.record('LambdaFunctionSucceeded', { output: json(output), outputDetails: dataDetails });
        return output;
      }
      history.record('TaskScheduled', { ...integration, region: environment.region, parameters: json(parameters), ...timing });
      history.record('TaskStarted', integration);
      if (state.kind === 'states-start-execution' || state.kind === 'states-start-execution-sync') {
        const sync = state.kind === 'states-start-execution-sync';
        const child = childOf(parameters);
        let output: Record<string, unknown>;
        try {
          if (sync) {
            const started = environment.startExecution(child, true);
            history.record('TaskSubmitted', { ...integration, output: json({ StateMachineArn: child.stateMachineArn }), outputDetails: dataDetails });
            output = await started;
          } else {
            output = await environment.startExecution(child, false);
          }
        } catch (error) {
          throw error instanceof TaskFailure ? error : new TaskFailure(`SFN.${(error as Error).name}`, (error as Error).message);
        }
        if (!settled) history.record('TaskSucceeded', { ...integration, output: json(output), outputDetails: dataDetails });
        return output;
      }
      const { arn, payload } = functionOf(parameters);
      const envelope = lambdaInvokeEnvelope(await invokeFunction(arn, payload), randomUUID());
      if (!token) {
        if (!settled) history.record('TaskSucceeded', { ...integration, output: json(envelope), outputDetails: dataDetails });
        return envelope;
      }
      if (!settled) history.record('TaskSubmitted', { ...integration, output: json(envelope), outputDetails: dataDetails });
      const output = await token.result;
      if (!settled) history.record('TaskSucceeded', { ...integration, output: json(output), outputDetails: dataDetails });
      return output;
    };

    const definition = {
      StartAt: state.name,
      States: {
        [state.name]: {
          Type: 'Task',
          Resource: state.resource,
          ...(state.parameters === undefined ? {} : { Parameters: state.parameters }),
          TimeoutSeconds:
            timeoutSeconds === undefined
              ? MAX_TIMER_SECONDS
              : scaledSeconds(timeoutSeconds, state.kind === 'lambda-invoke-callback' ? environment.timeScale : environment.taskTimeoutScale),
          End: true,
        },
      },
    } as unknown as StateMachineDefinition;
    const executionStates = scope.context.__States as Record<string, unknown>;
    const context = {
      ...scope.context,
      __States: { ...executionStates, [state.key]: { Name: state.name, EnteredTime: enteredTime, RetryCount: retryCount } },
      ...(token ? { Task: { Token: token.token } } : {}),
    };
    // A copy per attempt: the interpreter's States.JsonMerge mutates its first argument, and a retry
    // must evaluate Parameters against the state input as it was.
    const run = new StateMachine(definition, { validationOptions: { noValidate: true } }).run(structuredClone(input) as never, {
      context,
      overrides: { taskResourceLocalHandlers: { [state.name]: ((parameters: unknown) => abortable(() => perform(parameters), scope.signal)) as TaskHandler } },
    });
    const abort = () => run.abort();
    scope.signal.addEventListener('abort', abort, { once: true });
    let tokenStatus: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CLOSED' = 'CLOSED';
    try {
      const output = await run.result;
      tokenStatus = 'SUCCEEDED';
      return output;
    } catch (thrown) {
      const error = (thrown instanceof ExecutionError ? thrown.cause : thrown) as Error;
      settled = true;
      const timedOut = error.name === 'States.Timeout' || error.name === 'States.HeartbeatTimeout';
      if (token) tokenStatus = timedOut ? 'TIMED_OUT' : 'FAILED';
      if (scheduled && !scope.signal.aborted) {
        const failure = { error: error.name, cause: error.message };
        if (!integration) history.record(timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', failure);
        else history.record(timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...integration, ...failure });
      }
      throw error;
    } finally {
      settled = true;
      scope.signal.removeEventListener('abort', abort);
      if (token) environment.tokens.close(token, tokenStatus);
    }
  };

  return (async (input: unknown) => {
    // The interpreter queued this state's entry event just before calling us; its log is read by
    // promise continuations, which all run before the next macrotask. Yielding once keeps our task
    // events after the entry in the history.
    await new Promise((resolve) => setImmediate(resolve));
    const enteredTime = new Date().toISOString();
    const attempts = state.retriers.map(() => 0);
    for (let retryCount = 0; ; retryCount += 1) {
      try {
        return (await attempt(input, retryCount, enteredTime)) as never;
      } catch (thrown) {
        const error = thrown as Error;
        const delay = scope.signal.aborted ? undefined : retryDelaySeconds(state.retriers, error, attempts);
        if (delay === undefined) throw error;
        scope.countTransition();
        await sleep(delay * environment.timeScale * 1000, scope.signal);
      }
    }
  }) as TaskHandler;
};

/** A Wait state: sleeps the (scaled) duration, its input passes through. */
export const waitStateHandler = (state: WaitStateInfo, environment: TaskEnvironment, scope: ExecutionScope): TaskHandler =>
  (async (input: unknown) => {
    const { Seconds, SecondsPath, Timestamp, TimestampPath } = state.definition as {
      Seconds?: number;
      SecondsPath?: string;
      Timestamp?: string;
      TimestampPath?: string;
    };
    let milliseconds = 0;
    if (Seconds !== undefined) milliseconds = Seconds * 1000;
    else if (SecondsPath !== undefined) {
      const segments = parseReferencePath(SecondsPath);
      const seconds = segments ? readPath(input, segments) : undefined;
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw runtimeError(`${state.name}: SecondsPath '${SecondsPath}' must point to a non-negative integer`);
      }
      milliseconds = seconds * 1000;
    } else {
      const path = TimestampPath === undefined ? undefined : parseReferencePath(TimestampPath);
      const timestamp = Timestamp ?? (path ? readPath(input, path) : undefined);
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (Number.isNaN(at)) throw runtimeError(`${state.name}: the Wait timestamp is not an RFC 3339 timestamp`);
      milliseconds = Math.max(0, at - Date.now());
    }
    await sleep(Math.min(milliseconds * environment.timeScale, MAX_TIMER_SECONDS * 1000), scope.signal);
    return input as never;
  }) as TaskHandler;
