import type { Payment } from '../../domain/payment';

/**
 * Domain objects → the public JSON of docs/api.md (snake_case, `object` type tags). Nothing else leaves
 * the API: no internal fields, and never a card number or CVC (the domain does not hold them).
 */
export const presentPayment = (payment: Payment) => ({
  id: payment.id,
  object: 'payment' as const,
  status: payment.status,
  amount: payment.amount,
  currency: payment.currency,
  amount_capturable: payment.amountCapturable,
  amount_received: payment.amountReceived,
  amount_refunded: payment.amountRefunded,
  capture_method: payment.captureMethod,
  payment_method: {
    type: payment.paymentMethod.type,
    brand: payment.paymentMethod.card.brand,
    last4: payment.paymentMethod.card.last4,
    exp_month: payment.paymentMethod.card.exp_month,
    exp_year: payment.paymentMethod.card.exp_year,
  },
  failure_code: payment.failure?.code ?? null,
  failure_message: payment.failure?.message ?? null,
  cancellation_reason: payment.cancellationReason,
  description: payment.description,
  metadata: payment.metadata,
  created_at: payment.createdAt,
  livemode: false,
});

export const presentList = <T>(data: readonly T[], hasMore: boolean, url: string) => ({
  object: 'list' as const,
  url,
  data,
  has_more: hasMore,
});
