import { type SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CompletionOutcome, PayoutWorkflow, PayoutWorkflowInput, TaskCompletion } from '../../ports/task-completion';

/**
 * Step Functions behind the task-token and workflow ports (the SDK's client: in AWS the service, locally
 * local/step-functions through AWS_ENDPOINT_URL_SFN).
 */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Step Functions limits an error name to 256 characters and a cause to 32,768. */
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

export class StepFunctionsTaskCompletion implements TaskCompletion {
  constructor(private readonly client: SFNClient) {}

  async succeed(token: string, output: Readonly<Record<string, unknown>>): Promise<CompletionOutcome> {
    return this.send(() => this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })));
  }

  async fail(token: string, error: string, cause: string): Promise<CompletionOutcome> {
    return this.send(() => this.client.send(new SendTaskFailureCommand({ taskToken: token, error: clip(error, 256), cause: clip(cause, 32_768) })));
  }

  private async send(call: () => Promise<unknown>): Promise<CompletionOutcome> {
    try {
      await call();
      return 'completed';
    } catch (error) {
      if (error instanceof Error && STALE_TOKEN_ERRORS.has(error.name)) return 'stale';
      throw error;
    }
  }
}

/** One execution per payout, named by its id: starting it again is a no-op (same name and input). */
export class StepFunctionsPayoutWorkflow implements PayoutWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: PayoutWorkflowInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.payoutId, input: JSON.stringify(input) }));
    } catch (error) {
      // A closed execution of this payout: it already ran (the name is the payout id, the input derived from it).
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}
