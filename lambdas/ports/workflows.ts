import type { CardChannel } from './card-channel';

/**
 * Starting and steering the sagas that run payments and refunds. Starting is idempotent (one execution
 * per object, named by its id); delivering to a waiting task answers `gone` when nobody waits on that
 * token any more (the task timed out or the execution was re-run: the saga then reads the request from
 * the payment itself).
 */
export type Delivery = 'delivered' | 'gone';

export interface Workflows {
  startPayment(payment: { readonly id: string; readonly merchantId: string }): Promise<void>;
  startRefund(refund: { readonly id: string; readonly paymentId: string; readonly merchantId: string }): Promise<void>;
  resume(taskToken: string, output: Readonly<Record<string, unknown>>): Promise<Delivery>;
  abort(taskToken: string, error: string, cause: string): Promise<Delivery>;
}

export interface CardChannelDirectory {
  /** The channel named (as routed); throws for an unknown one. */
  channel(name: string): CardChannel;
}
