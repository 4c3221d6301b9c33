import { minorUnits } from '../../domain/money';
import { isTerminal } from '../../domain/payment';
import { recordScreening } from '../../domain/payment-lifecycle';
import { assessRisk, velocityWindow } from '../../domain/risk';
import type { CardVault } from '../../ports/card-vault';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment, loadPayment } from './change-payment';

/**
 * Screen a payment before any channel sees it (saga step "Screen").
 * 1. Count this payment against its card's velocity window (idempotent per payment).
 * 2. Assess the risk rules (domain/risk.ts).
 * 3. Record the outcome on the payment; a decline fails it and discards the held CVC.
 * Returns the decision for the saga's Choice.
 */
export const screenPayment = async (
  deps: { readonly payments: PaymentRepository; readonly vault: Pick<CardVault, 'discardCvc'>; readonly now: () => Date },
  input: { readonly paymentId: string },
): Promise<{ decision: 'approve' | 'decline'; score: number }> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (payment.risk) return { decision: payment.risk.decision, score: payment.risk.score };
  const now = deps.now();
  const attemptsWithCard = await deps.payments.countCardAttempt(payment.paymentMethod.card.fingerprint, velocityWindow(now), payment.id);
  const assessment = assessRisk({
    amount: payment.amount,
    minorUnits: minorUnits(payment.currency),
    card: payment.paymentMethod.card,
    attemptsWithCard,
  });
  const screened = await changePayment(deps.payments, payment.id, (current) =>
    current.risk || isTerminal(current) ? undefined : recordScreening(current, assessment, now),
  );
  if (screened.risk?.decision === 'decline') await deps.vault.discardCvc(payment.id, payment.merchantId);
  return { decision: screened.risk?.decision ?? 'decline', score: screened.risk?.score ?? assessment.score };
};
