import {
  ExecutionAlreadyExists,
  InvalidToken,
  type SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Delivery, PayoutWorkflowInput, Workflows } from '../../ports/workflows';

/** Step Functions limits an error name to 256 characters and a cause to 32,768. */
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

/**
 * The sagas on Step Functions. Executions are named by the payment, refund or payout id: ops find any payment's
 * execution in the console by its id, and a second start of the same object is a no-op (Standard
 * workflows: same name and input while running succeeds; a finished one answers ExecutionAlreadyExists,
 * which here means "already started").
 */
export class StepFunctionsWorkflows implements Workflows {
  constructor(
    private readonly client: SFNClient,
    private readonly arns: { readonly payment: string; readonly refund: string; readonly payout: string },
  ) {}

  private async start(stateMachineArn: string, name: string, input: object): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  startPayment(payment: { id: string; merchantId: string }): Promise<void> {
    return this.start(this.arns.payment, payment.id, { paymentId: payment.id, merchantId: payment.merchantId });
  }

  startRefund(refund: { id: string; paymentId: string; merchantId: string }): Promise<void> {
    return this.start(this.arns.refund, refund.id, { refundId: refund.id, paymentId: refund.paymentId, merchantId: refund.merchantId });
  }

  startPayout(input: PayoutWorkflowInput): Promise<void> {
    return this.start(this.arns.payout, input.payoutId, input);
  }

  private async deliver(send: () => Promise<unknown>): Promise<Delivery> {
    try {
      await send();
      return 'delivered';
    } catch (error) {
      if (error instanceof TaskDoesNotExist || error instanceof TaskTimedOut || error instanceof InvalidToken) return 'gone';
      throw error;
    }
  }

  resume(taskToken: string, output: Record<string, unknown>): Promise<Delivery> {
    return this.deliver(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  abort(taskToken: string, error: string, cause: string): Promise<Delivery> {
    return this.deliver(() => this.client.send(new SendTaskFailureCommand({ taskToken, error: clip(error, 256), cause: clip(cause, 32_768) })));
  }
}
