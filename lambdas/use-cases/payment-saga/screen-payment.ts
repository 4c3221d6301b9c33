import { cardChannels } from '../../../platform/channels';
import { minorUnits } from '../../domain/money';
import { isTerminal } from '../../domain/payment';
import { recordFailure, recordRiskDecline, recordScreening } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import { assessRisk, velocityWindow } from '../../domain/risk';
import { NoChannelAvailableError, chooseChannel } from '../../domain/routing';
import type { CardHolds } from '../../ports/card-holds';
import type { CardVelocity } from '../../ports/card-velocity';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment, loadPayment, stepResult } from './change-payment';

/**
 * Screen and route a payment before any channel sees it (workflow step "Screen").
 * 1. A payment already screened answers what it needs next (a repeated or resumed run).
 * 2. Count this payment against its card's velocity window (idempotent per payment) and assess the risk
 *    rules (domain/risk.ts).
 * 3. Approved: choose the cheapest channel that settles the currency (domain/routing.ts).
 * 4. Record both in one write, before any channel is called (the authorization goes where this says).
 *    A risk decline, or no channel for the currency, fails the payment: its card hold is discarded first, so
 *    no payment is ever recorded failed with its card still held (a retry of the record finds it gone).
 * A final payment (a recovery's run again from the start) never needs its card: a hold a failed step left
 * behind goes then.
 */
/** The channel for the payment, or undefined when none settles its currency. */
const routeOf = (payment: { readonly amount: number; readonly currency: string }): string | undefined => {
  try {
    return chooseChannel(cardChannels, payment).channel;
  } catch (error) {
    if (error instanceof NoChannelAvailableError) return undefined;
    throw error;
  }
};

export const screenPayment = async (
  deps: {
    readonly payments: PaymentRepository;
    readonly holds: Pick<CardHolds, 'discard'>;
    readonly velocity: CardVelocity;
    readonly now: () => Date;
  },
  input: { readonly paymentId: string; readonly action?: PaymentAction },
): Promise<PaymentStepResult> => {
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (nextPaymentStep(payment) !== 'screen') {
    if (isTerminal(payment)) await deps.holds.discard(payment.id, payment.merchantId);
    return stepResult(payment, input.action);
  }
  const now = deps.now();
  const attemptsWithCard = await deps.velocity.countCardAttempt(payment.paymentMethod.card.fingerprint, velocityWindow(now), payment.id);
  const assessment = assessRisk({ amount: payment.amount, minorUnits: minorUnits(payment.currency), card: payment.paymentMethod.card, attemptsWithCard });
  const channel = assessment.decision === 'approve' ? routeOf(payment) : undefined;
  if (channel === undefined) await deps.holds.discard(payment.id, payment.merchantId);
  const screened = await changePayment(deps.payments, payment, (current) => {
    if (nextPaymentStep(current) !== 'screen') return undefined;
    if (assessment.decision === 'decline') return recordRiskDecline(current, assessment, now);
    if (channel === undefined) {
      return recordFailure(current, { code: 'currency_not_supported', message: 'No card network accepts this currency right now.' }, now);
    }
    return recordScreening(current, assessment, channel, now);
  });
  return stepResult(screened, input.action);
};
