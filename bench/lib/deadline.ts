import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How long a saga may take, read from its ASL: the deadline by which a payment must be terminal when the
 * channel fails some attempts. Pure arithmetic over the definition as deployed, so a change to a Retry
 * policy or a timeout moves the deadline with it.
 *
 * For a Task state and an error name, the retrier that applies is the first whose ErrorEquals names the
 * error (or States.ALL / States.TaskFailed). With `failures` failed attempts (capped at its MaxAttempts),
 * the state takes at most (failures + 1) attempts of `attemptSeconds` each, plus the back-off before each
 * retry: IntervalSeconds × BackoffRate^i, capped by MaxDelaySeconds (FULL jitter only ever shortens it).
 */
interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxAttempts?: number;
  readonly MaxDelaySeconds?: number;
}

interface AslState {
  readonly Type: string;
  readonly TimeoutSeconds?: number;
  readonly Retry?: readonly Retrier[];
}

export interface StateMachineDefinition {
  readonly States: Readonly<Record<string, AslState>>;
}

export const loadDefinition = (file: string, root = join(import.meta.dirname, '..', '..')): StateMachineDefinition =>
  JSON.parse(readFileSync(join(root, file), 'utf8')) as StateMachineDefinition;

export const retrierFor = (state: AslState, error: string): Retrier | undefined =>
  state.Retry?.find((retrier) => retrier.ErrorEquals.includes(error) || retrier.ErrorEquals.includes('States.ALL') || (retrier.ErrorEquals.includes('States.TaskFailed') && error !== 'States.Timeout'));

/** The longest back-off before retry number `retry` (0-based) of a retrier. */
export const maxRetryDelaySeconds = (retrier: Retrier, retry: number): number => {
  const delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retry;
  return retrier.MaxDelaySeconds === undefined ? delay : Math.min(delay, retrier.MaxDelaySeconds);
};

export interface StateBudget {
  readonly state: string;
  readonly attempts: number;
  readonly attemptSeconds: number;
  readonly backoffSeconds: number;
  readonly seconds: number;
}

/** Worst case for one Task state when its first `failures` attempts fail with `error`. */
export const stateBudget = (definition: StateMachineDefinition, stateName: string, options: { error?: string; failures?: number; attemptSeconds?: number } = {}): StateBudget => {
  const state = definition.States[stateName];
  if (!state) throw new Error(`no state '${stateName}'`);
  const attemptSeconds = Math.min(options.attemptSeconds ?? Number.POSITIVE_INFINITY, state.TimeoutSeconds ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(attemptSeconds)) throw new Error(`state '${stateName}' has no TimeoutSeconds and no attempt bound was given`);
  const retrier = options.error === undefined ? undefined : retrierFor(state, options.error);
  const retries = retrier ? Math.min(options.failures ?? 0, retrier.MaxAttempts ?? 3) : 0;
  let backoff = 0;
  for (let retry = 0; retry < retries; retry += 1) backoff += maxRetryDelaySeconds(retrier as Retrier, retry);
  return { state: stateName, attempts: retries + 1, attemptSeconds, backoffSeconds: backoff, seconds: (retries + 1) * attemptSeconds + backoff };
};

export interface PathStep {
  readonly state: string;
  /** The error the faults raise in this state, and how many attempts may fail with it. */
  readonly error?: string;
  readonly failures?: number;
  /** An attempt's bound if shorter than the state's TimeoutSeconds (the channel client's own timeout). */
  readonly attemptSeconds?: number;
}

export interface PathDeadline {
  readonly seconds: number;
  readonly steps: readonly StateBudget[];
}

/** The deadline of a path: the sum of its states' budgets (Choice, Pass, Succeed states take no time). */
export const pathDeadline = (definition: StateMachineDefinition, path: readonly PathStep[]): PathDeadline => {
  const steps = path.map((step) => stateBudget(definition, step.state, step));
  return { seconds: steps.reduce((sum, step) => sum + step.seconds, 0), steps };
};
