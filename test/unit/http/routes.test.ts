import { API_KEY_ID_LENGTH, deriveId, idKinds, idShapes, isIdOf, randomId } from '../../../lambdas/domain/ids';
import { API_KEY_RESOURCES, issueApiKey, keyIdOf, publicKeyId, scopesAllow, scopesWithin } from '../../../lambdas/domain/api-key';
import { auditEntryId, parseAuditEntryId } from '../../../lambdas/domain/audit';
import { idSchema } from '../../../lambdas/shared/http/schemas';
import { operatorRoutes } from '../../../platform/operator-routes';
import { type RouteDeclaration, requiresMerchantKey, routePatternsFor, routeScope, routes } from '../../../platform/routes';
import { policyAllows } from '../../../local/api-gateway';

/** Every id a request can name has one declared shape, and every route declares the shape of each path id. */
const parametersOf = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);

describe('route declarations', () => {
  // The acquirer webhook route is not built by the endpoint builders: its `{channel}` is checked against the channel list.
  const builderRoutes: readonly RouteDeclaration[] = [...routes.filter((route) => requiresMerchantKey(route)), ...operatorRoutes];

  it.each(builderRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s declares an id shape for exactly its path parameters', (_name, route) => {
    expect(Object.keys(route.params ?? {}).sort()).toEqual(parametersOf(route.path).sort());
  });
});

describe('id shapes', () => {
  it('match the ids the platform makes', () => {
    expect(isIdOf('payment', deriveId('pay', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('refund', deriveId('re', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('payout', deriveId('po', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('fx_quote', deriveId('qt', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('conversion', deriveId('cv', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('beneficiary', deriveId('ben', 'mer_a', 'k'))).toBe(true);
    expect(isIdOf('balance_transaction', deriveId('txn', 'payment_captured', 'pay_x', '1'))).toBe(true);
    expect(isIdOf('merchant', randomId('mer', 16))).toBe(true);
    expect(isIdOf('merchant', 'mer_demo_pixelforge')).toBe(true);
    const key = issueApiKey();
    expect(isIdOf('api_key', publicKeyId(key.keyId))).toBe(true);
    expect(keyIdOf(publicKeyId(key.keyId))).toBe(key.keyId);
    expect(key.keyId).toHaveLength(API_KEY_ID_LENGTH);
    const entry = auditEntryId({ region: 'us-west-2', stripe: 3, seq: 42 });
    expect(isIdOf('audit_entry', entry)).toBe(true);
    expect(parseAuditEntryId(entry)).toEqual({ region: 'us-west-2', stripe: 3, seq: 42 });
  });

  it.each(idKinds)('%s: its example fits, no other kind\'s example does, and nothing long, unicode or non-string does', (kind) => {
    expect(isIdOf(kind, idShapes[kind].example)).toBe(true);
    for (const other of idKinds.filter((candidate) => candidate !== kind)) expect(isIdOf(kind, idShapes[other].example)).toBe(false);
    for (const bad of [`${idShapes[kind].example}${'a'.repeat(3000)}`, `${idShapes[kind].example}ñ`, '__proto__', '', ' ', 42, null, undefined]) {
      expect(isIdOf(kind, bad)).toBe(false);
    }
  });

  it('an audit entry id parses only within its bounds (no 3,000-character region reaches a key)', () => {
    expect(parseAuditEntryId(`${'a'.repeat(3000)}.1.1`)).toBeUndefined();
    expect(parseAuditEntryId(`us-east-1.1.${'9'.repeat(400)}`)).toBeUndefined();
  });

  it('idSchema says what to send', () => {
    const parsed = idSchema('payment').safeParse('pay_x');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('must be a payment id: "pay_" and 26 characters a-z or 2-7');
  });
});

describe('restricted key scopes', () => {
  const merchantRoutes = (routes as readonly RouteDeclaration[]).filter(requiresMerchantKey);

  it.each(merchantRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s needs a scope', (_name, route) => {
    const scope = routeScope(route);
    expect(API_KEY_RESOURCES).toContain(scope.resource);
    expect(scope.access).toBe(route.method === 'GET' ? 'read' : 'write');
  });

  it('opens, for payments:write, the payment routes (reads included) and nothing else', () => {
    // Prepare / Act
    const patterns = routePatternsFor((resource, access) => scopesAllow(['payments:write'], resource, access));
    // Assess
    expect(patterns.sort()).toEqual([
      'GET/v1/payments',
      'GET/v1/payments/*',
      'GET/v1/payments/*/events',
      'POST/v1/payments',
      'POST/v1/payments/*/cancel',
      'POST/v1/payments/*/capture',
    ]);
  });

  it.each([
    { requested: ['payments:read'], held: ['payments:write'], within: true },
    { requested: ['payments:write'], held: ['payments:read'], within: false },
    { requested: ['payouts:write'], held: ['api_keys:write', 'payments:write'], within: false },
    { requested: ['payouts:write', 'balances:read'], held: undefined, within: true },
  ] as const)('scopes $requested within $held → $within', ({ requested, held, within }) => {
    expect(scopesWithin(requested, held)).toBe(within);
  });
});

describe('the local gateway evaluates an authorizer policy as API Gateway does', () => {
  const arn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:000000000000:api/prod/${method}${path}`;
  const allow = (...resources: string[]) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }] });

  it.each([
    { name: 'the stage wildcard', policy: allow(arn('*', '')), request: arn('POST', '/v1/payouts'), allowed: true },
    { name: 'a route with its path parameter', policy: allow(arn('GET', '/v1/payments/*')), request: arn('GET', '/v1/payments/pay_abc'), allowed: true },
    { name: 'another method', policy: allow(arn('GET', '/v1/payments/*')), request: arn('POST', '/v1/payments/pay_abc'), allowed: false },
    { name: 'another route', policy: allow(arn('POST', '/v1/payments')), request: arn('POST', '/v1/payouts'), allowed: false },
    { name: 'a longer path than declared', policy: allow(arn('POST', '/v1/payments')), request: arn('POST', '/v1/payments/x'), allowed: false },
    {
      name: 'an explicit deny over an allow',
      policy: { Version: '2012-10-17', Statement: [...allow(arn('*', '')).Statement, { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn('POST', '/v1/payouts') }] },
      request: arn('POST', '/v1/payouts'),
      allowed: false,
    },
  ])('$name → $allowed', ({ policy, request, allowed }) => {
    expect(policyAllows(policy as Parameters<typeof policyAllows>[0], request)).toBe(allowed);
  });
});
