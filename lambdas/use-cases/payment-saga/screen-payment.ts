import { performance } from 'node:perf_hooks';
import { cardChannels } from '../../../platform/channels';
import { DEFAULT_HEALTH_POLICY } from '../../domain/channel-health';
import type { MerchantRouting } from '../../domain/merchant';
import { type Payment, isTerminal } from '../../domain/payment';
import { type Transition, recordFailure, recordRiskDecline, recordScreening } from '../../domain/payment-lifecycle';
import { type PaymentAction, type PaymentStepResult, nextPaymentStep } from '../../domain/payment-saga';
import { type RiskRuleSet, assessRisk } from '../../domain/risk';
import { binCountryOf } from '../../../platform/card-bins';
import { NoChannelAvailableError, type RoutePlan, routePayment } from '../../domain/routing';
import type { CardHolds } from '../../ports/card-holds';
import type { CardVelocity } from '../../ports/card-velocity';
import type { ChannelHealth } from '../../ports/channel-health';
import type { PaymentRepository } from '../../ports/payment-repository';
import { changePayment, loadPayment, stepResult } from './change-payment';
import { riskSignals } from './risk-signals';

/**
 * The User Timing measure of what risk and routing add to a payment: from the payment read to the decision
 * made (rule sets, velocity counters, channel health, the assessment and the route), before the one write a
 * screening needs anyway. Cleared as soon as it is made, so nothing accumulates where nobody observes it (in
 * AWS); the bench observes it in process (bench/lib/screening-timer.ts) and reports its percentiles.
 */
export const SCREENING_DECISION_MEASURE = 'xborder.screening.decision';

/**
 * Screen and route a payment before any channel sees it (workflow step "Screen").
 * 1. A payment already screened answers what it needs next (a repeated or resumed run).
 * 2. Assess the merchant's risk rule set (the platform's where it has none; domain/risk.ts), counting this
 *    payment against each velocity counter the rules read (idempotent per payment). `review` proceeds like
 *    `approve` (the payment waits in the operators' review queue meanwhile); `decline` fails it.
 * 3. Approved or in review: plan its route (domain/routing.ts): the merchant's first matching routing rule's
 *    channels (domain/routing-rules.ts), or else the channels that settle its currency ordered by the
 *    merchant's strategy (least cost, or success rate with exploration); then by their health (cached reads:
 *    no round trip per payment).
 * 4. Record both in one write, before any channel is called (the authorization goes where this says), with
 *    the routing decision's reason on the timeline. A risk decline, or no channel for the currency, fails
 *    the payment: its card hold is discarded first, so no payment is ever recorded failed with its card
 *    still held (a retry of the record finds it gone).
 * A final payment (a recovery's run again from the start) never needs its card: a hold a failed step left
 * behind goes then. A payment the create screened (decision record 0038: its first write) passes through.
 */
/** What screening reads: the velocity counters, the channels' health, the merchant's settings and rules. */
export interface ScreeningDeps {
  readonly holds: Pick<CardHolds, 'discard'>;
  readonly velocity: CardVelocity;
  readonly health: Pick<ChannelHealth, 'views'>;
  readonly merchantRouting: (merchantId: string) => Promise<MerchantRouting>;
  readonly riskRules: (merchantId: string) => Promise<RiskRuleSet>;
  readonly random?: () => number;
}

/**
 * Risk and routing for a payment not yet screened (steps 2-3 below), and the write it calls for (step 4) as a
 * decision over the payment as it is when written: the screening, a risk decline, or a failure for want of a
 * channel. A decision that fails the payment discards its card hold first. The caller writes it: the Screen
 * step over the stored payment, or the create in the payment's first write (decision record 0038).
 */
export const screeningOf = async (deps: ScreeningDeps, payment: Payment, now: Date): Promise<(current: Payment) => Transition | undefined> => {
  const decisionStarted = performance.now();
  const candidates = Object.keys(cardChannels).filter((name) => (cardChannels[name as keyof typeof cardChannels].supportedCurrencies as readonly string[]).includes(payment.currency));
  const [risk, health, settings] = await Promise.all([
    deps.riskRules(payment.merchantId).then(async (ruleSet) => ({ ruleSet, signals: await riskSignals(deps.velocity, ruleSet, payment, now) })),
    deps.health.views(candidates),
    deps.merchantRouting(payment.merchantId),
  ]);
  const assessment = assessRisk(risk.ruleSet, risk.signals);
  let route: RoutePlan | undefined;
  if (assessment.decision !== 'decline') {
    try {
      const { card } = payment.paymentMethod;
      const facts = { paymentId: payment.id, amount: payment.amount, currency: payment.currency, cardBrand: card.brand, binCountry: binCountryOf(card.bin) };
      route = routePayment(cardChannels, facts, settings, { health, probeShare: DEFAULT_HEALTH_POLICY.probeShare, random: deps.random });
    } catch (error) {
      if (!(error instanceof NoChannelAvailableError)) throw error;
    }
  }
  performance.measure(SCREENING_DECISION_MEASURE, { start: decisionStarted, end: performance.now() });
  performance.clearMeasures(SCREENING_DECISION_MEASURE);
  if (route === undefined) await deps.holds.discard(payment.id, payment.merchantId);
  return (current) => {
    if (nextPaymentStep(current) !== 'screen') return undefined;
    if (assessment.decision === 'decline') return recordRiskDecline(current, assessment, now);
    if (route === undefined) {
      return recordFailure(current, { code: 'currency_not_supported', message: 'No card network accepts this currency right now.' }, now);
    }
    return recordScreening(
      current,
      assessment,
      { channel: route.channel, reason: route.reason, plan: route.candidates, failover: settings.failover, strategy: route.strategy, rule: route.rule },
      now,
    );
  };
};

export const screenPayment = async (
  deps: ScreeningDeps & { readonly payments: PaymentRepository; readonly now: () => Date },
  input: {
    readonly paymentId: string;
    readonly action?: PaymentAction;
    /**
     * The create's answer for the payment it stored screened, in the run's input (decision 0055): passed on
     * without reading the payment. Authorize reads it next and decides from what is stored.
     */
    readonly screened?: PaymentStepResult;
  },
): Promise<PaymentStepResult> => {
  if (input.screened?.next === 'authorize' && input.screened.payment.id === input.paymentId) return input.screened;
  const payment = await loadPayment(deps.payments, input.paymentId);
  if (nextPaymentStep(payment) !== 'screen') {
    if (isTerminal(payment)) await deps.holds.discard(payment.id, payment.merchantId);
    return stepResult(payment, input.action);
  }
  const decide = await screeningOf(deps, payment, deps.now());
  const screened = await changePayment(deps.payments, payment, decide);
  return stepResult(screened, input.action);
};
