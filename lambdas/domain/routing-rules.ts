import { createHash } from 'node:crypto';
import type { ChannelContract } from '../../platform/channels';
import type { CardBrand } from './card';

/**
 * A merchant's routing rules (docs/decisions/0027-merchant-routing-rules.md): conditions on a payment's
 * currency, amount (a range per currency, in minor units), card brand and BIN country, each leading to an
 * ordered channel list or a volume split. The first rule that matches decides the payment's plan; none
 * matching leaves it to the merchant's strategy (domain/routing.ts). The circuit breaker still applies to a
 * rule's plan there. Pure: the rule set is validated here (`ruleSetProblems`) against the channels'
 * contracts before it is ever stored, so a stored rule set never names an unknown channel.
 */

/** An amount range in one currency, in its minor units, both ends included. */
export interface AmountRange {
  readonly min?: number;
  readonly max?: number;
}

/** Every condition present must hold (a list holds when the payment's value is in it); none present: any payment. */
export interface RoutingConditions {
  readonly currency?: readonly string[];
  /** By currency: a rule with ranges applies only to the currencies it gives a range for. */
  readonly amount?: Readonly<Record<string, AmountRange>>;
  readonly cardBrand?: readonly CardBrand[];
  /** ISO 3166-1 alpha-2 country of the card's issuer, from its BIN (platform/card-bins.ts). */
  readonly binCountry?: readonly string[];
}

export interface SplitShare {
  readonly channel: string;
  readonly weight: number;
}

/** Either channels to try in order, or a volume split (each payment to one channel, by weight). */
export type RoutingTarget = { readonly channels: readonly string[] } | { readonly split: readonly SplitShare[] };

export interface RoutingRule {
  readonly id: string;
  readonly when: RoutingConditions;
  readonly then: RoutingTarget;
}

/** A version of a merchant's rules; each change stores the next version whole. */
export interface RoutingRuleSet {
  readonly version: number;
  readonly rules: readonly RoutingRule[];
}

/** What the rules read of a payment. */
export interface RoutingFacts {
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly cardBrand: CardBrand;
  /** Unknown for a BIN the table does not hold: a rule with a BIN-country condition does not match it. */
  readonly binCountry?: string;
}

const listHolds = <Value>(list: readonly Value[] | undefined, value: Value | undefined): boolean =>
  list === undefined || (value !== undefined && list.includes(value));

export const ruleMatches = (rule: RoutingRule, facts: RoutingFacts): boolean => {
  const { when } = rule;
  if (!listHolds(when.currency, facts.currency)) return false;
  if (when.amount !== undefined) {
    const range = when.amount[facts.currency];
    if (range === undefined) return false;
    if (range.min !== undefined && facts.amount < range.min) return false;
    if (range.max !== undefined && facts.amount > range.max) return false;
  }
  return listHolds(when.cardBrand, facts.cardBrand) && listHolds(when.binCountry, facts.binCountry);
};

/** The first rule that matches the payment, if any. */
export const matchingRule = (ruleSet: RoutingRuleSet | undefined, facts: RoutingFacts): RoutingRule | undefined =>
  ruleSet?.rules.find((rule) => ruleMatches(rule, facts));

/**
 * A point in [0, 1) fixed by the payment id (the first 32 bits of its SHA-256): a retried or resumed Screen
 * draws the same, so a split never sends one payment to two channels.
 */
export const splitPoint = (paymentId: string): number => createHash('sha256').update(paymentId).digest().readUInt32BE(0) / 2 ** 32;

/**
 * The channels a matched rule sends this payment to, in order, keeping only those that settle its
 * currency. A list stays in its order. A split puts first the channel the payment's point falls on (each
 * channel's share of the points is its weight over the total of those settling the currency), then the
 * others by weight (ties: as listed), the failover order.
 */
export const ruleChannels = (rule: RoutingRule, facts: Pick<RoutingFacts, 'paymentId' | 'currency'>, settles: (channel: string) => boolean): readonly string[] => {
  if ('channels' in rule.then) return rule.then.channels.filter(settles);
  const shares = rule.then.split.filter((share) => settles(share.channel));
  const total = shares.reduce((sum, share) => sum + share.weight, 0);
  if (total <= 0) return [];
  const target = splitPoint(facts.paymentId) * total;
  let upTo = 0;
  const drawn = shares.find((share) => (upTo += share.weight) > target) ?? (shares[shares.length - 1] as SplitShare);
  const rest = shares
    .map((share, order) => ({ share, order }))
    .filter(({ share }) => share !== drawn)
    .sort((a, b) => b.share.weight - a.share.weight || a.order - b.order)
    .map(({ share }) => share.channel);
  return [drawn.channel, ...rest];
};

/** One thing wrong with a rule set: the rule (its id, or its position when it has none), the field and why. */
export interface RuleSetProblem {
  readonly ruleIndex: number;
  readonly ruleId: string;
  /** Dotted path into the rule set as sent (`rules.0.then.channels.1`). */
  readonly field: string;
  readonly message: string;
}

/**
 * What makes a well-formed rule set unusable against the channels' contracts (the shape itself is the
 * contract's zod schema): a rule id used twice; a channel that does not exist, is named twice, or settles
 * none of the rule's currencies; a currency of the rule no listed channel settles (it would be routed
 * nowhere); an amount range for a currency the rule excludes, or whose minimum exceeds its maximum.
 * A rule's currencies: its `currency` list, narrowed to its `amount` currencies when it has ranges; with
 * neither, every currency some channel settles.
 */
export const ruleSetProblems = (rules: readonly RoutingRule[], contracts: Readonly<Record<string, ChannelContract>>): RuleSetProblem[] => {
  const problems: RuleSetProblem[] = [];
  const channelNames = Object.keys(contracts);
  const everyCurrency = [...new Set(Object.values(contracts).flatMap((contract) => contract.supportedCurrencies))];
  const seenIds = new Set<string>();
  rules.forEach((rule, ruleIndex) => {
    const at = (field: string, message: string) => problems.push({ ruleIndex, ruleId: rule.id, field: `rules.${ruleIndex}.${field}`, message });
    if (seenIds.has(rule.id)) at('id', 'is the id of an earlier rule: rule ids must be unique');
    seenIds.add(rule.id);

    const amountCurrencies = rule.when.amount === undefined ? undefined : Object.keys(rule.when.amount);
    for (const currency of amountCurrencies ?? []) {
      const range = rule.when.amount?.[currency] as AmountRange;
      if (rule.when.currency !== undefined && !rule.when.currency.includes(currency)) {
        at(`when.amount.${currency}`, `is a range for ${currency}, which the rule's currency condition excludes: it could never match`);
      }
      if (range.min !== undefined && range.max !== undefined && range.min > range.max) at(`when.amount.${currency}`, 'has a minimum above its maximum');
    }
    const currencies = (rule.when.currency ?? amountCurrencies ?? everyCurrency).filter((currency) => amountCurrencies === undefined || amountCurrencies.includes(currency));

    const targetField = 'channels' in rule.then ? 'then.channels' : 'then.split';
    const named = 'channels' in rule.then ? rule.then.channels.map((channel, index) => ({ channel, field: `then.channels.${index}` })) : rule.then.split.map((share, index) => ({ channel: share.channel, field: `then.split.${index}.channel` }));
    const seenChannels = new Set<string>();
    for (const { channel, field } of named) {
      const contract = contracts[channel];
      if (!contract) {
        at(field, `is not a channel: '${channel}' (channels: ${channelNames.join(', ')})`);
        continue;
      }
      if (seenChannels.has(channel)) at(field, `names '${channel}' twice`);
      seenChannels.add(channel);
      if (!currencies.some((currency) => contract.supportedCurrencies.includes(currency))) {
        at(field, `'${channel}' settles none of the rule's currencies (${currencies.join(', ')})`);
      }
    }
    const known = [...seenChannels].map((channel) => contracts[channel] as ChannelContract);
    if (known.length === seenChannels.size && known.length === named.length) {
      for (const currency of currencies) {
        if (!known.some((contract) => contract.supportedCurrencies.includes(currency))) {
          const listed = rule.when.currency?.indexOf(currency) ?? -1;
          at(listed >= 0 ? `when.currency.${listed}` : amountCurrencies !== undefined ? `when.amount.${currency}` : targetField,
            `would route ${currency} nowhere: none of ${[...seenChannels].join(', ')} settles it`);
        }
      }
    }
  });
  return problems;
};
