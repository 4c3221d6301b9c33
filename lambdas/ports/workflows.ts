import type { PaymentAction, PaymentStepResult } from '../domain/payment-saga';
import type { PayoutWait } from '../domain/payouts/payout';
import type { PayoutAction } from '../domain/payouts/payout-saga';
import type { CardChannel } from './card-channel';

/**
 * The workflows that move payments, refunds and payouts (docs/decisions/0011-express-and-standard-workflows.md).
 *
 * The seconds of work run as Express workflows started synchronously: the caller (an API handler) waits
 * for the run and answers its merchant with the object as the run left it. What needs days or exactly-once
 * durability runs as Standard workflows named by the object's id: the capture window of a manual payment,
 * a payout's review and rail-confirmation waits, and the recovery that finishes any object a run left
 * unfinished.
 *
 * Delivering to a waiting task answers `gone` when nobody waits on that token any more (the task timed out
 * or its execution ran again: the waiting task then reads what happened from the object itself).
 */
export type Delivery = 'delivered' | 'gone';

/** Answering a task that waits for its token (`.waitForTaskToken`). */
export interface TaskTokens {
  resume(taskToken: string, output: Readonly<Record<string, unknown>>): Promise<Delivery>;
  abort(taskToken: string, error: string, cause: string): Promise<Delivery>;
}

/**
 * How a synchronous run ended:
 *   finished    it succeeded; `output` is what its last step answered (the object and what it needs next)
 *   unfinished  it ended (failed, timed out) with the object still in flight: a recovery must finish it
 *   unknown     the call failed or was given up before an answer: the run may still be going, and the
 *               sweeper recovers the object if nothing finishes it
 */
export type WorkflowRun =
  | { readonly outcome: 'finished'; readonly output: unknown }
  | { readonly outcome: 'unfinished'; readonly error: string }
  | { readonly outcome: 'unknown'; readonly reason: string };

/** The objects a recovery can finish. */
export type RecoverableKind = 'payment' | 'refund' | 'payout';

export interface Workflows extends TaskTokens {
  /** Run the payment workflow (Express, synchronous) for an action; give up waiting at `deadline` (epoch ms). */
  /** `screened`: the create's answer for the payment it just stored screened (decision 0055), which Screen passes on without a read. */
  runPayment(input: { readonly paymentId: string; readonly action: PaymentAction; readonly screened?: PaymentStepResult }, deadline?: number): Promise<WorkflowRun>;
  /** Run the refund workflow (Express, synchronous). */
  runRefund(input: { readonly refundId: string; readonly paymentId: string }, deadline?: number): Promise<WorkflowRun>;
  /** Run the payout workflow (Express, synchronous) for an action. */
  runPayout(input: { readonly payoutId: string; readonly action: PayoutAction }, deadline?: number): Promise<WorkflowRun>;
  /** Start a payout's durable wait (Standard, named by its id and the wait: one transition while it waits); a second start is a no-op. */
  openPayoutWait(input: { readonly payoutId: string; readonly wait: PayoutWait; readonly waitSeconds: number }): Promise<void>;
  /** Start the capture window of an authorized manual payment (Standard, named by its id); a second start is a no-op. */
  openCaptureWindow(input: { readonly paymentId: string; readonly captureWindowSeconds: number }): Promise<void>;
  /**
   * Start the recovery of an object a run left unfinished (Standard, named by its id and the moment it went
   * in flight, so every start for the same stretch in flight is the same execution, however far the
   * recovery has moved the object meanwhile). `paymentId`: the payment a payment's or refund's recovery
   * flags when it gives up.
   */
  recover(input: { readonly kind: RecoverableKind; readonly id: string; readonly inFlightSince: string; readonly paymentId?: string }): Promise<void>;
}

export interface CardChannelDirectory {
  /** The channel named (as routed); throws for an unknown one. */
  channel(name: string): CardChannel;
}
