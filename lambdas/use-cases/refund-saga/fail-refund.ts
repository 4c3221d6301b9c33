import { recordRefundFailure } from '../../domain/payment-lifecycle';
import { refundFailed } from '../../domain/refund';
import { type RefundStepResult, refundStepResult } from '../../domain/refund-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { finishRefund } from './load-refund';

const REFUND_FAILURES: Record<string, { code: string; message: string }> = {
  InsufficientFundsError: {
    code: 'insufficient_balance',
    message: 'The balance cannot fund this refund yet (processing fees are not returned); retry after the payment settles.',
  },
  ChannelRequestRejected: { code: 'refund_rejected', message: 'The card network refused the refund.' },
};

/** Refund workflow step "FailRefund": the refund fails and its amount is no longer reserved on the payment. */
export const failRefund = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly refundId: string; readonly error?: string },
): Promise<RefundStepResult> => {
  const failure = REFUND_FAILURES[input.error ?? ''] ?? { code: 'processing_error', message: 'The refund could not be processed.' };
  const refund = await finishRefund(
    deps.payments,
    input.refundId,
    (current) => (current.status === 'pending' ? refundFailed(current, failure, deps.now()) : undefined),
    (payment, current) => recordRefundFailure(payment, { refundId: current.id, amount: current.amount }, deps.now()),
  );
  return refundStepResult(refund);
};
