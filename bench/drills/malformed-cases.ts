import fc from 'fast-check';
import { type IdKind, idKinds, idShapes } from '../../lambdas/domain/ids';
import { cardChannelNames } from '../../platform/channels';
import { type OperatorRole, type OperatorRouteDeclaration, operatorRoutes } from '../../platform/operator-routes';
import { type RouteDeclaration, allowedMethods, isCounterpartyWebhook, routes } from '../../platform/routes';
import { seededRandom } from '../lib/http';

/**
 * The malformed-input drill's requests, generated from a seed and from the route declarations
 * (platform/routes.ts, platform/operator-routes.ts), not from a hand list: every declared route, every id
 * in its path, every GET's query, every POST's body, broken one way at a time. Each request carries what
 * the answer must be (status, and the field it must name), so the drill checks more than "not 5xx".
 *
 * Round-robin over the routes: round 1 gives each route its path ids (or, for a GET without any, its
 * `starting_after`), later rounds cycle each route through its other defect families in a seeded order,
 * so a few rounds cover every route and every id, and 1,000 requests cover every (route, family) pair.
 * Every request is refused before the idempotency store and any use case: bad input never writes.
 */
export type DrillApi = 'merchant' | 'operator';

export interface BadRequest {
  /** The defect family (`path.id`, `body.duplicate_key`, `query.starting_after`...). */
  readonly kind: string;
  /** The declared route (`merchant POST /v1/refunds`), or a pseudo route (`merchant unknown_route`). */
  readonly route: string;
  readonly api: DrillApi;
  readonly method: string;
  /** Percent-encoded path and query, as sent. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Operator API: sign with this role's credentials; unsigned when absent. */
  readonly signAs?: OperatorRole;
  /** The answer it must get: one of these statuses, and, when given, a problem naming this field. */
  readonly expect: { readonly status: readonly number[]; readonly field?: string };
}

/** A valid body for each POST route, from which every body case breaks exactly one thing. */
interface BodyTemplate {
  readonly body: Record<string, unknown>;
  readonly required: readonly string[];
}

const RISK_RULES = {
  rules: [{ id: 'big_usd', when: { amount: { currency: 'USD', gte: 100_000 } }, score: 50 }],
  thresholds: { review: 50, block: 80 },
};
const VALID_CARD = { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' };
export const VALID_PAYMENT = {
  amount: 1999,
  currency: 'USD',
  payment_method: { type: 'card', card: VALID_CARD },
  capture_method: 'automatic',
  description: 'Drill order',
  metadata: { order: 'A-1' },
};

type PostFunction =
  | Extract<(typeof routes)[number], { method: 'POST' }>['function']
  | Extract<(typeof operatorRoutes)[number], { method: 'POST' }>['function'];

/** One per declared POST route: TypeScript fails here when a POST route is added without one. */
const BODIES = {
  createPayment: { body: VALID_PAYMENT, required: ['amount', 'currency', 'payment_method'] },
  requestPaymentCapture: { body: { amount_to_capture: 1000 }, required: [] },
  requestPaymentCancel: { body: { cancellation_reason: 'duplicate' }, required: [] },
  createRefund: { body: { payment_id: idShapes.payment.example, amount: 100, reason: 'duplicate' }, required: ['payment_id'] },
  receiveChannelEvent: { body: { object: 'list', data: [{ id: 'evt_forged', object: 'event', type: 'capture.settled', data: { object: { id: 'cap_forged', amount: 100 } } }] }, required: [] },
  receivePayoutRailEvents: { body: { id: 'evt_forged', type: 'payment.settled', data: { end_to_end_id: 'E00000000202612071200forged00000', idempotency_key: 'po_forged' } }, required: [] },
  createApiKey: { body: {}, required: [] },
  revokeApiKey: { body: {}, required: [] },
  setRoutingRules: { body: { rules: [{ id: 'eur-split', when: { currency: ['EUR'], card_brand: ['visa'] }, then: { split: [{ channel: 'atlas', weight: 3 }, { channel: 'boreal', weight: 1 }] } }] }, required: ['rules'] },
  createFxQuote: { body: { sell_currency: 'USD', buy_currency: 'EUR', sell_amount: 10_000, validity: 'MIN_15' }, required: ['sell_currency', 'buy_currency', 'validity'] },
  createConversion: { body: { quote_id: idShapes.fx_quote.example }, required: ['quote_id'] },
  createBeneficiary: {
    body: { name: 'Jana Novakova', entity_type: 'individual', country: 'DE', currency: 'EUR', bank_account: { rail: 'sepa', iban: 'DE89370400440532013000' }, metadata: { ref: 'B-1' } },
    required: ['name', 'entity_type', 'country', 'currency', 'bank_account'],
  },
  createPayout: {
    body: { beneficiary_id: idShapes.beneficiary.example, amount: 1000, currency: 'EUR', reference: 'Invoice 42', description: 'Drill payout', metadata: { ref: 'P-1' } },
    required: ['beneficiary_id', 'amount', 'currency', 'reference'],
  },
  cancelPayout: { body: {}, required: [] },
  createWebhookEndpoint: { body: { url: 'https://hooks.example.com/xborder', enabled_events: ['payment.succeeded', 'payout.*'], description: 'Drill endpoint' }, required: ['url', 'enabled_events'] },
  updateWebhookEndpoint: { body: { url: 'https://hooks.example.com/xborder', enabled_events: ['*'], description: 'Drill endpoint', disabled: false }, required: [] },
  rotateWebhookSecret: { body: {}, required: [] },
  redeliverEvent: { body: { endpoint_id: idShapes.webhook_endpoint.example }, required: [] },
  opsOnboardMerchant: { body: { name: 'Drill Merchant', id: 'mer_drill_merchant' }, required: ['name'] },
  opsCreateApiKey: { body: {}, required: [] },
  opsRevokeApiKey: { body: {}, required: [] },
  opsSetPayoutLimits: { body: { currency: 'USD', review_limit: 1_000_000, daily_limit: 3_000_000 }, required: ['currency'] },
  opsSetRoutingRules: { body: { rules: [{ id: 'big-eur', when: { amount: { EUR: { min: 100_000 } } }, then: { channels: ['atlas', 'boreal'] } }] }, required: ['rules'] },
  opsReviewPayout: { body: { decision: 'approve', note: 'Checked' }, required: ['decision'] },
  opsReviewPayment: { body: { decision: 'approve' }, required: ['decision'] },
  setRiskRules: { body: RISK_RULES, required: ['rules', 'thresholds'] },
  opsSetRiskRules: { body: RISK_RULES, required: ['rules', 'thresholds'] },
  opsResolveReconciliationBreak: { body: { note: 'Fee corrected in the next batch' }, required: ['note'] },
  opsStartHomeRegionMove: { body: { region: 'us-west-2' }, required: ['region'] },
  opsRedriveExecution: { body: { execution_arn: 'arn:aws:states:us-east-1:000000000000:execution:xborder-saga-recovery:pay_drill-1' }, required: ['execution_arn'] },
} as const satisfies Record<PostFunction, BodyTemplate>;

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const shuffled = <T>(random: Random, items: readonly T[]): T[] => {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
};
const text = (random: Random, alphabet: readonly string[], length: number): string => Array.from({ length }, () => pick(random, alphabet)).join('');
const ASCII = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const UNICODE = ['ñ', 'ü', 'é', 'ß', 'Ω', '日', '本', '語', 'ع', '😀', '🇩🇪', '\u200b', '\u202e', '\u0301', 'Ａ', '５'];

/** Ids of the wrong shape for a kind: long (what issue 13 measured), unicode, another kind's, prototype names... */
const wrongId = (random: Random, kind: IdKind): { label: string; value: string } => {
  const { example } = idShapes[kind];
  const prefix = example.slice(0, example.indexOf('_') + 1);
  const other = idShapes[pick(random, idKinds.filter((candidate) => candidate !== kind))].example;
  // Just outside the shape's bounds: merchant ids and audit entry ids vary in length, the derived ones do not.
  const [short, long] =
    kind === 'merchant' ? ['mer_abc', `mer_${'a'.repeat(61)}`] : kind === 'audit_entry' ? ['us-east-1.0.', `us-east-1.0.${'1'.repeat(16)}`] : [example.slice(0, -1), `${example}a`];
  const cases: [string, () => string][] = [
    ['long', () => `${prefix}${text(random, ASCII, int(random, 1000, 3000))}`],
    ['long_no_prefix', () => text(random, ASCII, int(random, 2049, 3000))],
    ['unicode', () => `${example.slice(0, -3)}${text(random, UNICODE, 3)}`],
    ['long_unicode', () => `${prefix}${text(random, UNICODE, int(random, 300, 1000))}`],
    ['prototype_name', () => pick(random, ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'])],
    ['other_kind', () => other],
    ['upper_case', () => example.toUpperCase()],
    ['one_short', () => short],
    ['one_long', () => long],
    ['control_character', () => `${example.slice(0, -1)}${pick(random, ['\u0000', '\u0007', '\n', '\t'])}`],
    ['prefix_only', () => prefix || '-'],
    ['space', () => ` ${example}`],
  ];
  const [label, make] = pick(random, cases);
  return { label, value: make() };
};

/** Values no field of the API accepts anywhere: refused whichever field they land in. `raw` is sent as-is. */
/** The `occurrence`-th wrong value of a run: every kind in turn, so each appears however many routes share the run. */
/** A value of the wrong kind for `original` (never a boolean where a boolean is valid: `disabled: true` is no defect). */
const invalidValue = (random: Random, occurrence: number, original: unknown): { label: string; value?: unknown; raw?: string } => {
  const kinds: (() => { label: string; value?: unknown; raw?: string })[] = [
    () => ({ label: 'long_string', value: text(random, ASCII, int(random, 1001, 3000)) }),
    () => ({ label: 'long_unicode', value: text(random, UNICODE, int(random, 1001, 2000)) }),
    () => ({ label: 'lone_surrogate', raw: `"x\\u${pick(random, ['d800', 'dbff', 'dc00', 'dfff'])}"` }),
    () => ({ label: 'boolean', value: random() < 0.5 }),
    () => ({ label: 'array', value: [1, 'two', { three: 3 }] }),
    () => ({ label: 'object', value: { unexpected: { nested: true } } }),
    () => ({ label: 'huge_number', raw: pick(random, ['1e400', '-1e400', '18446744073709551616', '1e21', '123456789012345678901234567890']) }),
    () => ({ label: 'fraction', value: pick(random, [0.5, 1.0000001, 19.99]) }),
    () => ({ label: 'negative', value: -int(random, 1, 1_000_000) }),
  ];
  const kind = kinds[occurrence % kinds.length] as (typeof kinds)[number];
  const chosen = kind();
  return typeof chosen.value === 'boolean' && typeof original === 'boolean' ? (kinds[(occurrence + 1) % kinds.length] as (typeof kinds)[number])() : chosen;
};

/** JSON text with placeholders replaced by raw text (numbers JSON.stringify cannot write, such as 1e400). */
const withRaw = (value: unknown, raws: Map<string, string>): string => {
  let json = JSON.stringify(value);
  for (const [marker, raw] of raws) json = json.replace(JSON.stringify(marker), raw);
  return json;
};

/** Dotted paths of every value in an object (objects themselves included, arrays as leaves). */
const pathsOf = (value: Record<string, unknown>, prefix: string[] = []): string[][] =>
  Object.entries(value).flatMap(([key, item]) => {
    const path = [...prefix, key];
    return item !== null && typeof item === 'object' && !Array.isArray(item) ? [path, ...pathsOf(item as Record<string, unknown>, path)] : [path];
  });

const setAt = (target: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> => {
  const copy = structuredClone(target);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1) as string] = value;
  return copy;
};

/** Names that are not fields: prototype names, case and spacing variants of real ones, very long and unicode names. */
const unknownFieldName = (random: Random, known: readonly string[]): string => {
  const real = known.length ? pick(random, known) : 'amount';
  return pick<() => string>(random, [
    () => pick(random, ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype']),
    () => `${real.charAt(0).toUpperCase()}${real.slice(1)}`,
    () => `${real} `,
    () => `${real}\u200b`,
    () => `${real.slice(0, -1)}${text(random, UNICODE, 1)}`,
    () => text(random, ASCII, int(random, 300, 3000)),
    () => text(random, UNICODE, int(random, 1, 40)),
    () => `x_${text(random, ASCII, 8)}`,
  ])();
};

const notAnObject = (random: Random) =>
  pick(random, ['null', '[]', '[{}]', '42', '"text"', 'true', '{', '{"amount": 1999,', 'amount=1999&currency=USD', '{}}', '{"a":1}{"b":2}', '\u0000', '{"a":1,}', "{'a': 1}", '\uFEFF{}', text(random, UNICODE, 12)]);

/** The payment-specific invalid values of the first version of this drill, each refused by one rule. */
const withCard = (change: Record<string, unknown>) => ({ ...VALID_PAYMENT, payment_method: { type: 'card', card: { ...VALID_CARD, ...change } } });
const badPaymentBodies: fc.Arbitrary<{ field: string; body: unknown }> = fc.oneof(
  fc.oneof(fc.double({ min: 0.01, max: 1e6, noInteger: true, noNaN: true }), fc.integer({ max: 0 }), fc.string(), fc.constant(null), fc.constant(100_000_000_000)).map((amount) => ({ field: 'amount', body: { ...VALID_PAYMENT, amount } })),
  fc.oneof(fc.constantFrom('usd', 'US', 'USDD', 'XAU', 'XTS', 'XXX', 'ZZZ', ''), fc.integer()).map((currency) => ({ field: 'currency', body: { ...VALID_PAYMENT, currency } })),
  fc.oneof(fc.constantFrom('4242424242424241', '4242', '42424242424242424242', 'abcdabcdabcdabcd', '4242 4242 4242 4242'), fc.integer()).map((number) => ({ field: 'payment_method.card.number', body: withCard({ number }) })),
  fc.oneof(fc.constantFrom(0, 13, -1, 1.5, '12'), fc.integer({ min: 13 })).map((exp_month) => ({ field: 'payment_method.card.exp_month', body: withCard({ exp_month }) })),
  fc.oneof(fc.constantFrom(2000, 2019, 99, 20300, '2030'), fc.integer({ min: 2100 })).map((exp_year) => ({ field: 'payment_method.card.exp_year', body: withCard({ exp_year }) })),
  fc.oneof(fc.constantFrom('12', '12345', 'abc', ''), fc.integer()).map((cvc) => ({ field: 'payment_method.card.cvc', body: withCard({ cvc }) })),
  fc.constantFrom('auto', 'MANUAL', '', 'later').map((capture_method) => ({ field: 'capture_method', body: { ...VALID_PAYMENT, capture_method } })),
  fc.oneof(fc.constant(Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, 'v']))), fc.constant({ order: 'x'.repeat(501) }), fc.constant({ order: 42 })).map((metadata) => ({ field: 'metadata', body: { ...VALID_PAYMENT, metadata } })),
  fc.constantFrom({ type: 'bank' }, 'card', null, { type: 'card' }).map((payment_method) => ({ field: 'payment_method', body: { ...VALID_PAYMENT, payment_method } })),
);

interface Target {
  readonly name: string;
  readonly api: DrillApi;
  readonly route?: RouteDeclaration;
  /** Defect families that apply, in the order round-robin first tries them. */
  readonly families: readonly string[];
  /** Families any run must cover (the first round gives them): its path ids, or a list's starting_after. */
  readonly mustCover: readonly string[];
}

const routeName = (api: DrillApi, route: RouteDeclaration) => `${api} ${route.method} ${route.path}`;
const paramsOf = (route: RouteDeclaration) => [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);

/** Every declared route (and the pseudo routes: unknown paths, undeclared methods) with its defect families. */
export const drillTargets = (random: Random): Target[] => {
  const declared: [DrillApi, RouteDeclaration][] = [
    ...(routes as readonly RouteDeclaration[]).map((route): [DrillApi, RouteDeclaration] => ['merchant', route]),
    ...(operatorRoutes as readonly RouteDeclaration[]).map((route): [DrillApi, RouteDeclaration] => ['operator', route]),
  ];
  const targets = declared.map(([api, route]): Target => {
    const first = paramsOf(route).map((name) => `path.${name}`);
    const others: string[] = [];
    if (isCounterpartyWebhook(route)) return { name: routeName(api, route), api, route, families: ['webhook.signature', 'webhook.channel', 'webhook.body'], mustCover: [] };
    // Public (the OpenAPI document): no key to get wrong, only its query string.
    if (route.auth === 'public') return { name: routeName(api, route), api, route, families: shuffled(random, ['query.unknown', 'query.repeated']), mustCover: [] };
    if (route.method === 'GET') {
      (first.length ? others : first).push('query.starting_after');
      others.push('query.ending_before', 'query.created', 'query.limit', 'query.unknown', 'query.repeated');
    } else if (route.method === 'DELETE') {
      // No body, no query: its path ids and its key are all a request can get wrong.
    } else {
      const template = BODIES[route.function as PostFunction] as BodyTemplate;
      others.push('body.wrong_value', 'body.unknown_field', 'body.proto_key', 'body.duplicate_key', 'body.deep_nesting', 'body.not_an_object', 'body.too_large');
      if (template.required.length) others.push('body.missing_field', 'body.empty');
      if (!Object.keys(template.body).length) others.splice(others.indexOf('body.wrong_value'), 1);
      if (route.function === 'createPayment') others.push('body.payment_rule', 'body.payment_rule');
      if (api === 'merchant') others.push('header.idempotency_key');
    }
    others.push(api === 'merchant' ? 'header.authorization' : 'header.signature');
    if (api === 'operator' && !(route as OperatorRouteDeclaration).roles.includes('ops_viewer')) others.push('header.role');
    return { name: routeName(api, route), api, route, families: [...first, ...shuffled(random, others)], mustCover: first };
  });
  targets.push({ name: 'merchant unknown_route', api: 'merchant', families: ['route.unknown'], mustCover: [] });
  targets.push({ name: 'merchant undeclared_method', api: 'merchant', families: ['route.method'], mustCover: [] });
  targets.push({ name: 'operator unknown_route', api: 'operator', families: ['route.unknown'], mustCover: [] });
  return targets;
};

const fillPath = (route: RouteDeclaration, values: Record<string, string> = {}) =>
  route.path.replace(/\{([^}]+)\}/g, (_match, name: string) =>
    encodeURIComponent(values[name] ?? (name === 'channel' ? (cardChannelNames[0] as string) : idShapes[route.params?.[name] as IdKind].example)),
  );

const json = { 'Content-Type': 'application/json' };

/** One request of a family against a target. */
const caseOf = (random: Random, target: Target, family: string, apiKey: string, serial: number, now: number, occurrence = 0): BadRequest => {
  const { api } = target;
  const route = target.route as RouteDeclaration;
  const auth: Record<string, string> = api === 'merchant' ? { Authorization: `Bearer ${apiKey}` } : {};
  const signAs: OperatorRole | undefined = api === 'operator' ? 'ops_admin' : undefined;
  const idempotency: Record<string, string> = api === 'merchant' && route?.method === 'POST' ? { 'Idempotency-Key': `malformed-${serial}-${Math.floor(random() * 1e9)}` } : {};
  const base = { route: target.name, api, signAs };
  const refused = (field?: string) => ({ status: [422], ...(field !== undefined ? { field } : {}) });

  if (family === 'route.unknown') {
    const path = pick(random, ['/v1/paymentz', '/v2/payments', '/payments', '/v1/payments/x/y/z', '/v1/refunds/re_x/cancel', '/', '/v1', `/v1/${text(random, ASCII, int(random, 1, 12))}_x`, `/v1/${encodeURIComponent(text(random, UNICODE, 4))}`, `/v1/payments/${'a'.repeat(3000)}/${'b'.repeat(10)}`]);
    const method = pick(random, ['GET', 'POST']);
    return { ...base, kind: family, method, path, headers: { ...json, Authorization: `Bearer ${apiKey}` }, body: method === 'POST' ? '{}' : undefined, expect: { status: api === 'merchant' ? [404] : [403] } };
  }
  if (family === 'route.method') {
    const paths = [...new Set((routes as readonly RouteDeclaration[]).map((candidate) => candidate.path))];
    const path = pick(random, paths);
    const method = pick(random, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((candidate) => !(allowedMethods(path) as string[]).includes(candidate)));
    const declared = (routes as readonly RouteDeclaration[]).find((candidate) => candidate.path === path) as RouteDeclaration;
    return { ...base, kind: family, method, path: fillPath(declared), headers: { ...json, Authorization: `Bearer ${apiKey}` }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}', expect: { status: [405] } };
  }

  const template = route.method === 'POST' ? (BODIES[route.function as PostFunction] as BodyTemplate) : undefined;
  const validBody = template ? JSON.stringify(template.body) : undefined;
  const request = (kind: string, parts: { path?: string; headers?: Record<string, string>; body?: string; signAs?: OperatorRole | undefined }, expected: BadRequest['expect']): BadRequest => ({
    ...base,
    kind,
    method: route.method,
    path: parts.path ?? fillPath(route),
    headers: parts.headers ?? { ...json, ...auth, ...idempotency },
    body: 'body' in parts ? parts.body : validBody,
    signAs: 'signAs' in parts ? parts.signAs : signAs,
    expect: expected,
  });

  if (family.startsWith('path.')) {
    const name = family.slice('path.'.length);
    const wrong = wrongId(random, route.params?.[name] as IdKind);
    return request(`${family}.${wrong.label}`, { path: fillPath(route, { [name]: wrong.value }) }, refused(name));
  }
  if (family === 'query.starting_after') {
    const kind = pick(random, idKinds);
    const wrong = wrongId(random, kind);
    return request(`${family}.${wrong.label}`, { path: `${fillPath(route)}?starting_after=${encodeURIComponent(wrong.value)}` }, refused('starting_after'));
  }
  if (family === 'query.ending_before') {
    const kind = pick(random, idKinds);
    const wrong = wrongId(random, kind);
    return request(`${family}.${wrong.label}`, { path: `${fillPath(route)}?ending_before=${encodeURIComponent(wrong.value)}` }, refused('ending_before'));
  }
  if (family === 'query.created') {
    // A bound that is no time (lists ordered by creation take created[gte|gt|lte|lt]; the others know no such field).
    const name = `created[${pick(random, ['gte', 'gt', 'lte', 'lt'])}]`;
    const value = pick(random, ['yesterday', '2026-13-45T00:00:00Z', '９', 'NaN', '9'.repeat(400), '{"$gt":0}', text(random, UNICODE, 6)]);
    return request(family, { path: `${fillPath(route)}?${encodeURIComponent(name)}=${encodeURIComponent(value)}` }, refused(name));
  }
  if (family === 'query.limit') {
    const limit = pick(random, ['0', '101', '-1', '1e400', 'ten', '1.5', '', '５', 'Infinity', 'NaN', '9'.repeat(400), '١٠']);
    return request(family, { path: `${fillPath(route)}?limit=${encodeURIComponent(limit)}` }, refused('limit'));
  }
  if (family === 'query.unknown') {
    const name = pick(random, ['__proto__', 'constructor', 'expand', 'LIMIT', 'starting_before', 'limit ', text(random, UNICODE, 5), text(random, ASCII, 2000)]);
    return request(family, { path: `${fillPath(route)}?${encodeURIComponent(name)}=${encodeURIComponent(pick(random, ['1', 'x', '{"a":1}']))}` }, refused(name));
  }
  if (family === 'query.repeated') {
    const name = pick(random, ['limit', 'starting_after']);
    const value = name === 'limit' ? ['5', '100'] : [idShapes.payment.example, idShapes.payout.example];
    return request(family, { path: `${fillPath(route)}?${name}=${value[0]}&${name}=${value[1]}` }, refused(name));
  }
  if (family === 'header.authorization') {
    const authorization = pick(random, [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer sk_test_nope_nope', `Bearer ${apiKey}x`, `Bearer${apiKey}`, `Bearer ${apiKey.toUpperCase()}`, `Bearer ${apiKey.slice(0, -1)}`, `Bearer ${'a'.repeat(3000)}`]);
    return request(family, { headers: { ...json, ...idempotency, ...(authorization === undefined ? {} : { Authorization: authorization }) } }, { status: [401] });
  }
  if (family === 'header.signature') return request(family, { signAs: undefined }, { status: [403] });
  if (family === 'header.role') return request(family, { signAs: 'ops_viewer' }, { status: [403] });
  if (family === 'header.idempotency_key') {
    const key = pick(random, [undefined, '', 'has space', 'x'.repeat(256), 'tab\there', 'clé', `${'k'.repeat(255)}é`]);
    return request(family, { headers: { ...json, ...auth, ...(key === undefined ? {} : { 'Idempotency-Key': key }) } }, { status: [400], field: 'Idempotency-Key' });
  }
  if (family.startsWith('webhook.')) {
    // A bad signature is 401 before anything in the body is read, whatever the body.
    const rails = route.path.startsWith('/v1/rail_events/');
    const channel = family === 'webhook.channel'
      ? pick(random, ['nobody', 'ATLAS', 'atlas ', 'meridian', text(random, ASCII, 3000), text(random, UNICODE, 6)].filter((name) => rails || name !== 'meridian'))
      : pick(random, rails ? ['keystone', 'pulse', 'meridian'] : (cardChannelNames as readonly string[]));
    // A Meridian file comes here only as the other region forwards it (decision 0049): named, its detached
    // signature in a header; without that signature the route has no such message (404).
    const file = rails && channel === 'meridian' && family !== 'webhook.channel';
    const header = !rails ? 'Acquirer-Signature' : channel === 'keystone' ? 'Keystone-Signature' : file ? 'Xborder-Rail-File-Signature' : 'Pulse-Signature';
    const signature = pick(random, [undefined, 't=1,v1=00', 'v1=deadbeef', `t=${Math.floor(now / 1000)},v1=${'0'.repeat(64)}`, 'garbage', text(random, ASCII, 3000)]);
    const body = family === 'webhook.body' ? pick(random, [notAnObject(random), '{"id": "evt_x", "id": "evt_y"}', validBody as string]) : validBody;
    const headers = { ...json, ...(file ? { 'Xborder-Rail-File-Name': 'STATUS_20261207_1.txt' } : {}), ...(signature === undefined ? {} : { [header]: signature }) };
    return request(family, { path: `${route.path.replace('{channel}', encodeURIComponent(channel))}`, headers, body }, {
      status: family === 'webhook.channel' || (file && signature === undefined) ? [404] : [401],
    });
  }

  // Body families: a valid path and headers, the body broken one way.
  const body = (template as BodyTemplate).body as Record<string, unknown>;
  const known = Object.keys(body);
  if (family === 'body.wrong_value') {
    const path = pick(random, pathsOf(body));
    const invalid = invalidValue(random, occurrence, path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], body));
    const raws = new Map<string, string>();
    const marker = `\u0000raw${serial}`;
    if (invalid.raw !== undefined) raws.set(marker, invalid.raw);
    return request(`${family}.${invalid.label}`, { body: withRaw(setAt(body, path, invalid.raw !== undefined ? marker : invalid.value), raws) }, refused(path.join('.')));
  }
  if (family === 'body.unknown_field') {
    const name = unknownFieldName(random, known);
    return request(family, { body: JSON.stringify({ ...body, [name]: pick(random, [1, 'x', null, {}]) }) }, refused(name));
  }
  if (family === 'body.proto_key') {
    const objects = pathsOf(body).filter((path) => { const value = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], body); return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length > 0; });
    const where = objects.length && random() < 0.6 ? pick(random, objects) : [];
    const marker = `\u0000proto${serial}`;
    const inner = where.length ? setAt(body, [...where, marker], 'x') : { [marker]: 'x', ...body };
    const payload = pick(random, ['{"amount": 1}', '{"polluted": true}', '"x"', 'null', '[]']);
    return request(family, { body: JSON.stringify(inner).replace(`${JSON.stringify(marker)}:"x"`, `"__proto__":${payload}`) }, refused([...where, '__proto__'].join('.')));
  }
  if (family === 'body.duplicate_key') {
    const name = known.length ? pick(random, known) : 'x';
    const first = JSON.stringify(pick(random, [1, 'first', null, { a: 1 }]));
    const rest = JSON.stringify(known.length ? body : { x: 2 }).slice(1);
    return request(family, { body: `{${JSON.stringify(name)}:${first},${rest}` }, { status: [400], field: name });
  }
  if (family === 'body.deep_nesting') {
    const depth = int(random, 21, 5000);
    const [open, close] = pick(random, [['[', ']'], ['{"a":', '}']]) as [string, string];
    const marker = `\u0000deep${serial}`;
    const raw = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
    return request(family, { body: withRaw({ ...body, [known[0] ?? 'nested']: marker }, new Map([[marker, raw]])) }, { status: [400] });
  }
  if (family === 'body.not_an_object') return request(family, { body: notAnObject(random) }, { status: [400] });
  if (family === 'body.too_large') return request(family, { body: JSON.stringify({ ...body, padding: pick(random, ASCII).repeat(70 * 1024) }) }, { status: [413] });
  if (family === 'body.missing_field') {
    const name = pick(random, (template as BodyTemplate).required);
    const { [name]: _removed, ...rest } = body;
    return request(family, { body: JSON.stringify(rest) }, refused(name));
  }
  if (family === 'body.empty') return request(family, { body: pick(random, ['', ' ', '\n']) }, refused(pick(random, (template as BodyTemplate).required)));
  if (family === 'body.payment_rule') {
    const [bad] = fc.sample(badPaymentBodies, { numRuns: 1, seed: Math.floor(random() * 2 ** 31) }) as [{ field: string; body: unknown }];
    return request(family, { body: JSON.stringify(bad.body) }, { status: [422] });
  }
  throw new Error(`no generator for ${family}`);
};

/**
 * `count` bad requests for a seed: round-robin over the targets, each target through its families in
 * turn. The same seed (and `now`, the forged webhook timestamps' clock) gives the same requests.
 */
export const badRequests = (apiKey: string, options: { count: number; seed: number; now?: number }): BadRequest[] => {
  const now = options.now ?? Date.now();
  const random = seededRandom(options.seed);
  const targets = drillTargets(random);
  const requests: BadRequest[] = [];
  const occurrences = new Map<string, number>();
  for (let round = 0; requests.length < options.count; round += 1) {
    for (const target of shuffled(random, targets)) {
      if (requests.length >= options.count) break;
      const family = target.families[round % target.families.length] as string;
      const occurrence = occurrences.get(family) ?? 0;
      occurrences.set(family, occurrence + 1);
      requests.push(caseOf(random, target, family, apiKey, requests.length, now, occurrence));
    }
  }
  return requests;
};

/** What a set of requests covers: every declared route, each path parameter, each GET's starting_after. */
export const coverageOf = (requests: readonly BadRequest[]) => {
  const targets = drillTargets(seededRandom(0));
  const families = new Map<string, Set<string>>();
  for (const request of requests) {
    const seen = families.get(request.route) ?? new Set<string>();
    seen.add(request.kind.split('.').slice(0, 2).join('.'));
    families.set(request.route, seen);
  }
  const missing: string[] = [];
  let pairs = 0;
  let covered = 0;
  for (const target of targets) {
    const seen = families.get(target.name) ?? new Set<string>();
    if (seen.size === 0) missing.push(`${target.name} (no request)`);
    for (const family of new Set(target.families)) {
      pairs += 1;
      if (seen.has(family)) covered += 1;
      else if (target.mustCover.includes(family)) missing.push(`${target.name} ${family}`);
    }
  }
  return { routes: targets.length, routes_covered: targets.filter((target) => families.has(target.name)).length, family_pairs: pairs, family_pairs_covered: covered, missing };
};
