import { loadDefinition, maxRetryDelaySeconds, pathDeadline, retrierFor, stateBudget } from '../../../bench/lib/deadline';
import { channelFaultDeadlines } from '../../../bench/drills/channel-faults';

/** Deadlines are read from the ASL as deployed: attempts × attempt time + the longest back-offs. */
const payment = loadDefinition('statemachines/payment.asl.json');

it('picks the retrier that names the error, else none', () => {
  const authorize = payment.States.Authorize as Parameters<typeof retrierFor>[0];
  expect(retrierFor(authorize, 'ChannelTimeout')?.MaxAttempts).toBe(2);
  expect(retrierFor(authorize, 'DependencyUnavailable')?.MaxAttempts).toBe(3);
  expect(retrierFor(authorize, 'CardDeclined')).toBeUndefined();
});

it('caps back-off at MaxDelaySeconds', () => {
  const retrier = { ErrorEquals: ['X'], IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 20 };
  expect([0, 1, 2, 3, 4].map((retry) => maxRetryDelaySeconds(retrier, retry))).toEqual([2, 4, 8, 16, 20]);
});

it('budgets a state: attempts bounded by its timeout or the channel client, plus back-off', () => {
  expect(stateBudget(payment, 'Authorize', { error: 'ChannelTimeout', failures: 2, attemptSeconds: 3 })).toEqual({
    state: 'Authorize',
    attempts: 3,
    attemptSeconds: 3,
    backoffSeconds: 1 + 2,
    seconds: 3 * 3 + 3,
  });
  // More failures than the retrier allows: the state ends (caught) after MaxAttempts retries.
  expect(stateBudget(payment, 'Authorize', { error: 'ChannelTimeout', failures: 10, attemptSeconds: 3 }).attempts).toBe(3);
  expect(stateBudget(payment, 'Screen').seconds).toBe(10);
  expect(pathDeadline(payment, [{ state: 'Screen' }, { state: 'PostToLedger' }]).seconds).toBe(30);
});

it('gives the channel-fault drill deadlines that follow the ASL: three runs of the workflow and the recovery\'s first pause', () => {
  const deadlines = channelFaultDeadlines(2_000);
  expect(deadlines.channel_attempt_seconds).toBe(3);
  // One run: Screen 10 + Authorize, Capture and ReleaseAfterFailure (3 × 3 + 3 each) + PostToLedger 20.
  const run = 10 + 3 * 12 + 20;
  expect(deadlines.automatic_seconds).toBe(3 * run + 30);
  expect(deadlines.capture_seconds).toBe(deadlines.automatic_seconds);
});
