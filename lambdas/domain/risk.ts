import type { RiskAssessment } from './payment-lifecycle';

/**
 * Risk screening before any channel sees a payment: a few explainable rules, each adding to a score;
 * the payment is declined at a score of 80 or more. Rules:
 *   blocked_card      the card is on the block list (test card 4100 0000 0000 0019 stands for
 *                     "the network's highest-risk card")                                   +100
 *   card_velocity     more than `maxAttemptsPerCard` payments with the same card (keyed fingerprint)
 *                     inside the velocity window                                              +80
 *   large_amount      amount of at least 1,000,000 major units of its currency                 +30
 * Scores are kept on the payment's timeline so a decline is explainable.
 *
 * The two documented always-approve test cards (4242 4242 4242 4242, 5555 5555 5555 4444) are exempt from
 * the velocity rule, so demos, e2e suites and load tests can reuse them; every other card is counted,
 * test numbers included.
 */
export const DECLINE_THRESHOLD = 80;
export const VELOCITY_WINDOW_MINUTES = 10;
export const MAX_ATTEMPTS_PER_CARD = 5;

export interface RiskSignals {
  readonly amount: number;
  readonly minorUnits: number;
  readonly card: { readonly bin: string; readonly last4: string };
  /** Payments with this card in the current velocity window, this one included. */
  readonly attemptsWithCard: number;
}

const BLOCKED_CARDS = new Set(['410000|0019']);
const VELOCITY_EXEMPT_TEST_CARDS = new Set(['424242|4242', '555555|4444']);

export const assessRisk = (signals: RiskSignals): RiskAssessment => {
  const reasons: string[] = [];
  let score = 0;
  if (BLOCKED_CARDS.has(`${signals.card.bin}|${signals.card.last4}`)) {
    score += 100;
    reasons.push('blocked_card');
  }
  if (signals.attemptsWithCard > MAX_ATTEMPTS_PER_CARD && !VELOCITY_EXEMPT_TEST_CARDS.has(`${signals.card.bin}|${signals.card.last4}`)) {
    score += 80;
    reasons.push('card_velocity');
  }
  if (signals.amount >= 1_000_000 * 10 ** signals.minorUnits) {
    score += 30;
    reasons.push('large_amount');
  }
  return { decision: score >= DECLINE_THRESHOLD ? 'decline' : 'approve', score, reasons };
};

/** The velocity window a moment falls in (counters are kept per card and window). */
export const velocityWindow = (now: Date): string => {
  const minutes = Math.floor(now.getTime() / 60_000 / VELOCITY_WINDOW_MINUTES) * VELOCITY_WINDOW_MINUTES;
  return new Date(minutes * 60_000).toISOString();
};
