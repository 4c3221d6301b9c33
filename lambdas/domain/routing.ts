import type { ChannelContract } from '../../platform/channels';
import type { ChannelHealthView } from './channel-health';
import { DomainError } from './errors';
import { type RoutingFacts, type RoutingRuleSet, matchingRule, ruleChannels } from './routing-rules';

/**
 * Choosing the card channel for a payment (docs/decisions/0017-routing-health-and-failover.md).
 * Candidates are the channels that settle its currency. Least cost orders them: the fee for this amount
 * computed as each contract does (percentage rounded half up, plus the fixed part; ties: declaration
 * order). Health then reorders: a channel whose circuit breaker is open goes out of rotation (kept only
 * when every candidate is open: trying is better than routing a currency nowhere), and a half-open one is
 * offered first to a share of payments (its probes) and last to the others. The plan is the candidates in
 * that order: the payment authorizes at the first, and fails over along it only when a channel definitely
 * did not authorize (use-cases/payment-saga/authorize-payment.ts). A merchant's rule that matches the
 * payment (domain/routing-rules.ts) replaces the strategy's order with its own, and health reorders that
 * the same way (docs/decisions/0027-merchant-routing-rules.md).
 */
export class NoChannelAvailableError extends DomainError {
  override readonly name = 'NoChannelAvailable';

  constructor(readonly currency: string) {
    super(`No card channel accepts ${currency} right now.`);
  }
}

export const channelFee = (contract: ChannelContract, amount: number, currency: string): number =>
  Number((BigInt(amount) * BigInt(contract.fees.percentBps) + 5_000n) / 10_000n) + (contract.fees.fixed[currency] ?? 0);

/**
 * Why the first channel of a plan was chosen (recorded on the payment's timeline):
 * - `least_cost`: the cheapest candidate, every candidate healthy;
 * - `circuit_open_skipped`: the cheapest candidate whose breaker is not open (a cheaper one is open);
 * - `half_open_probe`: a half-open channel, offered this payment as one of its probes;
 * - `all_circuits_open`: every candidate's breaker is open; the cheapest is tried anyway;
 * - `success_rate`: (strategy `success_rate`) the closed candidate with the best smoothed success rate;
 * - `exploration`: (strategy `success_rate`) a closed candidate drawn at random, for the share of payments
 *   that keeps every channel's success rate measured (an epsilon-greedy bandit);
 * - `merchant_rule`: the first channel of the merchant's matching rule's list, its breaker not open;
 * - `volume_split`: the channel the merchant's matching split rule drew for this payment, its breaker not open.
 * Under a rule, `circuit_open_skipped`, `half_open_probe` and `all_circuits_open` mean the same along the
 * rule's order instead of the cost order.
 */
export const ROUTING_REASONS = ['least_cost', 'circuit_open_skipped', 'half_open_probe', 'all_circuits_open', 'success_rate', 'exploration', 'merchant_rule', 'volume_split'] as const;
export type RoutingReason = (typeof ROUTING_REASONS)[number];

export interface RoutingDecision {
  readonly channel: string;
  readonly expectedFee: number;
  /** Every channel that settles the currency and is in rotation, in the order to try them. */
  readonly candidates: readonly string[];
  readonly reason: RoutingReason;
}

/**
 * How the healthy candidates are ordered: `least_cost` (the fee for this amount), or `success_rate`: the
 * best success rate over the health window, smoothed as (successes + 1) / (attempts + 2) so an unmeasured
 * channel is neither trusted nor shunned, ties by cost; `explorationShare` of payments go to a candidate
 * drawn at random instead.
 */
export const ROUTING_STRATEGIES = ['least_cost', 'success_rate'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export interface RoutingSignals {
  readonly strategy?: RoutingStrategy;
  /** Share of payments explored under `success_rate`; default 0.1. */
  readonly explorationShare?: number;
  /** Channels known to be down for this decision, whatever their health record says. */
  readonly unavailable?: ReadonlySet<string>;
  /** Each channel's health as last read (a channel without a view is healthy). */
  readonly health?: ReadonlyMap<string, Pick<ChannelHealthView, 'state'> & Partial<Pick<ChannelHealthView, 'attempts' | 'successRate'>>>;
  /** Share of payments a half-open channel is offered first. */
  readonly probeShare?: number;
  /** Draws in [0, 1) deciding the probes. */
  readonly random?: () => number;
  /** A merchant's rule matched: its channels in its order replace the strategy's (reason `merchant_rule` or `volume_split`). */
  readonly rule?: { readonly channels: readonly string[]; readonly reason: 'merchant_rule' | 'volume_split' };
}

export const chooseChannel = (
  contracts: Readonly<Record<string, ChannelContract>>,
  payment: { readonly amount: number; readonly currency: string },
  signals: RoutingSignals | ReadonlySet<string> = {},
): RoutingDecision => {
  const {
    unavailable = new Set<string>(),
    health = new Map(),
    probeShare = 0,
    random = Math.random,
    strategy = 'least_cost',
    explorationShare = 0.1,
    rule,
  } = signals instanceof Set ? { unavailable: signals } : (signals as RoutingSignals);
  const settles = (name: string) => contracts[name]?.supportedCurrencies.includes(payment.currency) === true && !unavailable.has(name);
  const priced = (name: string, order: number) => ({ name, fee: channelFee(contracts[name] as ChannelContract, payment.amount, payment.currency), order });
  // The base order: a matching rule's, else by cost (the strategy may reorder the healthy ones below).
  const base = rule
    ? rule.channels.filter(settles).map(priced)
    : Object.keys(contracts)
        .filter(settles)
        .map(priced)
        .sort((a, b) => a.fee - b.fee || a.order - b.order);
  if (base.length === 0) throw new NoChannelAvailableError(payment.currency);
  const stateOf = (name: string) => health.get(name)?.state ?? 'closed';
  const smoothed = (name: string) => {
    const view = health.get(name);
    const attempts = view?.attempts ?? 0;
    return ((view?.successRate ?? 0) * attempts + 1) / (attempts + 2);
  };
  let closed = base.filter((candidate) => stateOf(candidate.name) === 'closed');
  let closedReason: RoutingReason | undefined;
  if (rule) closedReason = rule.reason;
  else if (strategy === 'success_rate' && closed.length > 0) {
    if (closed.length > 1 && random() < explorationShare) {
      const drawn = closed[Math.min(closed.length - 1, Math.floor(random() * closed.length))] as (typeof closed)[number];
      closed = [drawn, ...closed.filter((candidate) => candidate !== drawn)];
      closedReason = 'exploration';
    } else {
      closed = [...closed].sort((a, b) => smoothed(b.name) - smoothed(a.name) || a.fee - b.fee || a.order - b.order);
      closedReason = 'success_rate';
    }
  }
  const halfOpen = base.filter((candidate) => stateOf(candidate.name) === 'half_open');
  const probe = halfOpen.length > 0 && (closed.length === 0 || random() < probeShare) ? halfOpen[0] : undefined;

  let ordered: typeof base;
  let reason: RoutingReason;
  if (closed.length === 0 && halfOpen.length === 0) {
    ordered = base;
    reason = 'all_circuits_open';
  } else if (probe) {
    ordered = [probe, ...closed, ...halfOpen.filter((candidate) => candidate !== probe)];
    reason = 'half_open_probe';
  } else {
    ordered = [...closed, ...halfOpen];
    reason = rule && ordered[0] !== base[0] ? 'circuit_open_skipped' : (closedReason ?? (ordered[0] === base[0] ? 'least_cost' : 'circuit_open_skipped'));
  }
  const first = ordered[0] as (typeof base)[number];
  return { channel: first.name, expectedFee: first.fee, candidates: ordered.map((candidate) => candidate.name), reason };
};

/**
 * The whole routing decision a payment records (`route` on the payment, docs/decisions/0027): which way it
 * was decided (`strategy`: the merchant's rules when one matched, else the merchant's strategy), the rule
 * and the rule set's version when one matched, and the plan with the first channel's reason.
 */
export interface RoutePlan extends RoutingDecision {
  readonly strategy: 'merchant_rules' | RoutingStrategy;
  readonly rule?: { readonly id: string; readonly version: number };
}

/**
 * Route a payment: the merchant's first matching rule (domain/routing-rules.ts) orders the channels it
 * names, or else the merchant's strategy orders every channel settling the currency; health applies to
 * both (chooseChannel). NoChannelAvailableError when no channel settles the currency.
 */
export const routePayment = (
  contracts: Readonly<Record<string, ChannelContract>>,
  facts: RoutingFacts,
  settings: { readonly strategy?: RoutingStrategy; readonly explorationShare?: number; readonly rules?: RoutingRuleSet },
  signals: Omit<RoutingSignals, 'strategy' | 'explorationShare' | 'rule'> = {},
): RoutePlan => {
  const rule = matchingRule(settings.rules, facts);
  const settles = (name: string) => contracts[name]?.supportedCurrencies.includes(facts.currency) === true;
  const channels = rule ? ruleChannels(rule, facts, settles) : [];
  if (rule && settings.rules && channels.length > 0) {
    const decision = chooseChannel(contracts, facts, { ...signals, rule: { channels, reason: 'split' in rule.then ? 'volume_split' : 'merchant_rule' } });
    return { ...decision, strategy: 'merchant_rules', rule: { id: rule.id, version: settings.rules.version } };
  }
  const strategy = settings.strategy ?? 'least_cost';
  return { ...chooseChannel(contracts, facts, { ...signals, strategy, explorationShare: settings.explorationShare }), strategy };
};
