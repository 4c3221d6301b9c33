import type { ListWindow } from '../domain/list-window';
import type { Payment } from '../domain/payment';
import type { PaymentEvent, Transition } from '../domain/payment-lifecycle';
import type { Refund } from '../domain/refund';

export interface PaymentPage {
  readonly payments: readonly Payment[];
  readonly hasMore: boolean;
}

export interface RefundPage {
  readonly refunds: readonly Refund[];
  readonly hasMore: boolean;
}

/** A task token a workflow waits on for a payment (the capture window). */
export interface WaitingTask {
  readonly purpose: 'capture';
  readonly token: string;
}

export interface PaymentRepository {
  /** Stores a new payment unless the id exists; either way returns what is stored. */
  insert(payment: Payment): Promise<{ readonly created: boolean; readonly payment: Payment }>;
  get(id: string, options?: { readonly consistent?: boolean }): Promise<Payment | undefined>;
  /** One page of the merchant's payments, newest first; the window's cursors are payments of the same merchant. */
  listByMerchant(merchantId: string, window: ListWindow): Promise<PaymentPage>;
  /**
   * The operators' risk review queue: every merchant's payments risk screening sent to review and no
   * operator has decided yet, oldest first, after `after` (a payment of the queue).
   */
  listInRiskReview(page: { readonly limit: number; readonly after?: Payment }): Promise<PaymentPage>;
  /** One page of the merchant's refunds, newest first; the window's cursors are refunds of the same merchant. */
  listRefunds(merchantId: string, window: ListWindow): Promise<RefundPage>;
  /**
   * Writes a transition (the next payment, its timeline entry included) only over the version it was
   * computed from, together with the refund that changes with it. Throws StaleVersionError when the payment
   * (or the refund) changed.
   */
  apply(
    transition: Transition,
    also?: { readonly newRefund?: Refund; readonly refund?: { readonly next: Refund; readonly previousVersion: number } },
  ): Promise<void>;
  /** The payment's timeline as the API shows it (domain/payment-timeline.ts); empty for an unknown payment. */
  events(paymentId: string): Promise<readonly PaymentEvent[]>;
  /** Store (or replace: a repeated waiting task) the token a workflow waits on, without changing the payment. */
  saveWaitingTask(paymentId: string, task: WaitingTask): Promise<void>;
  waitingTask(paymentId: string, purpose: WaitingTask['purpose']): Promise<WaitingTask | undefined>;
  getRefund(id: string, options?: { readonly consistent?: boolean }): Promise<Refund | undefined>;
}
