import { loadDefinition, maxRetryDelaySeconds, pathDeadline, retrierFor, stateBudget } from '../../../bench/lib/deadline';
import { channelFaultDeadlines } from '../../../bench/drills/channel-faults';

/** Deadlines are read from the ASL as deployed: attempts × attempt time + the longest back-offs. */
const payment = loadDefinition('statemachines/payment.asl.json');

it('picks the retrier that names the error, else the catch-all', () => {
  const authorize = payment.States.Authorize as Parameters<typeof retrierFor>[0];
  expect(retrierFor(authorize, 'ChannelTimeout')?.MaxAttempts).toBe(4);
  expect(retrierFor(authorize, 'DependencyUnavailable')?.MaxAttempts).toBe(6);
  expect(retrierFor(authorize, 'CardDeclined')).toBeUndefined();
  expect(retrierFor(payment.States.VoidAuthorization as Parameters<typeof retrierFor>[0], 'ChannelUnavailable')?.MaxAttempts).toBe(8);
});

it('caps back-off at MaxDelaySeconds', () => {
  const retrier = { ErrorEquals: ['X'], IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 20 };
  expect([0, 1, 2, 3, 4].map((retry) => maxRetryDelaySeconds(retrier, retry))).toEqual([2, 4, 8, 16, 20]);
});

it('budgets a state: attempts bounded by its timeout or the channel client, plus back-off', () => {
  expect(stateBudget(payment, 'Authorize', { error: 'ChannelTimeout', failures: 4, attemptSeconds: 3 })).toEqual({
    state: 'Authorize',
    attempts: 5,
    attemptSeconds: 3,
    backoffSeconds: 2 + 4 + 8 + 16,
    seconds: 5 * 3 + 30,
  });
  // More failures than the retrier allows: the state ends (caught) after MaxAttempts retries.
  expect(stateBudget(payment, 'Authorize', { error: 'ChannelTimeout', failures: 10, attemptSeconds: 3 }).attempts).toBe(5);
  expect(stateBudget(payment, 'Screen').seconds).toBe(15);
  expect(pathDeadline(payment, [{ state: 'Screen' }, { state: 'Route' }]).seconds).toBe(25);
});

it('gives the channel-fault drill deadlines that follow the ASL', () => {
  const deadlines = channelFaultDeadlines(2_000);
  expect(deadlines.channel_attempt_seconds).toBe(3);
  // Screen 15 + Route 10 + Authorize (5 × 3 + 30)
  expect(deadlines.authorization_seconds).toBe(15 + 10 + 45);
  expect(deadlines.automatic_seconds).toBe(deadlines.authorization_seconds + deadlines.capture_seconds);
});
