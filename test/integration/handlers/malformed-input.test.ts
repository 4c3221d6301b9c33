import { randomUUID } from 'node:crypto';
import { ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type IdKind, idShapes } from '../../../lambdas/domain/ids';
import { deployment } from '../../../platform/deployment';
import { operatorRoutes } from '../../../platform/operator-routes';
import { type RouteDeclaration, requiresMerchantKey, routes } from '../../../platform/routes';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type HttpResponse, request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * Issue 13 item 5: bad input never answers 5xx and never writes. Over HTTP, through the local API Gateway
 * emulator, the real authorizer and SigV4, on every route that platform/routes.ts and
 * platform/operator-routes.ts declare: each path id, query id and body id of the wrong shape (3,000
 * characters, unicode, another kind's id, `__proto__`...) is 422 `validation_error` naming it, a
 * well-shaped unknown id is 404, and a POST without a body is taken as `{}`.
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let merchant: { id: string; key: string };

const builderRoutes: (RouteDeclaration & { api: 'merchant' | 'operator' })[] = [
  ...(routes as readonly RouteDeclaration[]).filter(requiresMerchantKey).map((route) => ({ ...route, api: 'merchant' as const })),
  ...(operatorRoutes as readonly RouteDeclaration[]).map((route) => ({ ...route, api: 'operator' as const })),
];

const call = (api: 'merchant' | 'operator', method: string, path: string, options: { body?: unknown; bodyless?: boolean } = {}): Promise<HttpResponse> => {
  if (api === 'operator') {
    const [pathname = '', search = ''] = path.split('?');
    return apis.asOperator('ops_admin', method as 'GET' | 'POST', pathname, { query: Object.fromEntries(new URLSearchParams(search)), body: options.bodyless ? undefined : (options.body ?? (method === 'POST' ? {} : undefined)) });
  }
  return request(apis.merchantUrl, method, path, {
    key: merchant.key,
    idempotencyKey: method === 'POST' ? randomUUID() : undefined,
    body: options.bodyless ? undefined : (options.body ?? (method === 'POST' ? {} : undefined)),
  });
};

/** The path with each `{param}` filled: the one under test with `value`, the others with a well-shaped id. */
const pathWith = (route: RouteDeclaration, values: Record<string, string>) =>
  route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? idShapes[route.params?.[name] as IdKind].example));

/** Ids of the wrong shape for a kind: what issue 13 measured, and what a careless or hostile client sends. */
const wrongShapes = (kind: IdKind): [string, string][] => {
  const example = idShapes[kind].example;
  const other = kind === 'payment' ? idShapes.refund.example : idShapes.payment.example;
  return [
    ['3,000 characters', `${example}${'a'.repeat(3000 - example.length)}`],
    ['3,000 characters without a prefix', 'x'.repeat(3000)],
    ['unicode', `${example.slice(0, -2)}ñü`],
    ['an emoji', `${example.slice(0, -2)}😀`],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['another kind of id', other],
    ['upper case', example.toUpperCase()],
    ['a NUL character', `${example}\u0000`],
  ];
};

const tableCounts = async () => {
  const { TableNames = [] } = await db.client.send(new ListTablesCommand({}));
  const counts: Record<string, number> = {};
  for (const table of TableNames) counts[table] = (await db.client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;
  return counts;
};

const expectRefused = (response: HttpResponse, field: string) => {
  expect({ status: response.status, code: response.json?.code, fields: (response.json?.errors ?? []).map((error: { field: string }) => error.field) }).toEqual({
    status: 422,
    code: 'validation_error',
    fields: expect.arrayContaining([field]),
  });
  expect(response.headers.get('content-type')).toBe('application/problem+json');
};

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis();
  const onboarded = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name: 'Malformed Input Ltd' } });
  expect(onboarded.status).toBe(201);
  merchant = { id: onboarded.json.id, key: onboarded.json.api_key.secret };
});

afterAll(async () => {
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

describe('ids of the wrong shape: 422 naming the field, nothing written', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await tableCounts();
  });
  afterAll(async () => {
    expect(await tableCounts()).toEqual(before);
  });

  const pathCases = builderRoutes.flatMap((route) =>
    Object.entries(route.params ?? {}).flatMap(([name, kind]) => wrongShapes(kind).map(([label, value]) => [`${route.api} ${route.method} ${route.path}`, name, label, route, value] as const)),
  );

  it.each(pathCases)('%s: {%s} of %s', async (_route, name, _label, route, value) => {
    expectRefused(await call(route.api, route.method, pathWith(route, { [name]: value })), name);
  });

  const listRoutes: [api: 'merchant' | 'operator', path: string, kind: IdKind][] = [
    ['merchant', '/v1/payments', 'payment'],
    ['merchant', '/v1/balance_transactions', 'balance_transaction'],
    ['merchant', '/v1/api_keys', 'api_key'],
    ['merchant', '/v1/conversions', 'conversion'],
    ['merchant', '/v1/beneficiaries', 'beneficiary'],
    ['merchant', '/v1/payouts', 'payout'],
    ['operator', `/v1/merchants/${idShapes.merchant.example}/audit_entries`, 'audit_entry'],
  ];
  const queryCases = listRoutes.flatMap(([api, path, kind]) => wrongShapes(kind).map(([label, value]) => [`${api} GET ${path}`, label, api, path, value] as const));

  it.each(queryCases)('%s?starting_after= %s', async (_route, _label, api, path, value) => {
    expectRefused(await call(api, 'GET', `${path}?starting_after=${encodeURIComponent(value)}`), 'starting_after');
  });

  const bodyCases: [route: string, field: string, kind: IdKind, api: 'merchant' | 'operator', path: string, body: (id: string) => unknown][] = [
    ['POST /v1/refunds', 'payment_id', 'payment', 'merchant', '/v1/refunds', (id) => ({ payment_id: id })],
    ['POST /v1/conversions', 'quote_id', 'fx_quote', 'merchant', '/v1/conversions', (id) => ({ quote_id: id })],
    ['POST /v1/payouts', 'beneficiary_id', 'beneficiary', 'merchant', '/v1/payouts', (id) => ({ beneficiary_id: id, amount: 100, currency: 'EUR', reference: 'x' })],
    ['POST /v1/payouts', 'quote_id', 'fx_quote', 'merchant', '/v1/payouts', (id) => ({ beneficiary_id: idShapes.beneficiary.example, quote_id: id, amount: 100, currency: 'EUR', reference: 'x' })],
    ['operator POST /v1/merchants', 'id', 'merchant', 'operator', '/v1/merchants', (id) => ({ name: 'Shape', id })],
  ];
  const bodyIdCases = bodyCases.flatMap(([route, field, kind, api, path, body]) => wrongShapes(kind).map(([label, value]) => [route, field, label, api, path, body(value)] as const));

  it.each(bodyIdCases)('%s: %s of %s', async (_route, field, _label, api, path, body) => {
    expectRefused(await call(api, 'POST', path, { body }), field);
  });

  it.each([
    ['a key given twice', '{"payment_id": "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "payment_id": "pay_bbbbbbbbbbbbbbbbbbbbbbbbbb"}', 400, 'payment_id'],
    ['__proto__ as a key', '{"payment_id": "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "__proto__": {"amount": 1}}', 422, '__proto__'],
    ['a huge number', '{"payment_id": "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "amount": 1e400}', 422, 'amount'],
    ['nesting 5,000 deep', `{"payment_id": ${'['.repeat(5000)}${']'.repeat(5000)}}`, 400, undefined],
    ['an escaped lone surrogate', '{"payment_id": "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "reason": "x\\ud800"}', 422, 'reason'],
  ])('POST /v1/refunds with %s', async (_case, rawBody, status, field) => {
    const response = await request(apis.merchantUrl, 'POST', '/v1/refunds', { key: merchant.key, idempotencyKey: randomUUID(), rawBody });
    expect(response.status).toBe(status);
    if (field) expect(response.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('a query parameter given twice is refused, not picked', async () => {
    const response = await request(apis.merchantUrl, 'GET', '/v1/payments?limit=1&limit=100', { key: merchant.key });
    expectRefused(response, 'limit');
  });

  it('__proto__ as a query parameter is named like any unknown one (it reaches the handler as an own property, as in AWS)', async () => {
    expectRefused(await request(apis.merchantUrl, 'GET', '/v1/payments?__proto__=1', { key: merchant.key }), '__proto__');
  });

  it('a POST without a body whose fields are required names each missing field', async () => {
    const payment = await call('merchant', 'POST', '/v1/payments', { bodyless: true });
    expect(payment.json.errors.map((error: { field: string }) => error.field).sort()).toEqual(['amount', 'currency', 'payment_method']);
    const review = await call('operator', 'POST', `/v1/payouts/${idShapes.payout.example}/review`, { bodyless: true });
    expectRefused(review, 'decision');
    expectRefused(await call('operator', 'POST', '/v1/merchants', { bodyless: true }), 'name');
  });
});

describe('well-shaped ids that name nothing: 404', () => {
  const objectRoutes = builderRoutes.filter((route) => route.params && !['opsListAuditEntries', 'opsVerifyAuditChains', 'opsCreateApiKey'].includes(route.function));

  it.each(objectRoutes.map((route) => [`${route.api} ${route.method} ${route.path}`, route] as const))('%s', async (_name, route) => {
    const validBodies: Partial<Record<string, unknown>> = {
      opsReviewPayout: { decision: 'approve' },
      opsReviewPayment: { decision: 'approve' },
      opsResolveReconciliationBreak: { note: 'Checked' },
      opsStartHomeRegionMove: { region: deployment.secondaryRegion },
      opsSetPayoutLimits: { currency: 'USD', review_limit: 1_000 },
      opsSetRoutingRules: { rules: [] },
      opsSetRiskRules: { rules: [], thresholds: { block: 80 } },
    };
    const body = validBodies[route.function];
    const response = await call(route.api, route.method, pathWith(route, {}), body === undefined ? {} : { body });
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 404, code: 'resource_not_found' });
  });

  it.each([
    ['POST /v1/refunds', { payment_id: idShapes.payment.example }],
    ['POST /v1/conversions', { quote_id: idShapes.fx_quote.example }],
    ['POST /v1/payouts', { beneficiary_id: idShapes.beneficiary.example, amount: 100, currency: 'EUR', reference: 'x' }],
  ])('%s', async (route, body) => {
    const response = await call('merchant', 'POST', route.split(' ')[1] as string, { body });
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 404, code: 'resource_not_found' });
  });
});

describe('a POST without a body is taken as {}', () => {
  it.each(['/v1/payments/{id}/capture', '/v1/payments/{id}/cancel', '/v1/payouts/{id}/cancel'])('%s: on an unknown object, 404 (not 400 invalid_json)', async (template) => {
    const route = builderRoutes.find((candidate) => candidate.path === template && candidate.method === 'POST') as RouteDeclaration;
    const response = await call('merchant', 'POST', pathWith(route, {}), { bodyless: true });
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 404, code: 'resource_not_found' });
  });

  it('POST /v1/api_keys creates the successor key, and a bodyless retry with the same key replays it', async () => {
    const idempotencyKey = randomUUID();
    const created = await request(apis.merchantUrl, 'POST', '/v1/api_keys', { key: merchant.key, idempotencyKey });
    expect(created.status).toBe(201);
    const replayed = await request(apis.merchantUrl, 'POST', '/v1/api_keys', { key: merchant.key, idempotencyKey, body: {} });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.json.id).toBe(created.json.id);
  });
});
