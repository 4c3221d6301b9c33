import type { Payment } from '../domain/payment';

export interface PaymentPage {
  readonly payments: readonly Payment[];
  readonly hasMore: boolean;
}

export interface PaymentRepository {
  /** Stores a new payment unless one with its id exists; either way returns what is stored. */
  insert(payment: Payment): Promise<{ readonly created: boolean; readonly payment: Payment }>;
  get(id: string): Promise<Payment | undefined>;
  /** Newest first; `after` is a payment of the same merchant to continue after. */
  listByMerchant(merchantId: string, page: { readonly limit: number; readonly after?: Payment }): Promise<PaymentPage>;
}
