import { ResourceNotFoundError, StaleVersionError } from '../../domain/errors';
import { recordRefundFailure, recordRefundSuccess } from '../../domain/payment-lifecycle';
import { type Refund, refundFailed, refundSucceeded } from '../../domain/refund';
import type { PaymentRepository } from '../../ports/payment-repository';
import type { CardChannelDirectory } from '../../ports/workflows';
import { type LedgerPostingDeps, postRefund } from '../ledger/postings';
import { loadPayment } from '../payment-saga/change-payment';

/**
 * The refund saga's steps. Order: post to the ledger first (it checks the merchant can fund the refund:
 * the fee is not returned, so before settlement a refund may need available funds), then refund at the
 * channel, then complete. A channel refusal reverses the posting and fails the refund, releasing the
 * amount reserved on the payment.
 */
const loadRefund = async (payments: PaymentRepository, refundId: string): Promise<Refund> => {
  const refund = await payments.getRefund(refundId, { consistent: true });
  if (!refund) throw new ResourceNotFoundError('refund', refundId);
  return refund;
};

/**
 * Saga step "PostRefundToLedger", the refund saga's first.
 * 1. Load the refund; its saga now runs, so remove its saga-start marker (the sweeper leaves it alone).
 * 2. Post the refund to the ledger. InsufficientFundsError propagates (the refund fails, nothing moved).
 */
export const postRefundToLedger = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: LedgerPostingDeps },
  input: { readonly refundId: string },
): Promise<{ transactionId: string }> => {
  const refund = await loadRefund(deps.payments, input.refundId);
  await deps.payments.refundSagaStarted(refund.id);
  const posted = await postRefund(deps.ledger, {
    merchantId: refund.merchantId,
    paymentId: refund.paymentId,
    refundId: refund.id,
    amount: refund.amount,
    currency: refund.currency,
  });
  return { transactionId: posted.transaction.id };
};

/** Saga step "RefundAtChannel": idempotent through the refund's own key. */
export const refundAtChannel = async (
  deps: { readonly payments: PaymentRepository; readonly channels: CardChannelDirectory },
  input: { readonly refundId: string },
): Promise<{ channelRefundId: string }> => {
  const refund = await loadRefund(deps.payments, input.refundId);
  if (refund.channelRefundId) return { channelRefundId: refund.channelRefundId };
  const payment = await loadPayment(deps.payments, refund.paymentId);
  if (!payment.channel || !payment.authorizationId) throw new Error(`Payment ${payment.id} has nothing captured to refund`);
  const channelRefund = await deps.channels.channel(payment.channel).refund({
    idempotencyKey: `${refund.id}:refund`,
    authorizationId: payment.authorizationId,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason ?? undefined,
  });
  return { channelRefundId: channelRefund.refundId };
};

const finishRefund = async (
  payments: PaymentRepository,
  refundId: string,
  decide: (refund: Refund) => Refund | undefined,
  transitionFor: (payment: Awaited<ReturnType<typeof loadPayment>>, refund: Refund) => ReturnType<typeof recordRefundSuccess>,
): Promise<Refund> => {
  for (let attempt = 1; ; attempt += 1) {
    const refund = await loadRefund(payments, refundId);
    const next = decide(refund);
    if (!next) return refund;
    const payment = await loadPayment(payments, refund.paymentId);
    try {
      await payments.apply(transitionFor(payment, refund), { refund: { next, previousVersion: refund.version } });
      return next;
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= 5) throw error;
    }
  }
};

/** Saga step "CompleteRefund": the refund succeeds and the payment's refunded amount grows, in one write. */
export const completeRefund = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly refundId: string; readonly channelRefundId: string },
): Promise<{ status: string }> => {
  const refund = await finishRefund(
    deps.payments,
    input.refundId,
    (current) => (current.status === 'pending' ? refundSucceeded(current, input.channelRefundId, deps.now()) : undefined),
    (payment, current) => recordRefundSuccess(payment, { refundId: current.id, amount: current.amount }, deps.now()),
  );
  return { status: refund.status };
};

const REFUND_FAILURES: Record<string, { code: string; message: string }> = {
  InsufficientFundsError: {
    code: 'insufficient_balance',
    message: 'The balance cannot fund this refund yet (processing fees are not returned); retry after the payment settles.',
  },
  ChannelRequestRejected: { code: 'refund_rejected', message: 'The card network refused the refund.' },
};

/** Saga step "FailRefund": the refund fails and its amount is no longer reserved on the payment. */
export const failRefund = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly refundId: string; readonly error?: string },
): Promise<{ status: string }> => {
  const failure = REFUND_FAILURES[input.error ?? ''] ?? { code: 'processing_error', message: 'The refund could not be processed.' };
  const refund = await finishRefund(
    deps.payments,
    input.refundId,
    (current) => (current.status === 'pending' ? refundFailed(current, failure, deps.now()) : undefined),
    (payment, current) => recordRefundFailure(payment, { refundId: current.id, amount: current.amount }, deps.now()),
  );
  return { status: refund.status };
};
