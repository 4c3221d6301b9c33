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
    const found: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    let scanned = 0;
    try {
      do {
        const page = await this.client.send(
          new ListExecutionsCommand({ stateMachineArn: this.arnOf(stateMachine), maxResults: Math.min(1000, maxScanned - scanned), nextToken }),
        );
        for (const execution of page.executions ?? []) {
          scanned += 1;
          const startDate = execution.startDate ?? new Date(0);
          // Executions are listed newest first: one started before the object means none older is its own.
          if (startDate < since) return { available: true, executions: found, truncated: false };
          const executionName = execution.name ?? '';
          if (executionName === name || executionName.startsWith(`${name}-`)) {
            found.push({ executionArn: execution.executionArn ?? '', name: executionName, status: execution.status ?? 'UNKNOWN', startDate, stopDate: execution.stopDate });
          }
        }
        nextToken = page.nextToken;
      } while (nextToken && scanned < maxScanned);
    } catch (error) {
      if ((error as Error).name === NOT_FOR_EXPRESS) {
        return { available: false, reason: 'Express workflow: Step Functions keeps no history of it; its steps are in its CloudWatch Logs log group' };
      }
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
    const found: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    let scanned = 0;
    try {
      do {
        const page = await this.client.send(
          new ListExecutionsCommand({ stateMachineArn: this.arnOf(stateMachine), statusFilter: status, maxResults: Math.min(1000, maxScanned - scanned), nextToken }),
        );
        for (const execution of page.executions ?? []) {
          scanned += 1;
          const startDate = execution.startDate ?? new Date(0);
          if (startDate < since.startedSince) return { available: true, executions: found, truncated: false };
          if (execution.stopDate && execution.stopDate >= since.stoppedSince) {
            found.push({ executionArn: execution.executionArn ?? '', name: execution.name ?? '', status: execution.status ?? status, startDate, stopDate: execution.stopDate });
          }
        }
        nextToken = page.nextToken;
      } while (nextToken && scanned < maxScanned);
    } catch (error) {
      if ((error as Error).name === NOT_FOR_EXPRESS) return { available: false, reason: 'Express workflow: Step Functions does not list its executions' };
      throw error;
    }
    return { available: true, executions: found, truncated: Boolean(nextToken) };
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
