import { STANDARD_STATE_MACHINES } from '../../../platform/state-machines';
import { executionPath } from '../../domain/execution-path';
import { ENDED_STATUSES, type EndedStatus, type WorkflowHistory } from '../../ports/workflow-history';
import { type TracedExecution, traceExecution } from './trace-payment-executions';

/** The platform's Standard state machines (platform/state-machines.ts): the ones whose failed executions operators list and redrive. */
export const REDRIVABLE_STATE_MACHINES = STANDARD_STATE_MACHINES;
export type RedrivableStateMachine = (typeof REDRIVABLE_STATE_MACHINES)[number];

/** Step Functions redrives an execution up to 14 days after it stopped. */
export const REDRIVE_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
/**
 * Executions that started longer ago than this are not read. The platform's longest Standard runs are a
 * payout's review wait (7 days, domain/payouts/payout-saga.ts) and a capture window (at most the
 * authorization's 7 days): 30 days is a margin over both.
 */
const LONGEST_RUN_MS = 30 * 24 * 60 * 60 * 1000;
/** Executions read at most per state machine and status, newest first. */
export const MAX_SCANNED = 500;

export interface FailedExecution extends TracedExecution {
  /** Until when Step Functions accepts a redrive. */
  readonly redrivableUntil: string;
}

/**
 * Operators: the Standard workflow executions that ended short of success and can still be redriven.
 * 1. For each Standard state machine (or the one asked) and each ending (FAILED, TIMED_OUT, ABORTED, or the
 *    one asked), list the executions that stopped within the redrive window (ListExecutions, newest first).
 * 2. Read the newest `limit` ones' histories into their paths (domain/execution-path.ts): where each
 *    stopped and the error it raised (the name, never the cause).
 * An execution redriven and running again is not listed; redriven and failed again, it is, with its count.
 */
export const listFailedExecutions = async (
  deps: { readonly history: WorkflowHistory; readonly now: () => Date },
  query: { readonly stateMachine?: RedrivableStateMachine; readonly status?: EndedStatus; readonly limit: number },
): Promise<{ readonly executions: readonly FailedExecution[]; readonly hasMore: boolean; readonly truncated: boolean }> => {
  const now = deps.now().getTime();
  const since = { stoppedSince: new Date(now - REDRIVE_WINDOW_MS), startedSince: new Date(now - REDRIVE_WINDOW_MS - LONGEST_RUN_MS) };
  const machines = query.stateMachine ? [query.stateMachine] : REDRIVABLE_STATE_MACHINES;
  const statuses = query.status ? [query.status] : ENDED_STATUSES;
  const listings = await Promise.all(
    machines.flatMap((stateMachine) => statuses.map(async (status) => ({ stateMachine, listing: await deps.history.listEnded(stateMachine, status, since, MAX_SCANNED) }))),
  );
  const ended = listings
    .flatMap(({ stateMachine, listing }) => (listing.available ? listing.executions.map((execution) => ({ stateMachine, execution })) : []))
    .sort((a, b) => (b.execution.stopDate?.getTime() ?? 0) - (a.execution.stopDate?.getTime() ?? 0));
  const shown = ended.slice(0, query.limit);
  const executions = await Promise.all(
    shown.map(async ({ stateMachine, execution }): Promise<FailedExecution> => {
      // An ended execution always has a stop date (the start date stands in should Step Functions omit it).
      const stopDate = execution.stopDate ?? execution.startDate;
      return {
        ...(await traceExecution(deps.history, stateMachine, { ...execution, stopDate })),
        redrivableUntil: new Date(stopDate.getTime() + REDRIVE_WINDOW_MS).toISOString(),
      };
    }),
  );
  return { executions, hasMore: ended.length > shown.length, truncated: listings.some(({ listing }) => listing.available && listing.truncated) };
};

/**
 * The Standard state machine whose execution an ARN names, among this region's (`arnOf`: key → state
 * machine ARN), or undefined: what an operator may ask to redrive, checked before Step Functions is asked.
 */
export const redrivableStateMachineOf = (executionArn: string, arnOf: (stateMachine: RedrivableStateMachine) => string): RedrivableStateMachine | undefined =>
  REDRIVABLE_STATE_MACHINES.find((machine) => {
    const prefix = `${arnOf(machine).replace(':stateMachine:', ':execution:')}:`;
    return executionArn.startsWith(prefix) && /^[A-Za-z0-9_.:-]{1,160}$/.test(executionArn.slice(prefix.length));
  });

/**
 * Operators: run a failed Standard execution again from the state that did not finish (RedriveExecution).
 * 1. Read its path (ResourceNotFoundError when unknown): the error it ended with, for the audit entry.
 * 2. Redrive it; Step Functions refuses what it will not redrive (ExecutionNotRedrivableError, 409: not
 *    ended, stopped more than 14 days ago, or running again already), so a second click changes nothing.
 */
export const redriveExecution = async (
  deps: { readonly history: WorkflowHistory },
  command: { readonly executionArn: string },
): Promise<{ readonly error: string | null; readonly failedState: string | null; readonly redriveDate: string }> => {
  const before = executionPath(await deps.history.history(command.executionArn));
  const { redriveDate } = await deps.history.redrive(command.executionArn);
  return { error: before.executionError, failedState: before.steps.at(-1)?.state ?? null, redriveDate: redriveDate.toISOString() };
};
