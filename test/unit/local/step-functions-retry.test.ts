import { lambdaFailure, retryDelaySeconds } from '../../../local/step-functions/task-states';

/** ASL Retry as AWS applies it, and the errors a failing Lambda handler turns into. */
const named = (name: string) => Object.assign(new Error('boom'), { name });

describe('retryDelaySeconds', () => {
  it('backs off from IntervalSeconds by BackoffRate until MaxAttempts', () => {
    const retriers = [{ ErrorEquals: ['Transient'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 }];
    const attempts = [0];
    const delays = [1, 2, 3, 4].map(() => retryDelaySeconds(retriers, named('Transient'), attempts));
    expect(delays).toEqual([2, 6, 18, undefined]);
  });

  it('uses the AWS defaults (1 s, x2, 3 attempts) and caps at MaxDelaySeconds', () => {
    expect([0, 1, 2, 3].map((done) => retryDelaySeconds([{ ErrorEquals: ['States.ALL'] }], named('Any'), [done]))).toEqual([1, 2, 4, undefined]);
    expect(retryDelaySeconds([{ ErrorEquals: ['X'], IntervalSeconds: 10, MaxDelaySeconds: 15 }], named('X'), [2])).toBe(15);
  });

  it('lets the first matching retrier decide, even when it is exhausted', () => {
    const retriers = [
      { ErrorEquals: ['Declined'], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
    ];
    expect(retryDelaySeconds(retriers, named('Declined'), [0, 0])).toBeUndefined();
    expect(retryDelaySeconds(retriers, named('Other'), [0, 0])).toBe(1);
  });

  it('matches States.TaskFailed to everything but States.Timeout, and never retries a terminal error', () => {
    const retriers = [{ ErrorEquals: ['States.TaskFailed'] }];
    expect(retryDelaySeconds(retriers, named('Sandbox.Timedout'), [0])).toBe(1);
    expect(retryDelaySeconds(retriers, named('States.Timeout'), [0])).toBeUndefined();
    const terminal = Object.assign(named('States.Runtime'), { isRetryable: false });
    expect(retryDelaySeconds([{ ErrorEquals: ['States.ALL'] }], terminal, [0])).toBeUndefined();
  });

  it('draws a FULL jitter delay between 0 and the computed interval', () => {
    const delay = retryDelaySeconds([{ ErrorEquals: ['X'], IntervalSeconds: 4, JitterStrategy: 'FULL' }], named('X'), [0]);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(4);
  });
});

describe('lambdaFailure', () => {
  it('reports the thrown error name as Error and the Lambda error JSON as Cause', () => {
    class PaymentDeclinedError extends Error {
      override readonly name = 'PaymentDeclinedError';
    }
    const failure = lambdaFailure(new PaymentDeclinedError('do not honour'));
    expect(failure.name).toBe('PaymentDeclinedError');
    const cause = JSON.parse(failure.message);
    expect(Object.keys(cause)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(cause).toMatchObject({ errorType: 'PaymentDeclinedError', errorMessage: 'do not honour' });
    expect(cause.trace[0]).toBe('PaymentDeclinedError: do not honour');
  });

  it('reports a Lambda timeout without a trace, and a thrown non-Error as Error', () => {
    expect(JSON.parse(lambdaFailure(named('Sandbox.Timedout')).message)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'boom' });
    expect(lambdaFailure('plain string').name).toBe('Error');
  });
});
