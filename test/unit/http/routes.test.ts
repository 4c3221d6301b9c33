import { API_KEY_ID_LENGTH, deriveId, idKinds, idShapes, isIdOf, randomId } from '../../../lambdas/domain/ids';
import { issueApiKey, keyIdOf, publicKeyId } from '../../../lambdas/domain/api-key';
import { auditEntryId, parseAuditEntryId } from '../../../lambdas/domain/audit';
import { idSchema } from '../../../lambdas/shared/http/schemas';
import { operatorRoutes } from '../../../platform/operator-routes';
import { type RouteDeclaration, requiresMerchantKey, routes } from '../../../platform/routes';

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
