import { judgeAnswer } from '../../../bench/drills/malformed-input';
import { type BadRequest, badRequests, coverageOf, drillTargets } from '../../../bench/drills/malformed-cases';
import { seededRandom } from '../../../bench/lib/http';
import { operatorRoutes } from '../../../platform/operator-routes';
import { routes } from '../../../platform/routes';

/** The malformed-input drill's cases: from the seed and the route declarations, covering every route and id. */
const KEY = 'sk_test_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

describe('badRequests', () => {
  it('gives the same requests for the same seed, and others for another seed', () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    const first = badRequests(KEY, { count: 200, seed: 7, now });
    expect(badRequests(KEY, { count: 200, seed: 7, now })).toEqual(first);
    expect(badRequests(KEY, { count: 200, seed: 8, now })).not.toEqual(first);
  });

  it.each([1, 2, 3, 42])('covers every declared route, every path id and every list\'s starting_after at smoke size (seed %i)', (seed) => {
    const requests = badRequests(KEY, { count: 150, seed });
    const coverage = coverageOf(requests);
    expect(coverage.missing).toEqual([]);
    expect(coverage.routes_covered).toBe(routes.length + operatorRoutes.length + 3);
    for (const route of [...routes, ...operatorRoutes]) {
      for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
        if (name === 'channel') continue;
        expect(requests.some((request) => request.route.endsWith(`${route.method} ${route.path}`) && request.kind.startsWith(`path.${name}.`))).toBe(true);
      }
    }
  });

  it('covers every (route, defect family) pair at the default 1,000 requests', () => {
    const coverage = coverageOf(badRequests(KEY, { count: 1000, seed: 1 }));
    expect(coverage.family_pairs_covered).toBe(coverage.family_pairs);
  });

  it('breaks every POST body the issue names: unicode, __proto__, deep nesting, huge numbers, duplicate keys', () => {
    const requests = badRequests(KEY, { count: 2000, seed: 3 });
    const kinds = new Set(requests.map((request) => request.kind));
    for (const kind of ['body.proto_key', 'body.deep_nesting', 'body.duplicate_key', 'body.wrong_value.huge_number', 'body.wrong_value.long_unicode', 'path.id.long', 'path.id.unicode', 'query.starting_after.long']) {
      expect(kinds).toContain(kind);
    }
    // Counterparties' signed callbacks get webhook.* families instead (a body is read only after its signature checks).
    const posts = [...routes, ...operatorRoutes].filter((route) => route.method === 'POST' && !('auth' in route && route.auth === 'signature'));
    for (const route of posts) expect(requests.some((request) => request.route.endsWith(`POST ${route.path}`) && request.kind.startsWith('body.'))).toBe(true);
    expect(requests.every((request) => request.expect.status.every((status) => status >= 400 && status < 500))).toBe(true);
  });

  it('gives each route its own rotation of families', () => {
    const targets = drillTargets(seededRandom(1));
    const payments = targets.find((target) => target.name === 'merchant POST /v1/payments/{id}/capture');
    expect(payments?.families[0]).toBe('path.id');
    expect(targets.find((target) => target.name === 'merchant GET /v1/payments')?.families[0]).toBe('query.starting_after');
  });
});

describe('judgeAnswer', () => {
  const request = { expect: { status: [422], field: 'payment_method.card' } } as unknown as BadRequest;
  const problem = (fields: string[]) => JSON.stringify({ errors: fields.map((field) => ({ field, message: 'x' })) });

  it.each([
    [500, 'application/problem+json', '{}', '500'],
    [201, 'application/json', '{}', 'accepted (201)'],
    [422, 'text/plain', 'x', '422 answered text/plain, not a problem document'],
    [400, 'application/problem+json', '{}', '400, expected 422: {}'],
  ])('flags %i %s', (status, contentType, body, wrong) => {
    expect(judgeAnswer(request, status, contentType, body)).toBe(wrong);
  });

  it('accepts the field, a leaf below it or the parent above it, and nothing else', () => {
    expect(judgeAnswer(request, 422, 'application/problem+json', problem(['payment_method.card']))).toBeUndefined();
    expect(judgeAnswer(request, 422, 'application/problem+json', problem(['payment_method.card.number']))).toBeUndefined();
    expect(judgeAnswer(request, 422, 'application/problem+json', problem(['payment_method']))).toBeUndefined();
    expect(judgeAnswer(request, 422, 'application/problem+json', problem(['amount']))).toMatch(/without naming/);
  });
});
