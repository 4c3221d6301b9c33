import { Match } from 'aws-cdk-lib/assertions';
import { deployedTableKeys } from '../../lib/data-stack';
import { deployment } from '../../platform/deployment';
import { functionName } from '../../platform/functions';
import { WEBHOOK_ATTEMPTS_FAILED_MESSAGE, burnRateWindows, operationalThresholds, serviceLevels } from '../../platform/service-levels';
import { tableName } from '../../platform/tables';
import { synthesizePlatform } from './synth';

/**
 * Service levels and what operators watch (lib/constructs/service-levels.ts, platform/service-levels.ts):
 * every SLO as multi-window burn-rate composites that page (fast, medium) or open a ticket (slow), on API
 * Gateway's own per-method metrics; the operational alarms; a dashboard per region and a cross-region one.
 */
const { templates } = synthesizePlatform();
type Resource = { Properties: Record<string, unknown> };
const alarmsOf = (template: typeof templates.primaryApi) => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const alarmNamed = (template: typeof templates.primaryApi, name: string) => alarmsOf(template).find((alarm) => alarm.Properties.AlarmName === `${deployment.appName}-${name}`);
const topicArnOf = (template: typeof templates.primaryApi, topicName: string) => {
  const [logicalId] = Object.entries(template.findResources('AWS::SNS::Topic')).find(([, topic]) => (topic as Resource).Properties.TopicName === topicName) ?? [];
  return { Ref: logicalId };
};
const metricOf = (alarm: Resource | undefined, id: string) =>
  (alarm?.Properties.Metrics as { Id: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number } }[]).find(
    (query) => query.Id === id,
  )?.MetricStat;

describe.each([
  ['primary', templates.primaryApi, deployment.primaryRegion],
  ['secondary', templates.secondaryApi, deployment.secondaryRegion],
] as const)('in the %s region', (role, template, region) => {
  const pages = topicArnOf(template, `${deployment.appName}-operations`);
  const tickets = topicArnOf(template, `${deployment.appName}-operations-tickets`);

  it.each(Object.entries(serviceLevels))('%s: a composite per burn-rate window, long AND short, paging or ticketing by severity', (key, slo) => {
    const title = `${key[0]?.toUpperCase()}${key.slice(1)}`;
    for (const window of burnRateWindows) {
      const composite = `${deployment.appName}-${title}Burn${window.name}`;
      template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
        AlarmName: composite,
        AlarmRule: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        AlarmActions: [window.severity === 'page' ? pages : tickets],
      });
      const rule = JSON.stringify(
        (Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[]).find((alarm) => alarm.Properties.AlarmName === composite)?.Properties.AlarmRule,
      );
      expect(rule).toContain(' AND ');
      for (const [part, minutes] of [
        ['Long', window.longMinutes],
        ['Short', window.shortMinutes],
      ] as const) {
        const alarm = alarmNamed(template, `${title}Burn${window.name}${part}`);
        expect(alarm?.Properties).toMatchObject({ Threshold: window.burnRate, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
        // The parts page nobody themselves: only the composite acts.
        expect(alarm?.Properties.AlarmActions).toBeUndefined();
        expect(rule).toContain(`${title}Burn${window.name}${part}`);
        const requests = metricOf(alarm, 'requests');
        expect(requests).toMatchObject({ Period: minutes * 60, Stat: 'Sum', Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count' } });
        expect(requests?.Metric.Dimensions).toEqual(
          expect.arrayContaining([
            { Name: 'ApiName', Value: `${deployment.appName}-merchant-api` },
            { Name: 'Stage', Value: deployment.apiStageName },
            { Name: 'Method', Value: slo.route.method },
            { Name: 'Resource', Value: slo.route.path },
          ]),
        );
        const budget = 1 - slo.objective;
        const expression = (alarm?.Properties.Metrics as { Expression?: string }[]).find((query) => query.Expression)?.Expression;
        if (slo.bad.kind === 'server_error') {
          expect(metricOf(alarm, 'errors')).toMatchObject({ Stat: 'Sum', Metric: { MetricName: '5XXError' } });
          expect(expression).toBe(`IF(requests > 0, errors / requests / ${budget}, 0)`);
        } else {
          expect(metricOf(alarm, 'fast')).toMatchObject({ Stat: `PR(:${slo.bad.milliseconds})`, Metric: { MetricName: 'Latency' } });
          expect(expression).toBe(`IF(requests > 0, (100 - fast) / 100 / ${budget}, 0)`);
        }
      }
    }
  });

  it('pages on the merchant API 5xx share and p99 latency, on the stage as API Gateway measures it', () => {
    expect(alarmNamed(template, 'ApiServerErrors')?.Properties).toMatchObject({ Threshold: operationalThresholds.apiServerErrorShare, AlarmActions: [pages] });
    expect(alarmNamed(template, 'ApiLatencyP99')?.Properties).toMatchObject({
      Threshold: operationalThresholds.apiP99LatencyMs,
      ExtendedStatistic: 'p99',
      MetricName: 'Latency',
      Namespace: 'AWS/ApiGateway',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      AlarmActions: [pages],
    });
  });

  it('pages on Lambda errors and throttles across the region, and on each table throttling', () => {
    expect(alarmNamed(template, 'LambdaErrors')?.Properties).toMatchObject({ Threshold: operationalThresholds.lambdaErrorShare, AlarmActions: [pages] });
    expect(metricOf(alarmNamed(template, 'LambdaErrors'), 'errors')).toMatchObject({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' } });
    expect(alarmNamed(template, 'LambdaThrottles')?.Properties).toMatchObject({ MetricName: 'Throttles', Namespace: 'AWS/Lambda', Threshold: 1, AlarmActions: [pages] });
    expect(alarmNamed(template, 'LambdaThrottles')?.Properties.Dimensions).toBeUndefined();
    for (const key of deployedTableKeys) {
      const alarm = alarmNamed(template, `${key[0]?.toUpperCase()}${key.slice(1)}Throttled`);
      expect(alarm?.Properties.AlarmActions).toEqual([pages]);
      expect(metricOf(alarm, `${key}Writes`)?.Metric).toMatchObject({ MetricName: 'WriteThrottleEvents', Dimensions: [{ Name: 'TableName', Value: tableName(key) }] });
      expect(metricOf(alarm, `${key}Reads`)?.Metric).toMatchObject({ MetricName: 'ReadThrottleEvents' });
    }
  });

  it('pages on the authorization rate where the events builder runs, on the metrics as it emits them', () => {
    const alarm = alarmNamed(template, 'AuthorizationRate');
    if (role === 'secondary') {
      expect(alarm).toBeUndefined();
      return;
    }
    expect(alarm?.Properties).toMatchObject({ Threshold: operationalThresholds.authorizationRateMin, ComparisonOperator: 'LessThanThreshold', AlarmActions: [pages] });
    for (const id of ['authorized', 'failed']) {
      expect(metricOf(alarm, id)?.Metric).toMatchObject({
        Namespace: deployment.appName,
        MetricName: id === 'authorized' ? 'PaymentsAuthorized' : 'PaymentsFailedUnauthorized',
        Dimensions: [{ Name: 'service', Value: functionName(deployment.appName, 'buildEvents') }],
      });
    }
  });

  it('has a dashboard of its own, and the primary a cross-region one reading both regions', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const names = dashboards.map((dashboard) => dashboard.Properties.DashboardName);
    expect(names).toContain(`${deployment.appName}-${region}`);
    if (role === 'secondary') {
      expect(names).not.toContain(`${deployment.appName}-regions`);
      return;
    }
    // Webhook delivery where events are built: the deliverer's counts, and its failure lines by endpoint.
    const own = JSON.stringify(dashboards.find((dashboard) => dashboard.Properties.DashboardName === `${deployment.appName}-${region}`)?.Properties.DashboardBody);
    expect(own).toContain('WebhooksFailed');
    expect(own).toContain(`/aws/lambda/${functionName(deployment.appName, 'deliverWebhooks')}`);
    expect(own).toContain(WEBHOOK_ATTEMPTS_FAILED_MESSAGE);
    const regions = dashboards.find((dashboard) => dashboard.Properties.DashboardName === `${deployment.appName}-regions`);
    const body = JSON.stringify(regions?.Properties.DashboardBody);
    for (const each of [deployment.primaryRegion, deployment.secondaryRegion]) expect(body).toContain(`\\"region\\":\\"${each}\\"`);
  });
});
