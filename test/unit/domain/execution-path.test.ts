import { type PathEvent, executionPath } from '../../../lambdas/domain/execution-path';

/** The path an execution took, folded from its history events (what the ops console draws). */
const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, second));
const event = (second: number, type: string, details: Partial<PathEvent> = {}): PathEvent => ({ type, timestamp: at(second), ...details });

describe('executionPath', () => {
  it('lists each state entered, in order, with when it was left', () => {
    // Prepare
    const events = [
      event(0, 'ExecutionStarted'),
      event(0, 'ChoiceStateEntered', { stateName: 'Action' }),
      event(0, 'ChoiceStateExited', { stateName: 'Action' }),
      event(1, 'TaskStateEntered', { stateName: 'Screen' }),
      event(1, 'LambdaFunctionScheduled'),
      event(2, 'LambdaFunctionSucceeded'),
      event(2, 'TaskStateExited', { stateName: 'Screen' }),
      event(3, 'ExecutionSucceeded'),
    ];

    // Act
    const path = executionPath(events);

    // Assess
    expect(path).toEqual({
      steps: [
        { state: 'Action', enteredAt: at(0).toISOString(), exitedAt: at(0).toISOString(), errors: [] },
        { state: 'Screen', enteredAt: at(1).toISOString(), exitedAt: at(2).toISOString(), errors: [] },
      ],
      executionError: null,
    });
  });

  it('keeps every error a retried state raised, and the one a Catch took it away with', () => {
    const path = executionPath([
      event(0, 'TaskStateEntered', { stateName: 'Authorize' }),
      event(1, 'LambdaFunctionFailed', { error: 'ChannelUnavailableError' }),
      event(2, 'LambdaFunctionFailed', { error: 'ChannelUnavailableError' }),
      event(3, 'LambdaFunctionFailed', { error: 'CardDeclinedError' }),
      event(3, 'TaskStateExited', { stateName: 'Authorize' }),
      event(4, 'TaskStateEntered', { stateName: 'ReleaseAfterFailure' }),
      event(5, 'TaskStateExited', { stateName: 'ReleaseAfterFailure' }),
    ]);

    expect(path.steps.map((step) => [step.state, step.errors, step.exitedAt !== null])).toEqual([
      ['Authorize', ['ChannelUnavailableError', 'ChannelUnavailableError', 'CardDeclinedError'], true],
      ['ReleaseAfterFailure', [], true],
    ]);
    expect(path.executionError).toBeNull();
  });

  it("names the execution's own failure and leaves the state it failed in open", () => {
    const path = executionPath([
      event(0, 'TaskStateEntered', { stateName: 'Capture' }),
      event(1, 'TaskFailed', { error: 'States.Timeout' }),
      event(1, 'ExecutionFailed', { error: 'States.Timeout' }),
    ]);

    expect(path.steps).toEqual([{ state: 'Capture', enteredAt: at(0).toISOString(), exitedAt: null, errors: ['States.Timeout'] }]);
    expect(path.executionError).toBe('States.Timeout');
  });

  it('enters a state again when the path loops back to it', () => {
    const path = executionPath([
      event(0, 'TaskStateEntered', { stateName: 'Attempt' }),
      event(1, 'TaskStateExited', { stateName: 'Attempt' }),
      event(2, 'WaitStateEntered', { stateName: 'Pause' }),
      event(3, 'WaitStateExited', { stateName: 'Pause' }),
      event(4, 'TaskStateEntered', { stateName: 'Attempt' }),
      event(5, 'ExecutionAborted'),
    ]);

    expect(path.steps.map((step) => `${step.state}:${step.exitedAt ? 'left' : 'open'}`)).toEqual(['Attempt:left', 'Pause:left', 'Attempt:open']);
    expect(path.executionError).toBe('aborted');
  });
});
