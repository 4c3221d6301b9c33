/**
 * Completing a Step Functions task token (SendTaskSuccess / SendTaskFailure). A token whose task already
 * closed, or that a restarted execution replaced, is `stale`: the caller has nothing more to do (the
 * newer wait finds the signal itself).
 */
export type CompletionOutcome = 'completed' | 'stale';

export interface TaskCompletion {
  succeed(token: string, output: Readonly<Record<string, unknown>>): Promise<CompletionOutcome>;
  fail(token: string, error: string, cause: string): Promise<CompletionOutcome>;
}

/** Starting a payout's saga: one execution per payout, named by its id (idempotent). */
export interface PayoutWorkflowInput {
  readonly payoutId: string;
  readonly merchantId: string;
  readonly converts: boolean;
  readonly returnWindowSeconds: number;
}

export interface PayoutWorkflow {
  start(input: PayoutWorkflowInput): Promise<void>;
}
