/**
 * What Step Functions remembers of the workflows' executions (ListExecutions, GetExecutionHistory), for
 * operators: the same API in AWS and locally (local/step-functions serves it). In AWS, Express state machines
 * answer neither call (their history is in CloudWatch Logs): such a machine is reported `unavailable`.
 */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
}

/** One history event, reduced to what the path needs: never its input or output (they may hold anything). */
export interface HistoryEvent {
  readonly id: number;
  readonly type: string;
  readonly timestamp: Date;
  /** The state entered or exited, for State* events. */
  readonly stateName?: string;
  /** Error name of a failure, retry or catch; never the cause. */
  readonly error?: string;
}

export type ExecutionListing =
  | { readonly available: true; readonly executions: readonly ExecutionSummary[]; readonly truncated: boolean }
  | { readonly available: false; readonly reason: string };

export interface WorkflowHistory {
  /**
   * The state machine's executions whose name is `name` or starts with `name-`, started at or after `since`
   * (newest first, read until one starts before it or `maxScanned` were read: `truncated`).
   */
  listExecutionsOf(stateMachine: string, name: string, since: Date, maxScanned: number): Promise<ExecutionListing>;
  history(executionArn: string): Promise<readonly HistoryEvent[]>;
  /**
   * The Standard state machine's executions that ended with `status` and stopped at or after `stoppedSince`,
   * newest first (read until one started before `startedSince` or `maxScanned` were read: `truncated`).
   */
  listEnded(stateMachine: string, status: EndedStatus, since: { readonly stoppedSince: Date; readonly startedSince: Date }, maxScanned: number): Promise<ExecutionListing>;
  /**
   * RedriveExecution: runs a failed, timed-out or aborted Standard execution again from the state that did
   * not finish. ExecutionNotRedrivableError when Step Functions refuses; ResourceNotFoundError when unknown.
   */
  redrive(executionArn: string): Promise<{ readonly redriveDate: Date }>;
}

/** How a Standard execution can end short of success: the statuses RedriveExecution accepts. */
export const ENDED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];
