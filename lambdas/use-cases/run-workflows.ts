import { type Payment, withState } from '../domain/payment';
import type { PaymentAction, PaymentStepResult } from '../domain/payment-saga';
import type { Payout } from '../domain/payouts/payout';
import { type PayoutAction, type PayoutStepResult, payoutWithState } from '../domain/payouts/payout-saga';
import type { Refund } from '../domain/refund';
import { type RefundStepResult, refundWithState } from '../domain/refund-saga';
import type { PaymentRepository } from '../ports/payment-repository';
import type { PayoutRepository } from '../ports/payout-repository';
import type { RecoverableKind, WorkflowRun, Workflows } from '../ports/workflows';

/**
 * After a merchant's request has recorded what it asks for, run the object's workflow (Express,
 * synchronously) and answer with the object as the run left it (docs/decisions/0011-express-and-standard-workflows.md):
 * 1. Finished: the run's output is the object's state; nothing is read again.
 * 2. Unfinished (the run ended with the object still in flight: a step kept failing): read the object and
 *    start its recovery (Standard, named by the object and when it went in flight, so the sweeper's later
 *    start of the same recovery is a no-op). A recovery that cannot be started now is started by the sweeper.
 * 3. Unknown (no answer before the deadline, or the call failed): the run may still be going; read the
 *    object and answer it. The sweeper recovers it if nothing finishes it.
 */
interface Runs {
  readonly workflows: Workflows;
  /** When to stop waiting for the run (epoch ms). */
  readonly deadline?: number;
}

const recoverQuietly = async (workflows: Workflows, kind: RecoverableKind, object: { readonly id: string; readonly inFlightSince: string; readonly paymentId?: string }) => {
  try {
    await workflows.recover({ kind, id: object.id, inFlightSince: object.inFlightSince, ...(object.paymentId === undefined ? {} : { paymentId: object.paymentId }) });
  } catch {
    // The sweeper starts the same recovery (same name) once the object has been in flight past its grace period.
  }
};

const settle = async <T extends { readonly id: string }>(
  deps: Runs,
  kind: RecoverableKind,
  run: WorkflowRun,
  finished: (output: unknown) => T,
  reread: () => Promise<T>,
  /** When the object went in flight; null when it is not in flight (nothing to recover). */
  inFlightSince: (object: T) => string | null,
  /** The payment a payment's or refund's recovery flags if it gives up. */
  paymentIdOf?: (object: T) => string,
): Promise<T> => {
  if (run.outcome === 'finished') return finished(run.output);
  const current = await reread();
  const since = inFlightSince(current);
  if (run.outcome === 'unfinished' && since !== null) await recoverQuietly(deps.workflows, kind, { id: current.id, inFlightSince: since, ...(paymentIdOf ? { paymentId: paymentIdOf(current) } : {}) });
  return current;
};

export const runPaymentWorkflow = async (
  deps: Runs & { readonly payments: PaymentRepository },
  payment: Payment,
  action: PaymentAction,
  /** The create's answer for a payment it just stored screened: the Screen step passes it on unread. */
  screened?: PaymentStepResult,
): Promise<Payment> =>
  settle(
    deps,
    'payment',
    await deps.workflows.runPayment({ paymentId: payment.id, action, ...(screened ? { screened } : {}) }, deps.deadline),
    (output) => withState(payment, (output as PaymentStepResult).payment),
    async () => (await deps.payments.get(payment.id, { consistent: true })) ?? payment,
    (current) => current.inFlightSince,
    (current) => current.id,
  );

export const runRefundWorkflow = async (deps: Runs & { readonly payments: PaymentRepository }, refund: Refund): Promise<Refund> =>
  settle(
    deps,
    'refund',
    await deps.workflows.runRefund({ refundId: refund.id, paymentId: refund.paymentId }, deps.deadline),
    (output) => refundWithState(refund, (output as RefundStepResult).refund),
    async () => (await deps.payments.getRefund(refund.id, { consistent: true })) ?? refund,
    (current) => (current.status === 'pending' ? current.createdAt : null),
    (current) => current.paymentId,
  );

export const runPayoutWorkflow = async (deps: Runs & { readonly payouts: PayoutRepository }, payout: Payout, action: PayoutAction): Promise<Payout> =>
  settle(
    deps,
    'payout',
    await deps.workflows.runPayout({ payoutId: payout.id, action }, deps.deadline),
    (output) => payoutWithState(payout, (output as PayoutStepResult).payout),
    async () => (await deps.payouts.getPayout(payout.id, { consistent: true })) ?? payout,
    (current) => current.inFlightSince,
  );
