import * as z from 'zod/mini';
import { COUNTRY_CODES } from '../domain/payouts/countries';
import {
  type ListCondition,
  MAX_VELOCITY_WINDOW_MINUTES,
  type RiskConditions,
  type RiskRule,
  type RiskRuleSet,
  VELOCITY_SUBJECTS,
} from '../domain/risk';
import type { RouteContract } from './common';
import { currencySchema, noQuery } from './fields';

/**
 * A merchant's risk rule set as the API takes and shows it (docs/api.md, "Risk rules"; domain/risk.ts).
 * Every field is checked here: a rule that does not parse or names a field the engine does not know is
 * refused whole (422 naming the rule and the field), and the version in force stays in force.
 */
const MAX_RULES = 50;
const MAX_LIST = 500;
const MAX_SCORE = 1000;

const listOfValues = (value: z.ZodMiniType, what: string) => {
  const values = z.array(value).check(z.minLength(1, { error: `must list at least one ${what}` }), z.maxLength(MAX_LIST, { error: `must list at most ${MAX_LIST} values` }));
  return z
    .strictObject({ in: z.optional(values), not_in: z.optional(values) }, { error: `must be an object: {"in": [...]} or {"not_in": [...]}` })
    .check(z.refine((list) => list.in !== undefined || list.not_in !== undefined, { error: 'must have `in` or `not_in`' }));
};

const countryMessage = 'must be an ISO 3166-1 alpha-2 country code, such as "CA"';
const country = z.enum(COUNTRY_CODES as [string, ...string[]], { error: countryMessage });
const binMessage = 'must be a BIN of 6 digits';
const bin = z.string({ error: binMessage }).check(z.regex(/^\d{6}$/, { error: binMessage }));

const boundMessage = 'must be a non-negative integer';
const bound = z.int({ error: boundMessage }).check(z.minimum(0, { error: boundMessage }));
const rangeHolds = (range: { gte?: number; lt?: number }) => range.gte !== undefined || range.lt !== undefined;
const rangeOrdered = (range: { gte?: number; lt?: number }) => range.gte === undefined || range.lt === undefined || range.gte < range.lt;

const windowMessage = `must be an integer number of minutes from 1 to ${MAX_VELOCITY_WINDOW_MINUTES}`;
const countMessage = 'must be a non-negative integer count of payments';

export const riskConditionsSchema = z
  .strictObject(
    {
      amount: z.optional(
        z
          .strictObject({ currency: currencySchema, gte: z.optional(bound), lt: z.optional(bound) }, { error: 'must be an object: {"currency": "USD", "gte"?: 100000, "lt"?: 500000} (minor units)' })
          .check(z.refine(rangeHolds, { error: 'must have `gte` or `lt`' }), z.refine(rangeOrdered, { error: '`gte` must be below `lt`', path: ['lt'] })),
      ),
      amount_major: z.optional(
        z
          .strictObject({ gte: z.optional(bound), lt: z.optional(bound) }, { error: 'must be an object: {"gte"?: 1000000, "lt"?: ...} (major units of any currency)' })
          .check(z.refine(rangeHolds, { error: 'must have `gte` or `lt`' }), z.refine(rangeOrdered, { error: '`gte` must be below `lt`', path: ['lt'] })),
      ),
      currency: z.optional(listOfValues(currencySchema, 'currency')),
      bin: z.optional(listOfValues(bin, 'BIN')),
      card_country: z.optional(listOfValues(country, 'country')),
      ip_country: z.optional(listOfValues(country, 'country')),
      card_ip_country_mismatch: z.optional(z.boolean({ error: 'must be true or false' })),
      velocity: z.optional(
        z.strictObject(
          {
            per: z.enum(VELOCITY_SUBJECTS, { error: `must be one of ${VELOCITY_SUBJECTS.join(', ')}` }),
            window_minutes: z.int({ error: windowMessage }).check(z.minimum(1, { error: windowMessage }), z.maximum(MAX_VELOCITY_WINDOW_MINUTES, { error: windowMessage })),
            gt: z.int({ error: countMessage }).check(z.minimum(0, { error: countMessage }), z.maximum(1_000_000, { error: countMessage })),
          },
          { error: 'must be an object: {"per": "card", "window_minutes": 10, "gt": 5}' },
        ),
      ),
    },
    { error: 'must be an object of conditions (amount, amount_major, currency, bin, card_country, ip_country, card_ip_country_mismatch, velocity)' },
  )
  .check(z.refine((when) => Object.keys(when).length > 0, { error: 'must hold at least one condition' }));

const ruleIdMessage = 'must be 1 to 40 lower-case letters, digits and underscores';
const scoreMessage = `must be an integer from 0 to ${MAX_SCORE}`;
const score = z.int({ error: scoreMessage }).check(z.minimum(0, { error: scoreMessage }), z.maximum(MAX_SCORE, { error: scoreMessage }));
const thresholdMessage = `must be an integer from 1 to ${MAX_SCORE * MAX_RULES}`;
const threshold = z.int({ error: thresholdMessage }).check(z.minimum(1, { error: thresholdMessage }), z.maximum(MAX_SCORE * MAX_RULES, { error: thresholdMessage }));

export const riskRuleSchema = z.strictObject(
  {
    id: z.string({ error: ruleIdMessage }).check(z.regex(/^[a-z0-9_]{1,40}$/, { error: ruleIdMessage })),
    when: riskConditionsSchema,
    score,
  },
  { error: 'must be an object: {"id": "...", "when": {...}, "score": 50}' },
);

/** POST body: the whole rule set, which replaces the one in force as its next version. */
export const riskRuleSetBody = z
  .strictObject(
    {
      rules: z.array(riskRuleSchema, { error: 'must be a list of rules' }).check(z.maxLength(MAX_RULES, { error: `must hold at most ${MAX_RULES} rules` })),
      thresholds: z
        .strictObject({ review: z.optional(threshold), block: threshold }, { error: 'must be an object: {"review"?: 50, "block": 80}' })
        .check(z.refine((t) => t.review === undefined || t.review < t.block, { error: '`review` must be below `block`', path: ['review'] })),
    },
    { error: 'must be a JSON object: {"rules": [...], "thresholds": {"review"?: 50, "block": 80}}' },
  )
  .check(
    z.superRefine((set, context) => {
      const seen = new Set<string>();
      set.rules.forEach((rule, index) => {
        if (seen.has(rule.id)) context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicates the id of an earlier rule` });
        seen.add(rule.id);
      });
    }),
  );
export type RiskRuleSetBody = z.output<typeof riskRuleSetBody>;

/**
 * The 422 answer's fields for a refused rule set: each error inside a rule names the rule by its id
 * (`rules.2.when.ip_cuntry`: "rule geo_mismatch: is not a recognized field").
 */
export const nameRulesInErrors = (errors: readonly { field: string; message: string }[], data: unknown): { field: string; message: string }[] =>
  errors.map((error) => {
    const match = /^rules\.(\d+)(\.|$)/.exec(error.field);
    if (!match) return error;
    const rules = (data as { rules?: unknown } | null)?.rules;
    const rule = Array.isArray(rules) ? (rules[Number(match[1])] as { id?: unknown } | undefined) : undefined;
    const id = typeof rule?.id === 'string' && rule.id.length > 0 && rule.id.length <= 40 ? rule.id : `#${Number(match[1]) + 1}`;
    return { field: error.field, message: `rule ${id}: ${error.message}` };
  });

const listOf = (list: { in?: readonly unknown[]; not_in?: readonly unknown[] } | undefined): ListCondition | undefined =>
  list ? { ...(list.in ? { in: list.in.map(String) } : {}), ...(list.not_in ? { notIn: list.not_in.map(String) } : {}) } : undefined;

const defined = <T extends object>(entries: T): T => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as T;

/** The API's rule set → the engine's, as the next version of the merchant's. */
export const ruleSetOf = (body: RiskRuleSetBody, version: number): RiskRuleSet => ({
  owner: 'merchant',
  version,
  rules: body.rules.map(
    (rule): RiskRule => ({
      id: rule.id,
      score: rule.score,
      when: defined<RiskConditions>({
        amount: rule.when.amount,
        amountMajor: rule.when.amount_major,
        currency: listOf(rule.when.currency),
        bin: listOf(rule.when.bin),
        cardCountry: listOf(rule.when.card_country),
        ipCountry: listOf(rule.when.ip_country),
        cardIpCountryMismatch: rule.when.card_ip_country_mismatch,
        velocity: rule.when.velocity ? { per: rule.when.velocity.per, windowMinutes: rule.when.velocity.window_minutes, gt: rule.when.velocity.gt } : undefined,
      }),
    }),
  ),
  thresholds: defined({ review: body.thresholds.review, block: body.thresholds.block }),
});

const listJson = (list: ListCondition | undefined) => (list ? defined({ in: list.in, not_in: list.notIn }) : undefined);

/** The engine's rule set → the API's, as GET and POST answer it. */
export const presentRiskRules = (merchantId: string, ruleSet: RiskRuleSet, setAt?: string) => ({
  object: 'risk_rules' as const,
  merchant_id: merchantId,
  owner: ruleSet.owner,
  version: ruleSet.version,
  rules: ruleSet.rules.map((rule) => ({
    id: rule.id,
    score: rule.score,
    when: defined({
      amount: rule.when.amount,
      amount_major: rule.when.amountMajor,
      currency: listJson(rule.when.currency),
      bin: listJson(rule.when.bin),
      card_country: listJson(rule.when.cardCountry),
      ip_country: listJson(rule.when.ipCountry),
      card_ip_country_mismatch: rule.when.cardIpCountryMismatch,
      velocity: rule.when.velocity ? { per: rule.when.velocity.per, window_minutes: rule.when.velocity.windowMinutes, gt: rule.when.velocity.gt } : undefined,
    }),
  })),
  thresholds: { review: ruleSet.thresholds.review ?? null, block: ruleSet.thresholds.block },
  set_at: setAt ?? null,
});

const listJsonSchema = z.strictObject({ in: z.optional(z.array(z.string())), not_in: z.optional(z.array(z.string())) });

export const riskRulesSchema = z.strictObject({
  object: z.literal('risk_rules'),
  merchant_id: z.string(),
  /** `platform`: the merchant has set none, the platform's defaults apply; `merchant`: its own, at `version`. */
  owner: z.enum(['platform', 'merchant']),
  version: z.int(),
  rules: z.array(
    z.strictObject({
      id: z.string(),
      score: z.int(),
      when: z.strictObject({
        amount: z.optional(z.strictObject({ currency: z.string(), gte: z.optional(z.int()), lt: z.optional(z.int()) })),
        amount_major: z.optional(z.strictObject({ gte: z.optional(z.int()), lt: z.optional(z.int()) })),
        currency: z.optional(listJsonSchema),
        bin: z.optional(listJsonSchema),
        card_country: z.optional(listJsonSchema),
        ip_country: z.optional(listJsonSchema),
        card_ip_country_mismatch: z.optional(z.boolean()),
        velocity: z.optional(z.strictObject({ per: z.enum(VELOCITY_SUBJECTS), window_minutes: z.int(), gt: z.int() })),
      }),
    }),
  ),
  thresholds: z.strictObject({ review: z.nullable(z.int()), block: z.int() }),
  set_at: z.nullable(z.string()),
});
export type RiskRulesJson = z.output<typeof riskRulesSchema>;

export const riskRuleSchemas = { RiskRules: riskRulesSchema };

export const riskRuleContracts = {
  getRiskRules: {
    tag: 'Risk rules',
    summary: 'The risk rule set in force',
    description: "The merchant's own rule set at its latest version, or the platform's defaults (`owner: platform`) while it has set none.",
    query: noQuery,
    responses: { 200: { description: 'The rule set in force', schema: riskRulesSchema } },
  },
  setRiskRules: {
    tag: 'Risk rules',
    summary: 'Replace the risk rule set (a new version)',
    description:
      'Each rule adds its `score` when all its conditions hold; the total against `thresholds` decides: `block` declines the payment, `review` lets it proceed and queues it for an operator. A rule set that does not parse, or names an unknown field, is refused (422 naming the rule and the field) and the version in force stays. Applies to payments screened from about 30 s later.',
    body: riskRuleSetBody,
    responses: { 200: { description: 'The new version, now in force', schema: riskRulesSchema } },
  },
} as const satisfies Record<string, RouteContract>;
