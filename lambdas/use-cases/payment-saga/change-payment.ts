import { ResourceNotFoundError } from '../../domain/errors';
import { type Payment, stateOf } from '../../domain/payment';
import type { Approval, Transition } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import type { PaymentRepository } from '../../ports/payment-repository';
import { withOptimisticRetry } from '../optimistic';

/**
 * Every step of the payment workflow changes a payment the same way: read it (strongly consistent), decide
 * from what is there (nothing to do, when a repeated step finds its work done), write the change only over
 * the version read, and decide again if someone changed the payment meanwhile. A step that has just read the
 * payment passes it in: its first decision is made on that read (the conditional write catches any change
 * since), and the payment is read again only when the write finds it changed. Every step then answers
 * the payment as it now is and the step it needs next (domain/payment-saga.ts), which the workflow's
 * Choice states route on.
 */

export const loadPayment = async (payments: PaymentRepository, paymentId: string): Promise<Payment> => {
  const payment = await payments.get(paymentId, { consistent: true });
  if (!payment) throw new ResourceNotFoundError('payment', paymentId);
  return payment;
};

export const changePayment = async (
  payments: PaymentRepository,
  /** The payment as just read, or its id to read it. */
  target: Payment | string,
  decide: (payment: Payment) => Transition | undefined,
  also?: (transition: Transition) => Parameters<PaymentRepository['apply']>[1],
): Promise<Payment> => {
  const paymentId = typeof target === 'string' ? target : target.id;
  return withOptimisticRetry(async (attempt) => {
    const payment = attempt === 1 && typeof target !== 'string' ? target : await loadPayment(payments, paymentId);
    const transition = decide(payment);
    if (!transition) return payment;
    await payments.apply(transition, also?.(transition));
    return transition.payment;
  });
};

/**
 * A step's answer: the payment's state and its next step (for the run's action: `expire` releases), with
 * an approval the payment does not record yet (decision record 0047).
 */
export const stepResult = (
  payment: Payment,
  action: PaymentAction = 'resume',
  approval?: Approval,
  /** The capture of an automatic payment's sale (decision record 0053), carried with the approval to PostToLedger. */
  capture?: { readonly captureId: string; readonly amount: number },
): PaymentStepResult => {
  const carried = approval && !payment.authorizationId ? approval : undefined;
  const next = nextPaymentStep(payment, action, carried);
  return {
    next,
    payment: stateOf(payment),
    ...(carried ? { approval: carried } : {}),
    ...(capture && carried && next === 'capture' ? { capture: { ...capture, approval: carried } } : {}),
  };
};

/** The idempotency key of each channel operation of a payment: a retry never charges twice. */
export const channelKeys = {
  authorize: (payment: Payment) => `${payment.id}:authorize:${payment.channel}`,
  capture: (payment: Payment) => `${payment.id}:capture`,
  void: (payment: Payment) => `${payment.id}:void`,
  compensationRefund: (payment: Payment) => `${payment.id}:compensation-refund`,
};
