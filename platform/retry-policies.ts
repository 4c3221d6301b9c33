/**
 * Every Retry policy the state machines use, named once. ASL has no references, so each Task state's
 * `Comment` names its policies (`Retry: express-platform, express-channel`) and test/infra checks that the
 * state's `Retry` is exactly those policies, in that order, and that every error name in any `ErrorEquals`
 * is either Step Functions' or Lambda's own or the `name` of an error class the code throws.
 *
 * The split that matters (docs/decisions/0011-express-and-standard-workflows.md): an Express run answers a
 * merchant who is waiting, so it retries for seconds and then hands the object over to the recovery; the
 * recovery (Standard) retries for hours; only a definite business failure compensates.
 */
export interface RetryPolicy {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly BackoffRate: number;
  readonly MaxAttempts: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: 'FULL';
}

/** Lambda's own transient failures, as Step Functions names them. */
const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
] as const;

/**
 * Ours: DependencyUnavailable (lambdas/shared/task-handler.ts: DynamoDB throttling or 5xx after the SDK's
 * own retries, a version changed too often) and LedgerContentionError (the ledger's posting loop gave up).
 */
const PLATFORM_TRANSIENT = ['DependencyUnavailable', 'LedgerContentionError', ...LAMBDA_TRANSIENT] as const;

export const retryPolicies = {
  /** Express: a platform dependency hiccup; at most ~7 s, then the run hands over to the recovery. */
  'express-platform': {
    ErrorEquals: [...PLATFORM_TRANSIENT, 'States.Timeout'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 3,
    MaxDelaySeconds: 4,
    JitterStrategy: 'FULL',
  },
  /** Express: the card channel did not answer, or answered "try again"; the same request, same idempotency key. */
  'express-channel': {
    ErrorEquals: ['ChannelUnavailable', 'ChannelTimeout'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 2,
    MaxDelaySeconds: 2,
    JitterStrategy: 'FULL',
  },
  /** Standard: a step of a long workflow; minutes. */
  'standard-platform': {
    ErrorEquals: [...PLATFORM_TRANSIENT, 'States.Timeout'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 10,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  },
  /**
   * Standard: the other region's replica does not show a home marker's fence yet (global-table replication
   * lag, usually about a second): ask again for a few minutes (docs/decisions/0024).
   */
  'standard-replication': {
    ErrorEquals: ['MarkerNotReplicated'],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxAttempts: 10,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
  /**
   * Standard: a merchant balance item changed between the forced move's balance repair reading it and correcting it
   * (compare-and-set, decision 0039): read and correct again; the ledger is fenced, so this settles at once.
   */
  'standard-balance-repair': {
    ErrorEquals: ['BalanceRepairConflict'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 5,
    MaxDelaySeconds: 10,
    JitterStrategy: 'FULL',
  },
  /**
   * Standard: the forced move's balance repair found a position of the merchant's journal numbered with a gap
   * (JournalIncomplete, decision 0039 amended 2026-12-07): replication may still deliver the missing item, so read
   * again for a few minutes (up to ~4 min with full jitter) before the move is called off for an operator.
   */
  'standard-journal-replication': {
    ErrorEquals: ['JournalIncomplete'],
    IntervalSeconds: 5,
    BackoffRate: 2,
    MaxAttempts: 6,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
  /** Standard: the invocation of a task that then waits for its token (never States.Timeout: that is the wait ending). */
  'standard-callback': {
    ErrorEquals: ['DependencyUnavailable', ...LAMBDA_TRANSIENT],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 6,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  },
  /**
   * Express: a payout rail did not take the request, did not answer, or answered without saying whether it
   * took the payment; the same step again, which asks the rail before sending again (never a release).
   */
  'express-rail': {
    ErrorEquals: ['RailUnavailable', 'RailTimeout', 'RailOutcomeUnknown'],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 2,
    MaxDelaySeconds: 2,
    JitterStrategy: 'FULL',
  },
  /**
   * Standard: run an object's Express workflow until it finishes: 30 s doubling to 30 min, 20 attempts
   * (up to ~7.5 h, ~4 h on average with full jitter). Every attempt resumes from what the object records.
   */
  recovery: {
    ErrorEquals: ['States.ALL'],
    IntervalSeconds: 30,
    BackoffRate: 2,
    MaxAttempts: 20,
    MaxDelaySeconds: 1800,
    JitterStrategy: 'FULL',
  },
} as const satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof retryPolicies;

/** Error names that are Step Functions' or Lambda's own, not thrown by our code. */
export const isServiceErrorName = (name: string): boolean => name.startsWith('States.') || name.startsWith('Lambda.') || name.startsWith('Sandbox.');

/** The policy names a state's Comment declares (`Retry: a, b`), in order; empty when it declares none. */
export const declaredRetryPolicies = (comment: unknown): string[] => {
  const match = typeof comment === 'string' ? /Retry: ([a-z-]+(?:, [a-z-]+)*)/.exec(comment) : null;
  return match ? (match[1] as string).split(', ') : [];
};
