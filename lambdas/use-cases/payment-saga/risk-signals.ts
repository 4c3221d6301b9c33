import { createHash } from 'node:crypto';
import { minorUnits } from '../../domain/money';
import type { Payment } from '../../domain/payment';
import { type RiskRuleSet, type RiskSignals, type VelocitySubject, velocityCounterKey, velocityCountersOf, velocityWindow } from '../../domain/risk';
import type { CardVelocity } from '../../ports/card-velocity';

/**
 * The counter subject of a payment: its card's keyed fingerprint; its merchant's customer; its IP address,
 * hashed (the counters table lists no address). Undefined when the payment does not name the subject.
 */
const subjectOf = (per: VelocitySubject, payment: Payment): string | undefined => {
  switch (per) {
    case 'card':
      return payment.paymentMethod.card.fingerprint;
    case 'customer':
      return payment.riskContext?.customerId === undefined ? undefined : `customer#${payment.merchantId}#${payment.riskContext.customerId}`;
    case 'ip':
      return payment.riskContext?.ipAddress === undefined
        ? undefined
        : `ip#${createHash('sha256').update(payment.riskContext.ipAddress.toLowerCase()).digest('base64url')}`;
  }
};

/**
 * What a rule set reads of a payment: its fields, and each velocity counter the rules name, counted now
 * (one UpdateItem per counter, in parallel; idempotent per payment, so a repeated Screen counts once).
 */
export const riskSignals = async (velocity: CardVelocity, ruleSet: RiskRuleSet, payment: Payment, now: Date): Promise<RiskSignals> => {
  const counts = await Promise.all(
    velocityCountersOf(ruleSet).map(async ({ per, windowMinutes }) => {
      const subject = subjectOf(per, payment);
      const count = subject === undefined ? undefined : await velocity.countAttempt(subject, `${windowMinutes}m@${velocityWindow(now, windowMinutes)}`, payment.id);
      return [velocityCounterKey(per, windowMinutes), count] as const;
    }),
  );
  return {
    amount: payment.amount,
    currency: payment.currency,
    minorUnits: minorUnits(payment.currency),
    bin: payment.paymentMethod.card.bin,
    ...(payment.riskContext?.cardCountry === undefined ? {} : { cardCountry: payment.riskContext.cardCountry }),
    ...(payment.riskContext?.ipCountry === undefined ? {} : { ipCountry: payment.riskContext.ipCountry }),
    velocity: Object.fromEntries(counts),
  };
};
