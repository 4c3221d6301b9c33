/**
 * Risk screening before any channel sees a payment: a rule set, each rule a set of conditions on the
 * payment and a score added when all of them hold; the total against the rule set's thresholds decides:
 *   score >= thresholds.block             decline (the payment fails `risk_declined`, nothing is authorized)
 *   score >= thresholds.review (if set)   review  (the payment proceeds and waits in the operators' queue)
 *   otherwise                             approve
 * A merchant may set its own rule set (versioned: each payment records which version decided, on the
 * payment and on its timeline); the platform's defaults apply where it sets none
 * (docs/decisions/0026-risk-engine.md). No card number is special here: test-card behaviour lives in the
 * simulators (local/simulators/card-acquirer/test-cards.ts) and in the demo merchants' own rule sets.
 */

/** Whose count a velocity condition reads: the card (keyed fingerprint), the merchant's customer, the IP address. */
export const VELOCITY_SUBJECTS = ['card', 'customer', 'ip'] as const;
export type VelocitySubject = (typeof VELOCITY_SUBJECTS)[number];

/** The longest velocity window: counters are kept a day (adapters/dynamodb/card-velocity.ts). */
export const MAX_VELOCITY_WINDOW_MINUTES = 1440;

/** A value in, or not in, a list (currencies, BINs, countries). */
export interface ListCondition {
  readonly in?: readonly string[];
  readonly notIn?: readonly string[];
}

export interface RiskConditions {
  /** The amount in minor units of `currency`, only for payments in that currency: gte <= amount < lt. */
  readonly amount?: { readonly currency: string; readonly gte?: number; readonly lt?: number };
  /** The amount in major units of whatever currency it is in (the platform's large-amount rule). */
  readonly amountMajor?: { readonly gte?: number; readonly lt?: number };
  readonly currency?: ListCondition;
  /** The card's first six digits. */
  readonly bin?: ListCondition;
  /** The card's issuing country, as the merchant reported it (`payment_method.card.country`); unknown never matches. */
  readonly cardCountry?: ListCondition;
  /** The customer's IP country, as the merchant reported it (`customer.ip_country`); unknown never matches. */
  readonly ipCountry?: ListCondition;
  /** true: both countries are known and differ; false: both known and equal. */
  readonly cardIpCountryMismatch?: boolean;
  /** More than `gt` payments (this one included) by the subject in the current window of `windowMinutes`. */
  readonly velocity?: { readonly per: VelocitySubject; readonly windowMinutes: number; readonly gt: number };
}

export interface RiskRule {
  /** The merchant's name for the rule: the reason recorded when it scores. */
  readonly id: string;
  readonly when: RiskConditions;
  readonly score: number;
}

export interface RiskThresholds {
  readonly review?: number;
  readonly block: number;
}

export interface RiskRuleSet {
  /** `platform` for the platform's defaults, `merchant` for a merchant's own set. */
  readonly owner: 'platform' | 'merchant';
  /** 1, 2, 3...: each set a merchant stores is the next version; the platform's defaults have their own. */
  readonly version: number;
  readonly rules: readonly RiskRule[];
  readonly thresholds: RiskThresholds;
}

/**
 * The platform's defaults: today's rules without their test-card exemptions. Card velocity (more than 5
 * payments with one card in 10 minutes) declines; a large amount (a million major units) scores 30.
 */
export const PLATFORM_RISK_RULES: RiskRuleSet = {
  owner: 'platform',
  version: 1,
  rules: [
    { id: 'card_velocity', when: { velocity: { per: 'card', windowMinutes: 10, gt: 5 } }, score: 80 },
    { id: 'large_amount', when: { amountMajor: { gte: 1_000_000 } }, score: 30 },
  ],
  thresholds: { block: 80 },
};

/** How a payment records the rule set that decided it: `platform/1`, `merchant/3`. */
export const ruleSetLabel = (ruleSet: Pick<RiskRuleSet, 'owner' | 'version'>): string => `${ruleSet.owner}/${ruleSet.version}`;

export interface RiskAssessment {
  readonly decision: RiskDecision;
  readonly score: number;
  /** The ids of the rules that scored, in rule order. */
  readonly reasons: readonly string[];
  /** The rule set that decided (`ruleSetLabel`); absent on payments screened before rule sets existed. */
  readonly rules?: string;
}
export type RiskDecision = 'approve' | 'review' | 'decline';

/** The counter a velocity condition reads: one per subject and window length. */
export const velocityCounterKey = (per: VelocitySubject, windowMinutes: number): string => `${per}/${windowMinutes}`;

/** The velocity counters a rule set reads (each counted once per payment, whatever the number of rules). */
export const velocityCountersOf = (ruleSet: RiskRuleSet): { readonly per: VelocitySubject; readonly windowMinutes: number }[] => {
  const seen = new Map<string, { per: VelocitySubject; windowMinutes: number }>();
  for (const rule of ruleSet.rules) {
    const velocity = rule.when.velocity;
    if (velocity) seen.set(velocityCounterKey(velocity.per, velocity.windowMinutes), { per: velocity.per, windowMinutes: velocity.windowMinutes });
  }
  return [...seen.values()];
};

export interface RiskSignals {
  readonly amount: number;
  readonly currency: string;
  readonly minorUnits: number;
  readonly bin: string;
  readonly cardCountry?: string;
  readonly ipCountry?: string;
  /**
   * Payments by each subject in its current window, this one included, keyed by `velocityCounterKey`;
   * absent for a subject the payment does not name (no customer id, no IP address): never matches.
   */
  readonly velocity: Readonly<Record<string, number | undefined>>;
}

const listHolds = (condition: ListCondition | undefined, value: string | undefined): boolean => {
  if (!condition) return true;
  if (value === undefined) return false;
  return (condition.in === undefined || condition.in.includes(value)) && (condition.notIn === undefined || !condition.notIn.includes(value));
};

const rangeHolds = (range: { readonly gte?: number; readonly lt?: number }, value: number): boolean =>
  (range.gte === undefined || value >= range.gte) && (range.lt === undefined || value < range.lt);

/** Whether every condition of a rule holds for the payment (a rule without conditions is refused at parse). */
export const ruleMatches = (when: RiskConditions, signals: RiskSignals): boolean => {
  if (when.amount && (signals.currency !== when.amount.currency || !rangeHolds(when.amount, signals.amount))) return false;
  if (when.amountMajor && !rangeHolds(when.amountMajor, signals.amount / 10 ** signals.minorUnits)) return false;
  if (!listHolds(when.currency, signals.currency)) return false;
  if (!listHolds(when.bin, signals.bin)) return false;
  if (!listHolds(when.cardCountry, signals.cardCountry)) return false;
  if (!listHolds(when.ipCountry, signals.ipCountry)) return false;
  if (when.cardIpCountryMismatch !== undefined) {
    if (signals.cardCountry === undefined || signals.ipCountry === undefined) return false;
    if ((signals.cardCountry !== signals.ipCountry) !== when.cardIpCountryMismatch) return false;
  }
  if (when.velocity) {
    const count = signals.velocity[velocityCounterKey(when.velocity.per, when.velocity.windowMinutes)];
    if (count === undefined || count <= when.velocity.gt) return false;
  }
  return true;
};

export const decisionOf = (score: number, thresholds: RiskThresholds): RiskDecision => {
  if (score >= thresholds.block) return 'decline';
  if (thresholds.review !== undefined && score >= thresholds.review) return 'review';
  return 'approve';
};

export const assessRisk = (ruleSet: RiskRuleSet, signals: RiskSignals): RiskAssessment => {
  const reasons: string[] = [];
  let score = 0;
  for (const rule of ruleSet.rules) {
    if (!ruleMatches(rule.when, signals)) continue;
    score += rule.score;
    reasons.push(rule.id);
  }
  return { decision: decisionOf(score, ruleSet.thresholds), score, reasons, rules: ruleSetLabel(ruleSet) };
};

/** The window of `minutes` a moment falls in, as its start (counters are kept per subject and window). */
export const velocityWindow = (now: Date, minutes: number): string => {
  const start = Math.floor(now.getTime() / 60_000 / minutes) * minutes;
  return new Date(start * 60_000).toISOString();
};
