import * as z from 'zod/mini';
import { cardChannels } from '../../platform/channels';
import type { CardBrand } from '../domain/card';
import { type AmountRange, type RoutingRule, type RoutingRuleSet, ruleSetProblems } from '../domain/routing-rules';
import { type RouteContract, nullableTimestamp } from './common';
import { currencySchema, noQuery } from './fields';

/**
 * A merchant's routing rules as the API takes and shows them (docs/api.md, "Routing rules"; decision 0027):
 * `{"rules": [{"id", "when": {currency, amount, card_brand, bin_country}, "then": {"channels": [...]} |
 * {"split": [{"channel", "weight"}]}}]}`. The shape is checked here; what a shape cannot say (a channel
 * that does not exist, a currency no listed channel settles) by domain/routing-rules.ts `ruleSetProblems`,
 * in the same validation pass, so every refusal is one 422 naming the rule and the field.
 */
export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'diners', 'unionpay'] as const satisfies readonly CardBrand[];
export const MAX_ROUTING_RULES = 50;
const MAX_WEIGHT = 10_000;
const amountMessage = 'must be an integer count of the currency\'s minor units, 0 or more';
const minorAmount = z.int({ error: amountMessage }).check(z.minimum(0, { error: amountMessage }));
const weightMessage = `must be a positive integer, at most ${MAX_WEIGHT}`;
const listOfAtLeastOne = <Item extends z.ZodMiniType>(item: Item, max: number) =>
  z.array(item).check(z.minLength(1, { error: 'must list at least one value (leave the condition out to match any)' }), z.maxLength(max, { error: `must list at most ${max} values` }));

const conditionsSchema = z.strictObject({
  currency: z.optional(listOfAtLeastOne(currencySchema, 50)),
  amount: z.optional(
    z.partialRecord(currencySchema, z.strictObject({ min: z.optional(minorAmount), max: z.optional(minorAmount) }), { error: 'must map currencies to {"min"?, "max"} in minor units' }),
  ),
  card_brand: z.optional(listOfAtLeastOne(z.enum(CARD_BRANDS, { error: `must be one of ${CARD_BRANDS.join(', ')}` }), CARD_BRANDS.length)),
  bin_country: z.optional(listOfAtLeastOne(z.string().check(z.regex(/^[A-Z]{2}$/, { error: 'must be an upper-case ISO 3166-1 alpha-2 country code, such as "DE"' })), 250)),
});

const targetSchema = z.strictObject(
  {
    channels: z.optional(z.array(z.string()).check(z.minLength(1, { error: 'must list at least one channel' }), z.maxLength(10, { error: 'must list at most 10 channels' }))),
    split: z.optional(
      z
        .array(z.strictObject({ channel: z.string(), weight: z.int({ error: weightMessage }).check(z.positive({ error: weightMessage }), z.lte(MAX_WEIGHT, { error: weightMessage })) }))
        .check(z.minLength(1, { error: 'must list at least one channel' }), z.maxLength(10, { error: 'must list at most 10 channels' })),
    ),
  },
  { error: 'must be {"channels": [...]} or {"split": [{"channel", "weight"}]}' },
);

const ruleSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, "_" or "-"' })),
  when: z._default(conditionsSchema, {}),
  then: targetSchema,
});

/** The body of `POST /v1/routing_rules` and of the operator API's `POST /v1/merchants/{id}/routing_rules`: the whole next version. */
export const routingRulesBody = z.strictObject(
  { rules: z.array(ruleSchema).check(z.maxLength(MAX_ROUTING_RULES, { error: `must hold at most ${MAX_ROUTING_RULES} rules` })) },
  { error: 'must be a JSON object: {"rules": [...]}' },
);
export type RoutingRulesBody = z.output<typeof routingRulesBody>;

/** The rules as the domain holds them. */
export const ruleSetOf = (body: RoutingRulesBody, version: number): RoutingRuleSet => ({
  version,
  rules: body.rules.map(
    (rule): RoutingRule => ({
      id: rule.id,
      when: {
        ...(rule.when.currency ? { currency: rule.when.currency } : {}),
        ...(rule.when.amount ? { amount: rule.when.amount as Readonly<Record<string, AmountRange>> } : {}),
        ...(rule.when.card_brand ? { cardBrand: rule.when.card_brand } : {}),
        ...(rule.when.bin_country ? { binCountry: rule.when.bin_country } : {}),
      },
      then: rule.then.split ? { split: rule.then.split } : { channels: rule.then.channels ?? [] },
    }),
  ),
});

const ruleLabel = (payload: unknown, index: number): string => {
  const rule = (payload as { rules?: unknown[] } | null)?.rules?.[index];
  const id = rule && typeof rule === 'object' ? (rule as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? `rule '${id}'` : `rule ${index + 1}`;
};

/**
 * What the endpoints validate with: the shape, then each rule's target (exactly one of `channels` and
 * `split`) and the domain's checks against the channels' contracts. Every message inside a rule starts
 * with the rule's id (`rules.0.then.channels.1`: "rule 'eu-cards': is not a channel: 'acme' ...").
 */
export const routingRulesInput = z.unknown().check((payload) => {
  const issue = (path: readonly (string | number)[], message: string) => {
    const index = path[0] === 'rules' && typeof path[1] === 'number' ? path[1] : undefined;
    payload.issues.push({ code: 'custom', path: [...path], message: index === undefined ? message : `${ruleLabel(payload.value, index)}: ${message}`, input: payload.value });
  };
  const parsed = routingRulesBody.safeParse(payload.value);
  if (!parsed.success) {
    for (const error of parsed.error.issues) {
      const path = error.path.map((key) => (typeof key === 'symbol' ? String(key) : key));
      if (error.code === 'unrecognized_keys') for (const key of error.keys) issue([...path, key], 'is not a recognized field');
      else issue(path, error.message);
    }
    return;
  }
  parsed.data.rules.forEach((rule, index) => {
    if ((rule.then.channels === undefined) === (rule.then.split === undefined)) issue(['rules', index, 'then'], 'must have exactly one of "channels" (an ordered list) and "split" (a volume split)');
  });
  if (payload.issues.length > 0) return;
  for (const problem of ruleSetProblems(ruleSetOf(parsed.data, 0).rules, cardChannels)) issue(problem.field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)), problem.message);
});

export const routingRuleJsonSchema = ruleSchema;

/** The rule set in force as the API shows it; version 0 with no rules: the merchant has set none (its strategy routes). */
export const routingRulesSchema = z.strictObject({
  object: z.literal('routing_rules'),
  merchant_id: z.string(),
  version: z.int(),
  rules: z.array(ruleSchema),
  set_at: nullableTimestamp,
});
export type RoutingRulesJson = z.output<typeof routingRulesSchema>;

export const presentRoutingRules = (merchantId: string, ruleSet: (RoutingRuleSet & { readonly setAt?: string }) | undefined): RoutingRulesJson => ({
  object: 'routing_rules',
  merchant_id: merchantId,
  version: ruleSet?.version ?? 0,
  rules: (ruleSet?.rules ?? []).map((rule) => ({
    id: rule.id,
    when: {
      ...(rule.when.currency ? { currency: [...rule.when.currency] as never } : {}),
      ...(rule.when.amount ? { amount: rule.when.amount as never } : {}),
      ...(rule.when.cardBrand ? { card_brand: [...rule.when.cardBrand] as never } : {}),
      ...(rule.when.binCountry ? { bin_country: [...rule.when.binCountry] } : {}),
    },
    then: 'split' in rule.then ? { split: rule.then.split.map((share) => ({ ...share })) } : { channels: [...rule.then.channels] },
  })),
  set_at: ruleSet?.setAt ?? null,
});

export const routingRuleSchemas = { RoutingRules: routingRulesSchema };

export const routingRuleContracts = {
  getRoutingRules: {
    tag: 'Routing rules',
    summary: "The merchant's routing rules in force",
    description: 'Version 0 with no rules when the merchant has set none: every payment is routed by its strategy (least cost unless set otherwise).',
    query: noQuery,
    responses: { 200: { description: 'The rule set in force', schema: routingRulesSchema } },
  },
  setRoutingRules: {
    tag: 'Routing rules',
    summary: "Replace the merchant's routing rules (the next version)",
    description:
      'The whole rule set, stored as the next version and in force for payments screened from about 30 seconds later. The first rule whose conditions all hold decides a payment: its `channels` in order, or one channel of its `split` drawn by weight (the same for every retry of a payment); the others follow as the failover order, and a channel whose circuit breaker is open is skipped. A rule set that does not parse, names an unknown field or channel, or would route a currency nowhere is refused with 422 naming the rule and the field, and the version in force stays.',
    body: routingRulesBody,
    responses: { 200: { description: 'The rule set now in force', schema: routingRulesSchema } },
  },
} as const satisfies Record<string, RouteContract>;
