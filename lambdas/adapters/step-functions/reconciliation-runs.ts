import { ExecutionAlreadyExists, ListExecutionsCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type ReconciliationRuns, reportRunName, statementRunName } from '../../ports/reconciliation-runs';

/**
 * Reconciliation runs on Step Functions. A Standard execution's name is unique for 90 days: a start with the
 * name of a closed execution is ExecutionAlreadyExists ("already started"); with the name and input of one
 * still running it answers that execution, which counts as started here (a pull during a long run).
 */
export class StepFunctionsReconciliationRuns implements ReconciliationRuns {
  constructor(
    private readonly client: SFNClient,
    private readonly arns: { readonly settlementReconciliation: string; readonly bankStatementReconciliation: string },
  ) {}

  private async start(stateMachineArn: string, name: string, input: object): Promise<boolean> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return true;
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return false;
      throw error;
    }
  }

  startReportRun(channel: string, file: string): Promise<boolean> {
    return this.start(this.arns.settlementReconciliation, reportRunName(channel, file), { channel, file });
  }

  startStatementRun(file: string): Promise<boolean> {
    return this.start(this.arns.bankStatementReconciliation, statementRunName(file), { file });
  }

  async reportRunsInProgress(): Promise<boolean> {
    const running = await this.client.send(new ListExecutionsCommand({ stateMachineArn: this.arns.settlementReconciliation, statusFilter: 'RUNNING', maxResults: 1 }));
    return (running.executions ?? []).length > 0;
  }
}
