import { ResourceNotFoundError, StaleVersionError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import type { Transition } from '../../domain/payment-lifecycle';
import type { PaymentRepository } from '../../ports/payment-repository';

/**
 * Every saga step changes a payment the same way: read it (strongly consistent), decide from what is
 * there (nothing to do, when a retried or re-run step finds its work already done), write the change
 * only over the version read, and decide again if someone changed the payment meanwhile.
 */
const MAX_ATTEMPTS = 5;

export const loadPayment = async (payments: PaymentRepository, paymentId: string): Promise<Payment> => {
  const payment = await payments.get(paymentId, { consistent: true });
  if (!payment) throw new ResourceNotFoundError('payment', paymentId);
  return payment;
};

export const changePayment = async (
  payments: PaymentRepository,
  paymentId: string,
  decide: (payment: Payment) => Transition | undefined,
  also?: (transition: Transition) => Parameters<PaymentRepository['apply']>[1],
): Promise<Payment> => {
  for (let attempt = 1; ; attempt += 1) {
    const payment = await loadPayment(payments, paymentId);
    const transition = decide(payment);
    if (!transition) return payment;
    try {
      await payments.apply(transition, also?.(transition));
      return transition.payment;
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
};

/** The idempotency key of each channel operation of a payment: a retry never charges twice. */
export const channelKeys = {
  authorize: (payment: Payment) => `${payment.id}:authorize:${payment.channel}`,
  capture: (payment: Payment) => `${payment.id}:capture`,
  void: (payment: Payment) => `${payment.id}:void`,
  compensationRefund: (payment: Payment) => `${payment.id}:compensation-refund`,
};
