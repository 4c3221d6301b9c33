import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  TaskTimedOut,
  StartSyncExecutionCommand,
  RedriveExecutionCommand,
  ExecutionNotRedrivable,
} from '@aws-sdk/client-sfn';
import { LambdaTimeoutError } from '../../../local/lambda-host';
import { FixtureFunctions, type LocalStepFunctions, deferred, startLocalStepFunctions, temporaryExecutionStore } from '../../support/step-functions';

/**
 * The local Step Functions engine through `@aws-sdk/client-sfn` over HTTP, against DynamoDB Local:
 * the fixture ASL files in test/fixtures/statemachines with fixture functions as their Lambdas.
 * Durations are scaled by 0.001 (an hour of Wait is 3.6 s); nothing asserts on timing.
 */
// jest.config.js sets testTimeout per project, where Jest ignores it: state it here (a loaded 2-core
// machine can take seconds to validate six ASL files).
const TIMEOUT = 60_000;

class TransientChannelError extends Error {
  override readonly name = 'TransientChannelError';
}
class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
}

const functions = new FixtureFunctions();
const bankRequests = new Map<string, ReturnType<typeof deferred<{ token: string }>>>();
const bankRequest = (reference: string) => {
  let request = bankRequests.get(reference);
  if (!request) {
    request = deferred<{ token: string }>();
    bankRequests.set(reference, request);
  }
  return request;
};
const gates = new Map<string, ReturnType<typeof deferred<void>>>();
/** Orders whose charge succeeds from now on (the fix a redrive runs after). */
const redriveFixed = new Set<string>();

functions
  .define('xborder-reserve-stock', (event) => ({ reservationId: `res_${event.orderId}`, executionName: event.executionName }))
  .define('xborder-charge-card', (event) => {
    if (redriveFixed.has(event.orderId)) return { chargeId: `ch_${event.orderId}` };
    if (event.orderId.startsWith('flaky') && event.context.retryCount === 0) throw new TransientChannelError('channel busy');
    if (event.orderId.startsWith('declined')) throw new PaymentDeclinedError('insufficient funds');
    if (event.orderId.startsWith('slow')) throw new LambdaTimeoutError('Task timed out after 10.00 seconds');
    return { chargeId: `ch_${event.orderId}` };
  })
  .define('xborder-release-stock', (event) => ({ released: event.orderId }))
  .define('xborder-notify-recipient', (event) => ({ sent: event.to, index: event.index }))
  .define('xborder-request-bank', (event) => {
    bankRequest(event.reference).resolve({ token: event.token });
    return { accepted: true };
  })
  .define('xborder-gated-step', async (event) => {
    if (event.fail || String(event.id).startsWith('fail')) throw new TransientChannelError('the step failed');
    await gates.get(event.id)?.promise;
    return { ...event, stepped: true };
  })
  .define('xborder-record-step', (event) => ({ ...event, recorded: true }));

let local: LocalStepFunctions;

beforeAll(async () => {
  local = await startLocalStepFunctions(temporaryExecutionStore(), functions);
}, TIMEOUT);

afterAll(async () => {
  for (const gate of gates.values()) gate.resolve();
  await local.stop();
}, TIMEOUT);

const start = async (key: Parameters<LocalStepFunctions['arn']>[0], input: unknown, name?: string) =>
  local.sfn.send(new StartExecutionCommand({ stateMachineArn: local.arn(key), input: JSON.stringify(input), name }));

/** Wait for the execution to close, then describe it through the API. */
const finished = async (executionArn: string) => {
  await local.engine.waitForExecution(executionArn);
  return local.sfn.send(new DescribeExecutionCommand({ executionArn }));
};

const history = async (executionArn: string): Promise<HistoryEvent[]> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

/** A state machine's executions of one name (Express names need not be unique). */
const executionsNamed = async (key: Parameters<LocalStepFunctions['arn']>[0], name: string) =>
  ((await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.arn(key), maxResults: 1000 }))).executions ?? []).filter(
    (execution) => execution.name === name,
  );

const summary = (events: HistoryEvent[]) =>
  events.map((event) => {
    const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    return name ? `${event.type} ${name}` : event.type;
  });

describe('a Task chain with Retry, Catch and Choice', () => {
  it('runs to success: function ARN results unwrapped, lambda:invoke results in the AWS envelope', async () => {
    const input = { orderId: 'o-1', amount: 1999 };
    const { executionArn, startDate } = await start('order', input, 'order-o-1');
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.name).toBe('order-o-1');
    expect(execution.stopDate!.getTime()).toBeGreaterThanOrEqual(execution.startDate!.getTime());
    expect(JSON.parse(execution.output!)).toEqual({
      orderId: 'o-1',
      amount: 1999,
      reservation: { reservationId: 'res_o-1', executionName: 'order-o-1' },
      charge: { chargeId: 'ch_o-1', statusCode: 200 },
    });
    const [charge] = functions.callsOf('xborder-charge-card').filter((event) => event.orderId === 'o-1');
    expect(charge.context).toEqual({
      executionId: executionArn,
      executionName: 'order-o-1',
      executionInput: input,
      startTime: startDate!.toISOString(),
      stateMachine: 'xborder-order',
      state: 'Charge',
      enteredTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      retryCount: 0,
    });

    const events = await history(executionArn!);
    expect(summary(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered Reserve',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Reserve',
      'TaskStateEntered Charge',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited Charge',
      'ChoiceStateEntered Route',
      'ChoiceStateExited Route',
      'SucceedStateEntered Done',
      'SucceedStateExited Done',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_, index) => index));
    const scheduled = events.find((event) => event.type === 'LambdaFunctionScheduled')!;
    expect(scheduled.lambdaFunctionScheduledEventDetails!.resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:xborder-reserve-stock',
    );
    const invoked = events.find((event) => event.type === 'TaskSucceeded')!.taskSucceededEventDetails!;
    expect(invoked.resourceType).toBe('lambda');
    expect(invoked.resource).toBe('invoke');
    expect(JSON.parse(invoked.output!)).toMatchObject({ Payload: { chargeId: 'ch_o-1' }, StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(JSON.parse(events.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!.parameters!)).toMatchObject({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:xborder-charge-card',
    });
    expect(events.at(-1)!.timestamp).toBeInstanceOf(Date);
  }, TIMEOUT);

  it('takes the Choice branch the input selects', async () => {
    const { executionArn } = await start('order', { orderId: 'o-big', amount: 250000 });
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).review).toBe('manual');
    expect(summary(await history(executionArn!))).toContain('PassStateEntered Review');
  }, TIMEOUT);

  it('retries a named transient error, then succeeds, with $$.State.RetryCount counting attempts', async () => {
    const { executionArn } = await start('order', { orderId: 'flaky-1', amount: 500 });
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    expect(functions.callsOf('xborder-charge-card').filter((event) => event.orderId === 'flaky-1').map((event) => event.context.retryCount)).toEqual([0, 1]);
    const events = await history(executionArn!);
    const charge = summary(events).slice(summary(events).indexOf('TaskStateEntered Charge'), summary(events).indexOf('TaskStateExited Charge') + 1);
    expect(charge).toEqual([
      'TaskStateEntered Charge',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited Charge',
    ]);
    const failed = events.find((event) => event.type === 'TaskFailed')!.taskFailedEventDetails!;
    expect(failed.error).toBe('TransientChannelError');
    expect(JSON.parse(failed.cause!)).toEqual({
      errorType: 'TransientChannelError',
      errorMessage: 'channel busy',
      trace: expect.arrayContaining([expect.stringContaining('TransientChannelError: channel busy')]),
    });
  }, TIMEOUT);

  it('routes a named business error to the compensation branch through Catch, without retrying it', async () => {
    const { executionArn } = await start('order', { orderId: 'declined-1', amount: 700 });
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OrderDeclined');
    expect(execution.cause).toBe('The charge was declined; the stock was released');
    expect(functions.callsOf('xborder-charge-card').filter((event) => event.orderId === 'declined-1')).toHaveLength(1);
    const [release] = functions.callsOf('xborder-release-stock').filter((event) => event.orderId === 'declined-1');
    expect(release.error).toBe('PaymentDeclinedError');
    expect(JSON.parse(release.cause)).toMatchObject({ errorType: 'PaymentDeclinedError', errorMessage: 'insufficient funds' });

    const events = summary(await history(executionArn!));
    expect(events.slice(events.indexOf('TaskFailed'))).toEqual([
      'TaskFailed',
      'TaskStateExited Charge',
      'TaskStateEntered Release',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Release',
      'FailStateEntered Declined',
      'ExecutionFailed',
    ]);
  }, TIMEOUT);

  it('reports a Lambda that exceeded its timeout as Sandbox.Timedout', async () => {
    const { executionArn } = await start('order', { orderId: 'slow-1', amount: 100 });
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(execution.cause!)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 10.00 seconds' });
  }, TIMEOUT);
});

describe('Wait, Parallel and Map', () => {
  it('waits (scaled), fans out over the items and joins the branches; the context reaches nested states', async () => {
    const input = { delaySeconds: 60, recipients: ['ana', 'bo', 'cy'] };
    const { executionArn } = await start('fanOut', input, 'fan-1');
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      notified: [
        { sent: 'ana', index: 0 },
        { sent: 'bo', index: 1 },
        { sent: 'cy', index: 2 },
      ],
      summary: { count: 3, executionName: 'fan-1' },
    });
    const notified = functions.callsOf('xborder-notify-recipient').filter((event) => event.executionName === 'fan-1');
    expect(notified).toHaveLength(3);
    // $$.Execution.Input is the execution's input inside Parallel branches and Map iterations too.
    for (const event of notified) expect(event.executionInput).toEqual(input);

    const events = await history(executionArn!);
    const types = summary(events);
    expect(types.slice(0, 6)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered Pause',
      'WaitStateExited Pause',
      'ParallelStateEntered Both',
      'ParallelStateStarted',
      expect.any(String),
    ]);
    expect(types.slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited Both', 'ExecutionSucceeded']);
    expect(events.find((event) => event.type === 'MapStateStarted')!.mapStateStartedEventDetails).toEqual({ length: 3 });
    expect(types.filter((type) => type === 'MapIterationStarted')).toHaveLength(3);
    expect(types.filter((type) => type === 'MapIterationSucceeded')).toHaveLength(3);
    expect(types.filter((type) => type === 'TaskStateEntered Notify')).toHaveLength(3);
    expect(types).toEqual(expect.arrayContaining(['MapStateEntered NotifyAll', 'MapStateSucceeded', 'MapStateExited NotifyAll', 'PassStateEntered Count']));
    expect(types.indexOf('MapStateStarted')).toBeLessThan(types.indexOf('MapIterationStarted'));
    expect(types.lastIndexOf('MapIterationSucceeded')).toBeLessThan(types.indexOf('MapStateSucceeded'));
  }, TIMEOUT);

  it('times the execution out after its TimeoutSeconds (scaled)', async () => {
    const { executionArn } = await start('expiring', {});
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('TIMED_OUT');
    expect(summary(await history(executionArn!)).at(-1)).toBe('ExecutionTimedOut');
  }, TIMEOUT);
});

describe('.waitForTaskToken', () => {
  const far = { timeoutSeconds: 86_400, heartbeatSeconds: 86_400 };

  it('waits until SendTaskSuccess; the task output is what was sent; the token then is closed', async () => {
    const { executionArn } = await start('callback', { reference: 'bank-ok', ...far });
    const { token } = await bankRequest('bank-ok').promise;
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await local.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true, code: '00' }) }));
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).bank).toEqual({ approved: true, code: '00' });
    const events = await history(executionArn!);
    expect(summary(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered AwaitBank',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited AwaitBank',
      'PassStateEntered Settled',
      'PassStateExited Settled',
      'ExecutionSucceeded',
    ]);
    const scheduled = events.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 86_400, heartbeatInSeconds: 86_400 });
    expect(JSON.parse(events.find((event) => event.type === 'TaskSubmitted')!.taskSubmittedEventDetails!.output!).Payload).toEqual({ accepted: true });

    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  }, TIMEOUT);

  it('fails the task with the error and cause of SendTaskFailure (caught by States.TaskFailed)', async () => {
    const { executionArn } = await start('callback', { reference: 'bank-no', ...far });
    const { token } = await bankRequest('bank-no').promise;
    await local.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'BankRejected', cause: 'account closed' }));
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('BankRejected');
    expect(execution.cause).toBe('account closed');
    const failed = (await history(executionArn!)).find((event) => event.type === 'TaskFailed')!.taskFailedEventDetails!;
    expect(failed).toMatchObject({ error: 'BankRejected', cause: 'account closed', resource: 'invoke.waitForTaskToken' });
  }, TIMEOUT);

  it('times the task out after its TimeoutSeconds with States.Timeout, and the token is dead', async () => {
    const { executionArn } = await start('callback', { reference: 'bank-late', timeoutSeconds: 1, heartbeatSeconds: 86_400 });
    const { token } = await bankRequest('bank-late').promise;
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('BankTimeout');
    const timedOut = (await history(executionArn!)).find((event) => event.type === 'TaskTimedOut')!.taskTimedOutEventDetails!;
    expect(timedOut.error).toBe('States.Timeout');
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  }, TIMEOUT);

  it('times the task out when heartbeats stop (States.HeartbeatTimeout)', async () => {
    const { executionArn } = await start('callback', { reference: 'bank-silent', timeoutSeconds: 86_400, heartbeatSeconds: 1 });
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.HeartbeatTimeout');
  }, TIMEOUT);

  it('rejects tokens it never issued', async () => {
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);
  }, TIMEOUT);
});

describe('StopExecution', () => {
  it('aborts a running execution with the given error and cause; the abandoned task does not resume it', async () => {
    const gate = deferred<void>();
    gates.set('stop-1', gate);
    const { executionArn } = await start('gated', { id: 'stop-1' });
    while (!functions.callsOf('xborder-gated-step').some((event) => event.id === 'stop-1')) await new Promise((resolve) => setTimeout(resolve, 5));

    const { stopDate } = await local.sfn.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'merchant cancelled' }));
    gate.resolve();
    const execution = await finished(executionArn!);

    expect(execution.status).toBe('ABORTED');
    expect(execution.error).toBe('Cancelled');
    expect(execution.cause).toBe('merchant cancelled');
    expect(execution.stopDate).toEqual(stopDate);
    const events = await history(executionArn!);
    expect(events.at(-1)!.type).toBe('ExecutionAborted');
    expect(events.at(-1)!.executionAbortedEventDetails).toEqual({ error: 'Cancelled', cause: 'merchant cancelled' });
    expect(functions.callsOf('xborder-record-step').some((event) => event.id === 'stop-1')).toBe(false);
    // Stopping a closed execution changes nothing.
    await local.sfn.send(new StopExecutionCommand({ executionArn }));
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  }, TIMEOUT);
});

describe('StartExecution', () => {
  it('returns the running execution for the same name and input, and refuses a different input or a closed name', async () => {
    const gate = deferred<void>();
    gates.set('dup-1', gate);
    const first = await start('gated', { id: 'dup-1' }, 'dup-1');
    const again = await start('gated', { id: 'dup-1' }, 'dup-1');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(start('gated', { id: 'dup-1', other: true }, 'dup-1')).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    gate.resolve();
    expect((await finished(first.executionArn!)).status).toBe('SUCCEEDED');
    await expect(start('gated', { id: 'dup-1' }, 'dup-1')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(functions.callsOf('xborder-gated-step').filter((event) => event.id === 'dup-1')).toHaveLength(1);
  }, TIMEOUT);

  it('forgets closed executions past their retention (90 days in AWS): the name starts a new execution, a running one is kept', async () => {
    const closed = await start('gated', { id: 'kept-1' }, 'kept-1');
    expect((await finished(closed.executionArn!)).status).toBe('SUCCEEDED');
    const gate = deferred<void>();
    gates.set('running-1', gate);
    const running = await start('gated', { id: 'running-1' }, 'running-1');
    expect(await local.engine.forgetClosedExecutions(Date.now() + 1)).toBeGreaterThanOrEqual(1);
    await expect(local.sfn.send(new DescribeExecutionCommand({ executionArn: closed.executionArn }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }))).status).toBe('RUNNING');
    const again = await start('gated', { id: 'kept-1' }, 'kept-1');
    expect((await finished(again.executionArn!)).status).toBe('SUCCEEDED');
    expect(functions.callsOf('xborder-gated-step').filter((event) => event.id === 'kept-1')).toHaveLength(2);
    gate.resolve();
    expect((await finished(running.executionArn!)).status).toBe('SUCCEEDED');
  }, TIMEOUT);

  it('validates the name, the input and the state machine like AWS', async () => {
    await expect(start('gated', {}, 'has space')).rejects.toBeInstanceOf(InvalidName);
    await expect(start('gated', {}, 'x'.repeat(81))).rejects.toBeInstanceOf(InvalidName);
    await expect(start('gated', {}, 'pay/1')).rejects.toBeInstanceOf(InvalidName);
    await expect(
      local.sfn.send(new StartExecutionCommand({ stateMachineArn: local.arn('gated'), input: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(
      local.sfn.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn: local.arn('gated') }));
    expect(executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:xborder-gated:[0-9a-f-]{36}$/);
    await finished(executionArn!);
  }, TIMEOUT);
});

describe('Express workflows', () => {
  it('names need not be unique; locally their executions are listed, described and have a history', async () => {
    const first = await start('express', { id: 'express-1' }, 'same-name');
    const second = await start('express', { id: 'express-1' }, 'same-name');
    expect(first.executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:xborder-express:same-name:[0-9a-f-]{36}$/);
    expect(second.executionArn).not.toBe(first.executionArn);
    expect((await finished(first.executionArn!)).status).toBe('SUCCEEDED');
    expect((await finished(second.executionArn!)).status).toBe('SUCCEEDED');
    // AWS lists Express executions only in the console (from CloudWatch Logs); the local API lists them.
    const listed = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.arn('express') }));
    expect(listed.executions!.filter((execution) => execution.name === 'same-name').map((execution) => execution.executionArn)).toEqual(
      expect.arrayContaining([first.executionArn, second.executionArn]),
    );
    expect(summary(await history(first.executionArn!))).toEqual([
      'ExecutionStarted',
      'TaskStateEntered Step',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Step',
      'TaskStateEntered Record',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Record',
      'ExecutionSucceeded',
    ]);
  }, TIMEOUT);

  it('StartSyncExecution answers when the execution has closed, with its output and what Express bills', async () => {
    const sync = await local.sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: local.arn('express'), name: 'sync-1', input: JSON.stringify({ id: 'sync-1' }) }),
    );
    expect(sync).toMatchObject({ status: 'SUCCEEDED', name: 'sync-1', stateMachineArn: local.arn('express') });
    expect(JSON.parse(sync.output!)).toEqual({ id: 'sync-1', stepped: true, recorded: true });
    expect(sync.billingDetails).toEqual({ billedMemoryUsedInMB: 64, billedDurationInMilliseconds: expect.any(Number) });
    expect(sync.billingDetails!.billedDurationInMilliseconds! % 100).toBe(0);
    expect(sync.stopDate!.getTime()).toBeGreaterThanOrEqual(sync.startDate!.getTime());
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn: sync.executionArn }))).status).toBe('SUCCEEDED');
  }, TIMEOUT);

  it('StartSyncExecution reports a failed execution with its error, and refuses a Standard state machine', async () => {
    const failing = await local.sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: local.arn('express'), input: JSON.stringify({ id: 'sync-fail', fail: true }) }),
    );
    expect(failing).toMatchObject({ status: 'FAILED', error: 'TransientChannelError' });
    expect(failing.output).toBeUndefined();
    await expect(local.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: local.arn('gated'), input: '{}' }))).rejects.toBeInstanceOf(
      StateMachineTypeNotSupported,
    );
  }, TIMEOUT);
});

describe('states:startExecution from a Task', () => {
  it('.sync:2 runs the child to its end and hands on its parsed output; the plain one only starts it', async () => {
    const { executionArn } = await start('nested', { id: 'n-1' }, 'nested-1');
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.child).toEqual({ status: 'SUCCEEDED', output: expect.objectContaining({ id: 'n-1', stepped: true, recorded: true }) });
    expect(output.another.executionArn).toMatch(/:express:xborder-express:/);
    const children = await executionsNamed('express', 'n-1-child');
    expect(children).toHaveLength(1);
    const childInput = JSON.parse((await local.sfn.send(new DescribeExecutionCommand({ executionArn: children[0]!.executionArn }))).input!);
    expect(childInput).toEqual({ id: 'n-1', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArn });
    expect(summary(await history(executionArn!)).slice(0, 7)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered RunChild',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited RunChild',
    ]);
  }, TIMEOUT);

  it('a child that fails fails the task with States.TaskFailed and the child\'s description as the cause (Retry applies)', async () => {
    const { executionArn } = await start('nested', { id: 'fail-n' }, 'nested-fail');
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.TaskFailed');
    expect(JSON.parse(execution.cause!)).toMatchObject({ Status: 'FAILED', Error: 'TransientChannelError', Name: 'fail-n-child' });
    const children = await executionsNamed('express', 'fail-n-child');
    expect(children).toHaveLength(3); // the first attempt and two retries
  }, TIMEOUT);
});

describe('RedriveExecution', () => {
  it('runs a failed Standard execution again from the state that failed, with that state\'s input', async () => {
    const { executionArn } = await start('redrivable', { orderId: 'declined-redrive' }, 'redrive-1');
    const failed = await finished(executionArn!);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'PaymentDeclinedError', redriveStatus: 'REDRIVABLE' });
    const prepared = functions.callsOf('xborder-record-step').filter((event) => event.orderId === 'declined-redrive').length;

    redriveFixed.add('declined-redrive');
    const { redriveDate } = await local.sfn.send(new RedriveExecutionCommand({ executionArn }));
    expect(redriveDate).toBeInstanceOf(Date);
    const execution = await finished(executionArn!);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    expect(JSON.parse(execution.output!)).toMatchObject({ orderId: 'declined-redrive', charge: { chargeId: 'ch_declined-redrive' }, recorded: true });
    // Prepare ran once (before the failure), Finish once (after the redrive).
    expect(functions.callsOf('xborder-record-step').filter((event) => event.orderId === 'declined-redrive')).toHaveLength(prepared + 1);
    const events = summary(await history(executionArn!));
    expect(events.slice(events.indexOf('ExecutionFailed'))).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered Charge',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Charge',
      'TaskStateEntered Finish',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Finish',
      'ExecutionSucceeded',
    ]);
    await expect(local.sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(ExecutionNotRedrivable);
  }, TIMEOUT);
});

describe('ListExecutions and GetExecutionHistory', () => {
  it('lists a state machine\'s executions newest first, page by page, optionally by status', async () => {
    const names = ['list-1', 'list-2', 'list-3', 'list-4', 'list-5'];
    const arns: string[] = [];
    for (const name of names) arns.push((await start('listing', { id: name }, name)).executionArn!);
    await Promise.all(arns.map((arn) => local.engine.waitForExecution(arn)));

    const pages: string[][] = [];
    const listed: { name?: string; startDate?: Date; status?: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.arn('listing'), maxResults: 2, nextToken }));
      pages.push(page.executions!.map((execution) => execution.name!));
      listed.push(...page.executions!);
      nextToken = page.nextToken;
    } while (nextToken);

    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(listed.map((execution) => execution.name).sort()).toEqual(names);
    const starts = listed.map((execution) => execution.startDate!.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(listed.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);

    const running = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.arn('listing'), statusFilter: 'RUNNING' }));
    expect(running.executions).toEqual([]);
    const succeeded = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.arn('listing'), statusFilter: 'SUCCEEDED' }));
    expect(succeeded.executions).toHaveLength(5);
  }, TIMEOUT);

  it('pages the history in order or in reverse, with or without execution data', async () => {
    const { executionArn } = await start('order', { orderId: 'hist-1', amount: 10 });
    await finished(executionArn!);
    const all = await history(executionArn!);

    const paged: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken }));
      expect(page.events!.length).toBeLessThanOrEqual(3);
      paged.push(...page.events!);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all);

    const reversed = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000 }));
    expect(reversed.events!.map((event) => event.id)).toEqual(all.map((event) => event.id).reverse());

    const bare = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));
    expect(bare.events![0]!.executionStartedEventDetails!.input).toBeUndefined();
    expect(all[0]!.executionStartedEventDetails!.input).toBe(JSON.stringify({ orderId: 'hist-1', amount: 10 }));
  }, TIMEOUT);
});

describe('DescribeStateMachine and ListStateMachines', () => {
  it('shows each declared machine with its definition, placeholders filled with local function ARNs', async () => {
    const described = await local.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: local.arn('order') }));
    expect(described).toMatchObject({ name: 'xborder-order', type: 'STANDARD', status: 'ACTIVE' });
    expect(described.definition).toContain('"Resource": "arn:aws:lambda:us-east-1:000000000000:function:xborder-reserve-stock"');
    expect(described.definition).not.toContain('${');

    const listed = await local.sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines!.map((machine) => machine.name)).toEqual(
      [
        'xborder-callback',
        'xborder-expiring',
        'xborder-express',
        'xborder-fan-out',
        'xborder-gated',
        'xborder-listing',
        'xborder-nested',
        'xborder-order',
        'xborder-redrivable',
      ],
    );
  }, TIMEOUT);

  it('counts executions and state transitions per state machine', () => {
    const { order } = local.engine.stats;
    expect(order!.started).toBeGreaterThanOrEqual(6);
    expect(order!.succeeded).toBeGreaterThanOrEqual(4);
    // Every state entered plus every retry: the retried run alone enters 5 states and retries once.
    expect(order!.transitions).toBeGreaterThanOrEqual(order!.started * 3);
  }, TIMEOUT);
});
