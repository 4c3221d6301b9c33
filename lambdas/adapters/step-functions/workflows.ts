import {
  ExecutionAlreadyExists,
  InvalidToken,
  type SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { PaymentAction, PaymentStepResult } from '../../domain/payment-saga';
import type { PayoutWait } from '../../domain/payouts/payout';
import type { PayoutAction } from '../../domain/payouts/payout-saga';
import type { Delivery, RecoverableKind, WorkflowRun, Workflows } from '../../ports/workflows';

/** Step Functions limits an error name to 256 characters and a cause to 32,768. */
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

/** The state machines this adapter drives (ARNs, from the environment: lambdas/shared/payment-deps.ts). */
export interface WorkflowArns {
  readonly payment: string;
  readonly paymentCaptureWindow: string;
  readonly refund: string;
  readonly sagaRecovery: string;
  readonly payout: string;
  readonly payoutWait: string;
}

/** A recovery's execution name: the object's id and when it went in flight (epoch ms). */
export const recoveryName = (id: string, inFlightSince: string): string => `${id}-${Date.parse(inFlightSince)}`;

/**
 * The workflows on Step Functions. Every execution is named by its object's id, so ops find a payment's
 * executions by its id: the payment's first Express run is `pay_…`, later ones `pay_…-capture`,
 * `pay_…-cancel`; its capture window (Standard) is `pay_…`, a recovery `pay_…-<when it went in flight>`. A payout's
 * first run is `po_…`, later ones `po_…-<action>`; its waits (Standard) `po_…-review` and `po_…-confirmation`. A second start of
 * a Standard execution with the same name is a no-op (same name and input while running: the same
 * execution; closed: ExecutionAlreadyExists, which here means "already started").
 */
export class StepFunctionsWorkflows implements Workflows {
  constructor(
    private readonly client: SFNClient,
    private readonly arns: WorkflowArns,
    /** For StartSyncExecution: a client that does not retry (lambdas/shared/clients.ts `sfnSyncClient`). */
    private readonly syncClient: SFNClient = client,
  ) {}

  private async start(stateMachineArn: string, name: string, input: object): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  /**
   * StartSyncExecution, waiting at most until `deadline`. A run that ended answers `finished` or
   * `unfinished`; a call that failed or was given up answers `unknown` (the run may go on: giving up
   * waiting does not stop it).
   */
  private async run(stateMachineArn: string, name: string, input: object, deadline?: number): Promise<WorkflowRun> {
    const abortSignal = deadline === undefined ? undefined : AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    let result;
    try {
      result = await this.syncClient.send(new StartSyncExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }), { abortSignal });
    } catch (error) {
      if (abortSignal?.aborted) return { outcome: 'unknown', reason: 'no answer before the deadline' };
      const name_ = (error as Error).name;
      // The request was answered and refused (bad input, missing state machine): a defect, not an outcome.
      if ((error as { $fault?: string }).$fault === 'client' && name_ !== 'ThrottlingException') throw error;
      return { outcome: 'unknown', reason: name_ };
    }
    if (result.status === 'SUCCEEDED') return { outcome: 'finished', output: JSON.parse(result.output ?? 'null') as unknown };
    return { outcome: 'unfinished', error: result.error ?? result.status ?? 'FAILED' };
  }

  runPayment(input: { paymentId: string; action: PaymentAction; screened?: PaymentStepResult }, deadline?: number): Promise<WorkflowRun> {
    const name = input.action === 'create' ? input.paymentId : `${input.paymentId}-${input.action}`;
    return this.run(this.arns.payment, name, input, deadline);
  }

  runRefund(input: { refundId: string; paymentId: string }, deadline?: number): Promise<WorkflowRun> {
    return this.run(this.arns.refund, input.refundId, input, deadline);
  }

  openCaptureWindow(input: { paymentId: string; captureWindowSeconds: number }): Promise<void> {
    return this.start(this.arns.paymentCaptureWindow, input.paymentId, input);
  }

  runPayout(input: { payoutId: string; action: PayoutAction }, deadline?: number): Promise<WorkflowRun> {
    const name = input.action === 'create' ? input.payoutId : `${input.payoutId}-${input.action}`;
    return this.run(this.arns.payout, name, input, deadline);
  }

  openPayoutWait(input: { payoutId: string; wait: PayoutWait; waitSeconds: number }): Promise<void> {
    return this.start(this.arns.payoutWait, `${input.payoutId}-${input.wait}`, input);
  }

  recover(input: { kind: RecoverableKind; id: string; inFlightSince: string; paymentId?: string }): Promise<void> {
    return this.start(this.arns.sagaRecovery, recoveryName(input.id, input.inFlightSince), { kind: input.kind, id: input.id, ...(input.paymentId === undefined ? {} : { paymentId: input.paymentId }) });
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
