import { GetExecutionHistoryCommand, type HistoryEvent as SfnHistoryEvent, ListExecutionsCommand, RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionNotRedrivableError, ResourceNotFoundError } from '../../domain/errors';
import type { EndedStatus, ExecutionListing, ExecutionSummary, HistoryEvent, WorkflowHistory } from '../../ports/workflow-history';

/** Step Functions' answer when a call does not apply to an Express state machine. */
const NOT_FOR_EXPRESS = 'StateMachineTypeNotSupported';

/** The error name each failure-like event carries in its details. */
const errorOf = (event: SfnHistoryEvent): string | undefined => {
  for (const details of [
    event.executionFailedEventDetails,
    event.lambdaFunctionFailedEventDetails,
    event.lambdaFunctionTimedOutEventDetails,
    event.taskFailedEventDetails,
    event.taskTimedOutEventDetails,
    event.executionTimedOutEventDetails,
    event.executionAbortedEventDetails,
  ]) {
    if (details?.error) return details.error;
  }
  return undefined;
};

/**
 * WorkflowHistory on the Step Functions API through the AWS SDK. Execution names start with their
 * object's id (adapters/step-functions/workflows.ts); ListExecutions has no name filter, so executions are
 * read newest first until one started before the object existed.
 */
export class StepFunctionsWorkflowHistory implements WorkflowHistory {
  constructor(
    private readonly client: SFNClient,
    /** State machine key → ARN. */
    private readonly arnOf: (stateMachine: string) => string,
  ) {}

  async listExecutionsOf(stateMachine: string, name: string, since: Date, maxScanned: number): Promise<ExecutionListing> {
    return this.scan(
      { stateMachine, startedSince: since, maxScanned, expressReason: 'Express workflow: Step Functions keeps no history of it; its steps are in its CloudWatch Logs log group' },
      (execution) => execution.name === name || execution.name.startsWith(`${name}-`),
    );
  }

  /**
   * ListExecutions newest first (optionally one status), keeping what `keep` accepts, until an execution started
   * before `startedSince` (none older can match), the list ends, or `maxScanned` were read (then `truncated`).
   * An Express state machine, which Step Functions does not list, answers `available: false` with the reason.
   */
  private async scan(
    options: { readonly stateMachine: string; readonly status?: EndedStatus; readonly startedSince: Date; readonly maxScanned: number; readonly expressReason: string },
    keep: (execution: ExecutionSummary) => boolean,
  ): Promise<ExecutionListing> {
    const found: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    let scanned = 0;
    try {
      do {
        const page = await this.client.send(
          new ListExecutionsCommand({
            stateMachineArn: this.arnOf(options.stateMachine),
            ...(options.status ? { statusFilter: options.status } : {}),
            maxResults: Math.min(1000, options.maxScanned - scanned),
            nextToken,
          }),
        );
        for (const execution of page.executions ?? []) {
          scanned += 1;
          const startDate = execution.startDate ?? new Date(0);
          if (startDate < options.startedSince) return { available: true, executions: found, truncated: false };
          const summary: ExecutionSummary = {
            executionArn: execution.executionArn ?? '',
            name: execution.name ?? '',
            status: execution.status ?? options.status ?? 'UNKNOWN',
            startDate,
            stopDate: execution.stopDate,
          };
          if (keep(summary)) found.push(summary);
        }
        nextToken = page.nextToken;
      } while (nextToken && scanned < options.maxScanned);
    } catch (error) {
      if ((error as Error).name === NOT_FOR_EXPRESS) return { available: false, reason: options.expressReason };
      throw error;
    }
    return { available: true, executions: found, truncated: Boolean(nextToken) };
  }

  async history(executionArn: string): Promise<readonly HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client
        .send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: false }))
        .catch((error: unknown) => {
          if ((error as Error).name === 'ExecutionDoesNotExist') throw new ResourceNotFoundError('workflow execution', executionArn);
          throw error;
        });
      for (const event of page.events ?? []) {
        const stateName = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
        const error = errorOf(event);
        events.push({
          id: event.id ?? events.length + 1,
          type: event.type ?? 'Unknown',
          timestamp: event.timestamp ?? new Date(0),
          ...(stateName ? { stateName } : {}),
          ...(error ? { error } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async listEnded(stateMachine: string, status: EndedStatus, since: { stoppedSince: Date; startedSince: Date }, maxScanned: number): Promise<ExecutionListing> {
    return this.scan(
      { stateMachine, status, startedSince: since.startedSince, maxScanned, expressReason: 'Express workflow: Step Functions does not list its executions' },
      (execution) => execution.stopDate !== undefined && execution.stopDate >= since.stoppedSince,
    );
  }

  async redrive(executionArn: string): Promise<{ redriveDate: Date }> {
    try {
      const answer = await this.client.send(new RedriveExecutionCommand({ executionArn }));
      return { redriveDate: answer.redriveDate ?? new Date() };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ExecutionDoesNotExist') throw new ResourceNotFoundError('workflow execution', executionArn);
      if (name === 'ExecutionNotRedrivable') throw new ExecutionNotRedrivableError(executionArn, (error as Error).message);
      throw error;
    }
  }
}
