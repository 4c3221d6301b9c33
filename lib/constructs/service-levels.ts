import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  HorizontalAnnotation,
  type IAlarm,
  LogQueryWidget,
  type MathExpression,
  type Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type AlarmDeclaration, authorizationRate, burnRate, functionMetric, lambdaTotal, merchantApiMetric, tableThrottles } from '../../platform/alarms';
import { deployment } from '../../platform/deployment';
import { acknowledgeGuard, acknowledgeNag } from './acknowledgements';
import { cdkExpression, cdkMetric, buildAlarms } from './alarm-metrics';
import { functionName } from '../../platform/functions';
import { WEBHOOK_ATTEMPTS_FAILED_MESSAGE, burnRateWindows, operationalThresholds, serviceLevels } from '../../platform/service-levels';
import type { TableKey } from '../../platform/tables';

/**
 * What operators watch and what pages them besides the workflows: the `serviceLevels` alarms of
 * platform/alarms.ts (declared there once):
 * - every SLO of platform/service-levels.ts as multi-window burn-rate alarms (a composite of a long and a
 *   short window each): the fast and medium burns page through the operations topic, the slow one opens a
 *   ticket through the tickets topic;
 * - the merchant API's 5xx share and p99 latency (every route), the authorization rate (payments stream),
 *   the region's Lambda error share and throttles, each table's DynamoDB throttling;
 * - a dashboard per region (`<app>-<region>`), and in the primary region one more (`<app>-regions`) showing
 *   both regions side by side: a CloudWatch widget can read another region's metrics, so the cross-region view
 *   needs no metric copying.
 * The API metrics are API Gateway's (per method: the stage has detailed metrics on), so a timed-out,
 * throttled or crashed function counts; the authorization metrics are the events builder's (one metric line
 * per stream batch, lambdas/adapters/dynamodb/event-sources.ts `authorizationOutcomesOf`).
 */
export interface ServiceLevelsProps {
  /** Pages (the operations topic of OperationsAlarms). */
  readonly pages: ITopic;
  readonly topicKey: IKey;
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  /** The tables this region serves (their throttling on the dashboard). */
  readonly tables: readonly TableKey[];
  /** Whether the events builder runs here (the authorization rate is measured where it does). */
  readonly buildsEvents: boolean;
  /** The region's declared alarms (platform/alarms.ts `platformAlarms`): this builds the `serviceLevels` group. */
  readonly alarms: readonly AlarmDeclaration[];
}

/** The dashboards' metrics: platform/alarms.ts's, as CDK metrics. */
const apiMetric = (name: Parameters<typeof merchantApiMetric>[0], statistic: string, period: Duration, options: Parameters<typeof merchantApiMetric>[3] = {}): Metric =>
  cdkMetric(merchantApiMetric(name, statistic, period.toSeconds(), options));
const burnRateMetric = (slo: Parameters<typeof burnRate>[0], period: Duration, options: Parameters<typeof burnRate>[2] = {}): MathExpression =>
  cdkExpression(burnRate(slo, period.toSeconds(), options));
const authorizationRateMetric = (period: Duration): MathExpression => cdkExpression(authorizationRate(period.toSeconds()));
const lambdaTotalMetric = (name: Parameters<typeof lambdaTotal>[0], statistic: string, period: Duration, region?: string): Metric =>
  cdkMetric(lambdaTotal(name, statistic, period.toSeconds(), region));
const tableThrottlesMetric = (key: TableKey, period: Duration): MathExpression => cdkExpression(tableThrottles(key, period.toSeconds()));

const authorizationMetric = (metricName: 'PaymentsAuthorized' | 'PaymentsFailedUnauthorized', period: Duration): Metric =>
  cdkMetric(functionMetric('buildEvents', metricName, 'Sum', period.toSeconds()));

const webhookMetric = (metricName: 'WebhooksSent' | 'WebhooksFailed', period: Duration): Metric =>
  cdkMetric({ ...functionMetric('deliverWebhooks', metricName, 'Sum', period.toSeconds()), label: metricName === 'WebhooksSent' ? 'sent' : 'failed' });

export class ServiceLevels extends Construct {
  readonly tickets: Topic;
  readonly alarms: IAlarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceLevelsProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.tickets = new Topic(this, 'Tickets', {
      topicName: `${deployment.appName}-operations-tickets`,
      displayName: `xborder operations tickets (${region})`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    const declarations = props.alarms.filter((alarm) => alarm.group === 'serviceLevels');
    const built = buildAlarms(this, declarations, { pages: new SnsAction(props.pages), tickets: new SnsAction(this.tickets) });
    const onlyTheCompositeActs =
      'One window of a multi-window burn-rate alert: alone it would page on a burst already over (short) or keep paging long after it ended (long); the composite alarm of both acts, through the operations or tickets topic.';
    for (const declaration of declarations) {
      const alarm = built.get(declaration.id) as IAlarm & Construct;
      if (declaration.notifies !== 'nobody') {
        this.alarms.push(alarm);
        continue;
      }
      acknowledgeNag(alarm, 'NIST.800.53.R5-CloudWatchAlarmAction', onlyTheCompositeActs);
      acknowledgeGuard(alarm, 'cloudwatch_alarm_action_check', onlyTheCompositeActs);
    }

    this.regionDashboard(region, props);
    if (region === deployment.primaryRegion) this.regionsDashboard();
  }

  private regionDashboard(region: string, props: ServiceLevelsProps): void {
    const minute = Duration.minutes(1);
    const payments = serviceLevels.paymentCreationAvailability.route;
    const dashboard = new Dashboard(this, 'RegionDashboard', { dashboardName: `${deployment.appName}-${region}`, defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# xborder payments, ${region}\nSLOs (platform/service-levels.ts): ${Object.values(serviceLevels)
          .map((slo) => `${slo.description}, ${slo.objective * 100} % over ${slo.windowDays} days`)
          .join('; ')}. Burn rate 1 spends the budget exactly over the window. Runbooks: docs/runbooks.md.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Payment creation: requests and server errors per minute',
        left: [apiMetric('Count', 'Sum', minute, { route: payments }).with({ label: 'POST /v1/payments' })],
        right: [apiMetric('5XXError', 'Sum', minute, { route: payments }).with({ label: '5xx' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Payment creation latency (ms)',
        left: ['p50', 'p99'].map((statistic) => apiMetric('Latency', statistic, minute, { route: payments }).with({ label: statistic })),
        leftAnnotations: [{ value: serviceLevels.paymentCreationLatency.bad.milliseconds, label: 'latency SLO bound' } satisfies HorizontalAnnotation],
        width: 8,
      }),
      new GraphWidget({
        title: 'Error budget burn rate (1 hour)',
        left: Object.entries(serviceLevels).map(([key, slo]) => burnRateMetric(slo, Duration.hours(1), { idPrefix: key })),
        leftAnnotations: burnRateWindows.map((window) => ({ value: window.burnRate, label: `${window.name.toLowerCase()} burn` })),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorization rate (15 minutes)',
        left: props.buildsEvents ? [authorizationRateMetric(Duration.minutes(15))] : [],
        leftAnnotations: [{ value: operationalThresholds.authorizationRateMin, label: 'pages below' }],
        right: props.buildsEvents ? [authorizationMetric('PaymentsAuthorized', minute), authorizationMetric('PaymentsFailedUnauthorized', minute)] : [],
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda: concurrency, errors, throttles',
        left: [lambdaTotalMetric('ConcurrentExecutions', 'Maximum', minute)],
        right: [lambdaTotalMetric('Errors', 'Sum', minute), lambdaTotalMetric('Throttles', 'Sum', minute)],
        width: 8,
      }),
      new GraphWidget({
        title: 'Workflows: runs failed',
        left: Object.entries(props.stateMachines).map(([key, machine]) => machine.metricFailed({ period: minute, statistic: 'Sum', label: key })),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'DynamoDB throttle events',
        left: props.tables.map((key) => tableThrottlesMetric(key, minute)),
        width: 12,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    if (props.buildsEvents) {
      // Webhook delivery, where the events are built and delivered: the share failing, and which endpoints fail
      // (Logs Insights over the deliverer's failure lines: one per task with failed attempts, none on success).
      dashboard.addWidgets(
        new GraphWidget({
          title: 'Webhook requests per minute: sent and failed',
          left: [webhookMetric('WebhooksSent', minute)],
          right: [webhookMetric('WebhooksFailed', minute)],
          width: 8,
        }),
        new LogQueryWidget({
          title: 'Failing webhook endpoints (failed requests, last failure, disabled)',
          logGroupNames: [`/aws/lambda/${functionName(deployment.appName, 'deliverWebhooks')}`],
          queryLines: [
            `filter message = "${WEBHOOK_ATTEMPTS_FAILED_MESSAGE}"`,
            'stats sum(failed) as failed_requests, latest(failure) as last_failure, max(endpoint_disabled) as disabled, latest(@timestamp) as last_seen by merchant_id, endpoint_id',
            'sort failed_requests desc',
            'limit 20',
          ],
          width: 16,
        }),
      );
    }
  }

  /** Both regions side by side, in the primary region (widgets read each region's metrics where they are). */
  private regionsDashboard(): void {
    const minute = Duration.minutes(1);
    const regions = [deployment.primaryRegion, deployment.secondaryRegion];
    const payments = serviceLevels.paymentCreationAvailability.route;
    const dashboard = new Dashboard(this, 'RegionsDashboard', { dashboardName: `${deployment.appName}-regions`, defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Payments created per minute, by region',
        left: regions.map((region) => apiMetric('Count', 'Sum', minute, { route: payments, region }).with({ label: region })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Payment creation p99 latency (ms), by region',
        left: regions.map((region) => apiMetric('Latency', 'p99', minute, { route: payments, region }).with({ label: region })),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      ...Object.values(serviceLevels).map(
        (slo) =>
          new GraphWidget({
            title: `${slo.description}: burn rate (1 hour), by region`,
            left: regions.map((region) => burnRateMetric(slo, Duration.hours(1), { region, idPrefix: region.replace(/-/g, '') }).with({ label: region })),
            width: 12,
          }),
      ),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda throttles, by region',
        left: regions.map((region) => lambdaTotalMetric('Throttles', 'Sum', minute, region).with({ label: region })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Merchant API server errors per minute, by region',
        left: regions.map((region) => apiMetric('5XXError', 'Sum', minute, { region }).with({ label: region })),
        width: 12,
      }),
    );
  }
}
