import { deployment } from '../../../platform/deployment';
import type { MerchantCurrencyBalance } from '../../domain/ledger/balances';
import type { StatementLine } from '../../domain/ledger/transaction';
import type { Payment } from '../../domain/payment';
import type { PaymentEvent } from '../../domain/payment-lifecycle';
import type { Refund } from '../../domain/refund';
import type { BalanceJson, BalanceTransactionJson, PaymentEventJson, PaymentJson, RefundJson } from '../../contracts/payments';

/**
 * Domain objects → the public JSON of docs/api.md (snake_case, `object` type tags). Nothing else leaves
 * the API: no internal fields, and never a card number or CVC (the domain does not hold them).
 */
export const presentPayment = (payment: Payment): PaymentJson => ({
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
  livemode: deployment.live,
});

export const presentList = <T>(data: readonly T[], hasMore: boolean, url: string) => ({
  object: 'list' as const,
  url,
  data,
  has_more: hasMore,
});

/** `GET /v1/balances`: Stripe's shape, one `{currency, amount}` per currency the merchant holds. */
export const presentBalance = (balances: readonly MerchantCurrencyBalance[]): BalanceJson => ({
  object: 'balance' as const,
  available: balances.map((balance) => ({ currency: balance.currency, amount: balance.available })),
  pending: balances.map((balance) => ({ currency: balance.currency, amount: balance.pending })),
  reserved: balances.map((balance) => ({ currency: balance.currency, amount: balance.reserved })),
  livemode: deployment.live,
});

export const presentBalanceTransaction = (line: StatementLine): BalanceTransactionJson => ({
  id: line.id,
  object: 'balance_transaction' as const,
  type: line.type,
  source: line.source,
  amount: line.amount,
  fee: line.fee,
  net: line.net,
  currency: line.currency,
  status: line.status,
  available_on: line.availableOn,
  description: line.description,
  created_at: line.createdAt,
});

export const presentRefund = (refund: Refund): RefundJson => ({
  id: refund.id,
  object: 'refund' as const,
  payment_id: refund.paymentId,
  status: refund.status,
  amount: refund.amount,
  currency: refund.currency,
  reason: refund.reason,
  failure_code: refund.failure?.code ?? null,
  failure_message: refund.failure?.message ?? null,
  created_at: refund.createdAt,
  livemode: deployment.live,
});

/** A timeline entry: what changed and the figures that changed with it (never card data: events hold none). */
export const presentPaymentEvent = (event: PaymentEvent): PaymentEventJson => ({
  id: event.id,
  object: 'payment_event' as const,
  type: event.type,
  payment_id: event.paymentId,
  created_at: event.createdAt,
  data: event.data,
});
