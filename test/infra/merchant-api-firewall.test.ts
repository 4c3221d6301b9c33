import { FIREWALL_LIMITS } from '../../lib/constructs/merchant-api-firewall';
import { deployment } from '../../platform/deployment';
import { type RouteDeclaration, isCounterpartyWebhook, requiresMerchantKey, routes } from '../../platform/routes';
import { resourcesOf, synthesizePlatform } from './synth';

/**
 * Rate limits at the edge (issue 13, item 8): the per-key counter counts a key once whatever the spelling of
 * its Authorization header, and the counterparties' webhooks have their own per-IP limit and method throttle,
 * apart from the merchants'. WAF logs only what a rule blocked or counted (issue 12, log volume).
 */
const { templates } = synthesizePlatform();

type Rule = { Name: string; Priority: number; Statement: { RateBasedStatement?: RateBased } };
type RateBased = {
  Limit: number;
  EvaluationWindowSec: number;
  AggregateKeyType: string;
  CustomKeys?: { Header?: { Name: string; TextTransformations: { Priority: number; Type: string }[] } }[];
  ScopeDownStatement?: Statement;
};
type Statement = {
  ByteMatchStatement?: { FieldToMatch: unknown; PositionalConstraint: string; SearchString: string; TextTransformations: { Type: string }[] };
  NotStatement?: { Statement: Statement };
  OrStatement?: { Statements: Statement[] };
};

const webAcl = (name: string) => {
  const acl = Object.values(resourcesOf(templates.primaryApi)).find(
    (resource) => resource.Type === 'AWS::WAFv2::WebACL' && resource.Properties?.Name === name,
  );
  const rules = (acl?.Properties?.Rules ?? []) as Rule[];
  return (ruleName: string) => rules.find((rule) => rule.Name === ruleName)?.Statement.RateBasedStatement;
};
const merchantAcl = webAcl(`${deployment.appName}-merchant-api`);

/** Whether a scope-down statement selects a request to this path (the URI path as WAF sees it on the default endpoint). */
const matches = (statement: Statement | undefined, path: string): boolean => {
  if (!statement) return true;
  if (statement.NotStatement) return !matches(statement.NotStatement.Statement, path);
  if (statement.OrStatement) return statement.OrStatement.Statements.some((inner) => matches(inner, path));
  const byteMatch = statement.ByteMatchStatement;
  if (byteMatch?.PositionalConstraint === 'CONTAINS' && JSON.stringify(byteMatch.FieldToMatch) === '{"UriPath":{}}') return path.includes(byteMatch.SearchString);
  throw new Error(`unexpected statement ${JSON.stringify(statement)}`);
};
const requestPath = (route: RouteDeclaration) => `/${deployment.apiStageName}${route.path.replace(/\{[^}]+\}/g, 'abc_123')}`;
const webhookRoutes = (routes as readonly RouteDeclaration[]).filter(isCounterpartyWebhook);
const merchantRoutes = (routes as readonly RouteDeclaration[]).filter(requiresMerchantKey);

describe('the per-key rate limit', () => {
  it('counts the Authorization value with whitespace compressed, then lowercased: one counter per key whatever the spelling', () => {
    const rule = merchantAcl('RatePerMerchantKey');
    expect(rule).toMatchObject({ Limit: FIREWALL_LIMITS.perKeyPerMinute, EvaluationWindowSec: 60, AggregateKeyType: 'CUSTOM_KEYS' });
    expect(rule?.CustomKeys).toEqual([
      {
        Header: {
          Name: 'authorization',
          TextTransformations: [
            { Priority: 0, Type: 'COMPRESS_WHITE_SPACE' },
            { Priority: 1, Type: 'LOWERCASE' },
          ],
        },
      },
    ]);
  });
});

describe('webhooks and merchants at the edge', () => {
  it('count every merchant route in the merchant limits only, and every webhook route in the webhook limit only', () => {
    expect(webhookRoutes.length).toBeGreaterThan(0);
    for (const route of merchantRoutes) {
      const path = requestPath(route);
      expect({ path, perKey: matches(merchantAcl('RatePerMerchantKey')?.ScopeDownStatement, path) }).toEqual({ path, perKey: true });
      expect({ path, perIp: matches(merchantAcl('RatePerIp')?.ScopeDownStatement, path) }).toEqual({ path, perIp: true });
      expect({ path, webhooks: matches(merchantAcl('RateWebhooksPerIp')?.ScopeDownStatement, path) }).toEqual({ path, webhooks: false });
    }
    for (const route of webhookRoutes) {
      const path = requestPath(route);
      expect({ path, perKey: matches(merchantAcl('RatePerMerchantKey')?.ScopeDownStatement, path) }).toEqual({ path, perKey: false });
      expect({ path, perIp: matches(merchantAcl('RatePerIp')?.ScopeDownStatement, path) }).toEqual({ path, perIp: false });
      expect({ path, webhooks: matches(merchantAcl('RateWebhooksPerIp')?.ScopeDownStatement, path) }).toEqual({ path, webhooks: true });
    }
  });

  it('limit webhooks per sending address, on the normalized path', () => {
    const rule = merchantAcl('RateWebhooksPerIp');
    expect(rule).toMatchObject({ Limit: FIREWALL_LIMITS.webhooksPerIpPerMinute, EvaluationWindowSec: 60, AggregateKeyType: 'IP' });
    // One path match per counterparty prefix (acquirers' /v1/channel_events/, payout rails' /v1/rail_events/), each on the normalized path.
    const scope = rule?.ScopeDownStatement;
    const matches = scope?.OrStatement ? (scope.OrStatement.Statements as typeof scope[]) : [scope];
    expect(matches.length).toBeGreaterThanOrEqual(2);
    for (const match of matches) expect(match?.ByteMatchStatement?.TextTransformations).toEqual([{ Priority: 0, Type: 'NORMALIZE_PATH' }]);
  });

  it('leave the operator API (no webhooks, SigV4 keys) with its per-IP limit only', () => {
    const operatorAcl = webAcl(`${deployment.appName}-operator-api`);
    expect(operatorAcl('RatePerIp')?.ScopeDownStatement).toBeUndefined();
    expect(operatorAcl('RatePerMerchantKey')).toBeUndefined();
    expect(operatorAcl('RateWebhooksPerIp')).toBeUndefined();
  });
});

describe('the merchant API stage', () => {
  const merchantStage = Object.values(resourcesOf(templates.primaryApi)).find(
    (resource) => resource.Type === 'AWS::ApiGateway::Stage' && JSON.stringify(resource.Properties?.RestApiId).includes('MerchantApi'),
  );
  const settings = (merchantStage?.Properties?.MethodSettings ?? []) as Record<string, unknown>[];
  const stageWide = settings.find((setting) => setting.ResourcePath === '/*');

  it.each(webhookRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'throttles %s on its own, below the merchants\' methods, with the same logging',
    (_name, route) => {
      const own = settings.find(
        (setting) => setting.HttpMethod === route.method && setting.ResourcePath === `/${route.path.replaceAll('/', '~1')}`,
      );
      expect(own).toMatchObject({ LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true });
      expect(own?.ThrottlingRateLimit).toBeLessThan(stageWide?.ThrottlingRateLimit as number);
      expect(own?.ThrottlingBurstLimit).toBeLessThan(stageWide?.ThrottlingBurstLimit as number);
      // One sending address may take at most half of it.
      expect(FIREWALL_LIMITS.webhooksPerIpPerMinute / 60).toBeLessThanOrEqual((own?.ThrottlingRateLimit as number) / 2);
    },
  );
});

describe('WAF logs', () => {
  const loggingOf = (template: (typeof templates)['primaryApi']) =>
    Object.values(resourcesOf(template)).filter((resource) => resource.Type === 'AWS::WAFv2::LoggingConfiguration');

  it.each([
    ['primary', templates.primaryApi],
    ['secondary', templates.secondaryApi],
  ] as const)('%s region: both web ACLs keep only the records of blocked or counted requests, the Authorization header redacted', (_region, template) => {
    const configurations = loggingOf(template);
    expect(configurations).toHaveLength(2);
    for (const configuration of configurations) {
      expect(configuration.Properties).toMatchObject({
        RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
        LoggingFilter: {
          DefaultBehavior: 'DROP',
          Filters: [
            {
              Behavior: 'KEEP',
              Requirement: 'MEETS_ANY',
              Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }, { ActionCondition: { Action: 'EXCLUDED_AS_COUNT' } }],
            },
          ],
        },
      });
    }
  });
});
