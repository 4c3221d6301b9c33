import type { CardChannel } from './card-channel';

/**
 * Starting and steering the sagas that run payments, refunds and payouts. Starting is idempotent (one
 * execution per object, named by its id); delivering to a waiting task answers `gone` when nobody waits on
 * that token any more (the task timed out or the execution was re-run: the saga then reads the request
 * from the object itself, or finds the stored signal).
 */
export type Delivery = 'delivered' | 'gone';

/** Answering a task that waits for its token (`.waitForTaskToken`). */
export interface TaskTokens {
  resume(taskToken: string, output: Readonly<Record<string, unknown>>): Promise<Delivery>;
  abort(taskToken: string, error: string, cause: string): Promise<Delivery>;
}

/** What the payout saga starts from (its execution is named by the payout id). */
export interface PayoutWorkflowInput {
  readonly payoutId: string;
  readonly merchantId: string;
  readonly converts: boolean;
  readonly returnWindowSeconds: number;
}

export interface Workflows extends TaskTokens {
  startPayment(payment: { readonly id: string; readonly merchantId: string }): Promise<void>;
  startRefund(refund: { readonly id: string; readonly paymentId: string; readonly merchantId: string }): Promise<void>;
  startPayout(input: PayoutWorkflowInput): Promise<void>;
}

export interface CardChannelDirectory {
  /** The channel named (as routed); throws for an unknown one. */
  channel(name: string): CardChannel;
}
