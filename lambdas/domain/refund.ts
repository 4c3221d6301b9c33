import type { PaymentFailure } from './payment';

/**
 * A refund of part or all of a succeeded payment. Several refunds may exist per payment; their total never
 * exceeds what was captured (the payment reserves each refund's amount when the refund is accepted:
 * payment-lifecycle.ts `reserveRefund`).
 */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export interface Refund {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: RefundStatus;
  readonly reason: RefundReason | null;
  readonly channelRefundId: string | null;
  readonly failure: PaymentFailure | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly requestFingerprint: string;
}

export const newRefund = (input: {
  id: string;
  merchantId: string;
  paymentId: string;
  amount: number;
  currency: string;
  reason: RefundReason | null;
  requestFingerprint: string;
  now: Date;
}): Refund => ({
  id: input.id,
  merchantId: input.merchantId,
  paymentId: input.paymentId,
  amount: input.amount,
  currency: input.currency,
  status: 'pending',
  reason: input.reason,
  channelRefundId: null,
  failure: null,
  createdAt: input.now.toISOString(),
  updatedAt: input.now.toISOString(),
  version: 1,
  requestFingerprint: input.requestFingerprint,
});

export const refundSucceeded = (refund: Refund, channelRefundId: string, now: Date): Refund => ({
  ...refund,
  status: 'succeeded',
  channelRefundId,
  updatedAt: now.toISOString(),
  version: refund.version + 1,
});

export const refundFailed = (refund: Refund, failure: PaymentFailure, now: Date): Refund => ({
  ...refund,
  status: 'failed',
  failure,
  updatedAt: now.toISOString(),
  version: refund.version + 1,
});
