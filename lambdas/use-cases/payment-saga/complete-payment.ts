import { recordSuccess } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment } from './change-payment';

/** Mark the payment succeeded once captured and posted (saga step "Complete"); a repeat does nothing. */
export const completePayment = async (
  deps: { readonly payments: PaymentRepository; readonly now: () => Date },
  input: { readonly paymentId: string },
): Promise<{ status: string }> => {
  const payment = await changePayment(deps.payments, input.paymentId, (current) =>
    current.status === 'processing' && current.captureId ? recordSuccess(current, deps.now()) : undefined,
  );
  if (payment.status !== 'succeeded') throw new Error(`Payment ${payment.id} cannot succeed from ${payment.status}`);
  return { status: payment.status };
};
