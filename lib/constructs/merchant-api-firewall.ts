import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { gatewayResponseBody } from '../../platform/gateway-responses';
import { logGroupNameFor, platformLogGroup } from './log-groups';

/**
 * AWS WAF in front of the merchant API stage:
 * - bodies over 64 KB are refused at the edge (413), matching the API's own limit;
 * - per-key rate limit: requests are counted per Authorization header value, so one merchant key (not one
 *   IP) is throttled — merchants call from a few servers, and a leaked key cannot flood the platform. The
 *   value is counted after compressing whitespace and lowercasing it (keys are lowercase base32), so
 *   `Bearer <key>`, `bearer <key>` and `Bearer   <key>` share one counter instead of each starting a fresh one;
 * - per-IP rate limits, one for merchant routes and one for counterparties' webhooks (`webhookPaths`): every
 *   request counts in exactly one of them, so a flood of webhooks cannot use up the merchants' budget from an
 *   address and merchants' traffic cannot use up the webhooks';
 * - AWS managed rule groups: common rule set, known bad inputs, Amazon IP reputation list.
 * Logs go to an encrypted log group with the Authorization header redacted (it carries secret keys), and
 * only for the requests a rule blocked or counted (`WAF_LOGGING_FILTER`).
 */
export const FIREWALL_LIMITS = {
  maxBodyBytes: 64 * 1024,
  /** Requests per minute per merchant key (about 100/s sustained). */
  perKeyPerMinute: 6_000,
  /** Requests per five minutes per source IP, merchant routes. */
  perIpPerFiveMinutes: 30_000,
  /**
   * Webhook requests per minute per source IP (50/s): half the webhook routes' stage throttle, so one sending
   * address cannot take all of it (acquirers send from several).
   */
  webhooksPerIpPerMinute: 3_000,
} as const;

/**
 * What the per-key counter counts: the Authorization value with runs of whitespace made one space, then
 * lowercased. WAF applies them in priority order.
 */
export const RATE_KEY_TRANSFORMATIONS = [
  { priority: 0, type: 'COMPRESS_WHITE_SPACE' },
  { priority: 1, type: 'LOWERCASE' },
] as const satisfies readonly CfnWebACL.TextTransformationProperty[];

/**
 * Which WAF log records are kept (CloudFormation's shape; WAF applies the first filter a record meets, else
 * the default): requests a rule blocked, or counted (a rule in count mode; a managed rule overridden to count,
 * such as the common set's SizeRestrictions_BODY, shows as EXCLUDED_AS_COUNT). An allowed request that matched
 * nothing is dropped: the stage's access log has every request, the web ACL's metrics count them per rule, and
 * its sampled requests show them for three hours (docs/operations.md, Logs).
 */
export const WAF_LOGGING_FILTER = {
  DefaultBehavior: 'DROP',
  Filters: [
    {
      Behavior: 'KEEP',
      Requirement: 'MEETS_ANY',
      Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }, { ActionCondition: { Action: 'EXCLUDED_AS_COUNT' } }],
    },
  ],
} as const;

const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

const managedGroup = (name: string, priority: number, overrides: { name: string; actionToUse: CfnWebACL.RuleActionProperty }[] = []): CfnWebACL.RuleProperty => ({
  name,
  priority,
  overrideAction: { none: {} },
  statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides: overrides.length ? overrides : undefined } },
  visibilityConfig: visibility(name),
});

export interface MerchantApiFirewallProps {
  readonly stage: Stage;
  readonly logsKey: IKey;
  /** Web ACL name; default `<app>-merchant-api`. */
  readonly name?: string;
  /**
   * Rate limit per Authorization header value (default on). Off for the operator API: a SigV4
   * Authorization header differs on every request, so it names no caller.
   */
  readonly ratePerKey?: boolean;
  /**
   * Path prefixes of the routes counterparties call (acquirers' webhooks), e.g. `/v1/channel_events/`: they
   * get their own per-IP limit and count in no merchant limit. Matched anywhere in the normalized URI path,
   * which starts with the stage name on the default endpoint.
   */
  readonly webhookPaths?: readonly string[];
}

const pathStatement = (prefix: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'CONTAINS',
    searchString: prefix,
    textTransformations: [{ priority: 0, type: 'NORMALIZE_PATH' }],
  },
});

const anyOf = (statements: CfnWebACL.StatementProperty[]): CfnWebACL.StatementProperty =>
  statements.length === 1 ? (statements[0] as CfnWebACL.StatementProperty) : { orStatement: { statements } };

export class MerchantApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: MerchantApiFirewallProps) {
    super(scope, id);
    const name = props.name ?? `${deployment.appName}-merchant-api`;
    const ratePerKey = props.ratePerKey ?? true;
    const webhook = props.webhookPaths?.length ? anyOf(props.webhookPaths.map(pathStatement)) : undefined;
    const notWebhook = webhook ? { scopeDownStatement: { notStatement: { statement: webhook } } } : {};

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(name),
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: 'KB_64' } } },
      customResponseBodies: {
        payload_too_large: { contentType: 'APPLICATION_JSON', content: gatewayResponseBody('REQUEST_TOO_LARGE', 'waf') },
        rate_limited: { contentType: 'APPLICATION_JSON', content: gatewayResponseBody('THROTTLED', 'waf') },
      },
      rules: [
        {
          name: 'BodyOver64KB',
          priority: 0,
          action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: 'payload_too_large' } } },
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: FIREWALL_LIMITS.maxBodyBytes,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility('BodyOver64KB'),
        },
        ...(ratePerKey
          ? [
              {
                name: 'RatePerMerchantKey',
                priority: 1,
                action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate_limited' } } },
                statement: {
                  rateBasedStatement: {
                    limit: FIREWALL_LIMITS.perKeyPerMinute,
                    evaluationWindowSec: 60,
                    aggregateKeyType: 'CUSTOM_KEYS',
                    customKeys: [{ header: { name: 'authorization', textTransformations: [...RATE_KEY_TRANSFORMATIONS] } }],
                    ...notWebhook,
                  },
                },
                visibilityConfig: visibility('RatePerMerchantKey'),
              },
            ]
          : []),
        {
          name: 'RatePerIp',
          priority: 2,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate_limited' } } },
          statement: { rateBasedStatement: { limit: FIREWALL_LIMITS.perIpPerFiveMinutes, evaluationWindowSec: 300, aggregateKeyType: 'IP', ...notWebhook } },
          visibilityConfig: visibility('RatePerIp'),
        },
        ...(webhook
          ? [
              {
                name: 'RateWebhooksPerIp',
                priority: 3,
                action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate_limited' } } },
                statement: {
                  rateBasedStatement: {
                    limit: FIREWALL_LIMITS.webhooksPerIpPerMinute,
                    evaluationWindowSec: 60,
                    aggregateKeyType: 'IP',
                    scopeDownStatement: webhook,
                  },
                },
                visibilityConfig: visibility('RateWebhooksPerIp'),
              },
            ]
          : []),
        // The common set's 8 KB body limit would refuse legitimate payments with full metadata (20 x 500
        // characters); the 64 KB rule above is the body limit, so that one sub-rule only counts.
        managedGroup('AWSManagedRulesCommonRuleSet', 10, [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
        managedGroup('AWSManagedRulesKnownBadInputsRuleSet', 11),
        managedGroup('AWSManagedRulesAmazonIpReputationList', 12),
      ],
    });

    new CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });

    const logGroupName = logGroupNameFor('waf', `aws-waf-logs-${name}`); // WAF requires this prefix
    const logs = platformLogGroup(this, 'Logs', { kind: 'waf', name: `aws-waf-logs-${name}`, logsKey: props.logsKey });
    const logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      loggingFilter: WAF_LOGGING_FILTER,
    });
    logging.node.addDependency(logs);
  }
}
