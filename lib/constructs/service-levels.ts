import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmStatusWidget,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  HorizontalAnnotation,
  type IAlarm,
  LogQueryWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { acknowledgeGuard, acknowledgeNag } from './acknowledgements';
import { merchantApiName } from '../../platform/routes';
import { functionName } from '../../platform/functions';
import {
  type ServiceLevelKey,
  type ServiceLevelObjective,
  WEBHOOK_ATTEMPTS_FAILED_MESSAGE,
  burnRateWindows,
  operationalThresholds,
  serviceLevels,
} from '../../platform/service-levels';
import { type TableKey, tableName } from '../../platform/tables';

/**
 * What operators watch and what pages them besides the workflows (lib/constructs/operations-alarms.ts):
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
  /** The tables this region serves (their throttling pages). */
  readonly tables: readonly TableKey[];
  /** Whether the events builder runs here (the authorization rate is measured where it does). */
  readonly buildsEvents: boolean;
}

/** API Gateway's metric for the merchant API in `region` (the stage, or one method of it). */
const apiMetric = (
  metricName: '5XXError' | 'Count' | 'Latency',
  statistic: string,
  period: Duration,
  options: { readonly route?: ServiceLevelObjective['route']; readonly region?: string } = {},
): Metric =>
  new Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: {
      ApiName: merchantApiName(),
      Stage: deployment.apiStageName,
      ...(options.route ? { Method: options.route.method, Resource: options.route.path } : {}),
    },
    statistic,
    period,
    region: options.region,
  });

/**
 * An SLO's burn rate over `period`: the share of bad requests ÷ the share the objective allows. `idPrefix` keeps
 * metric ids apart where several burn rates share a dashboard widget (ids must not repeat in one).
 */
export const burnRate = (slo: ServiceLevelObjective, period: Duration, options: { readonly region?: string; readonly idPrefix?: string } = {}): MathExpression => {
  const { region, idPrefix = '' } = options;
  const id = (name: string) => (idPrefix ? `${idPrefix}${name[0]?.toUpperCase()}${name.slice(1)}` : name);
  const budget = 1 - slo.objective;
  const requests = apiMetric('Count', 'Sum', period, { route: slo.route, region });
  const label = `${slo.description}: burn rate`;
  if (slo.bad.kind === 'server_error') {
    return new MathExpression({
      expression: `IF(${id('requests')} > 0, ${id('errors')} / ${id('requests')} / ${budget}, 0)`,
      usingMetrics: { [id('requests')]: requests, [id('errors')]: apiMetric('5XXError', 'Sum', period, { route: slo.route, region }) },
      period,
      label,
    });
  }
  // PR(:n) is the percentage of requests that took at most n ms (CloudWatch's percentile rank statistic).
  return new MathExpression({
    expression: `IF(${id('requests')} > 0, (100 - ${id('fast')}) / 100 / ${budget}, 0)`,
    usingMetrics: { [id('requests')]: requests, [id('fast')]: apiMetric('Latency', `PR(:${slo.bad.milliseconds})`, period, { route: slo.route, region }) },
    period,
    label,
  });
};

/** A count a platform function emits (Powertools metrics: namespace the app, dimension `service` the function's name). */
const functionMetric = (key: 'buildEvents' | 'deliverWebhooks', metricName: string, period: Duration, label?: string): Metric =>
  new Metric({
    namespace: deployment.appName,
    metricName,
    dimensionsMap: { service: functionName(deployment.appName, key) },
    statistic: 'Sum',
    period,
    ...(label ? { label } : {}),
  });

/** The events builder's authorization counts (lambdas/adapters/dynamodb/event-sources.ts `authorizationOutcomesOf`). */
const authorizationMetric = (metricName: 'PaymentsAuthorized' | 'PaymentsFailedUnauthorized', period: Duration): Metric => functionMetric('buildEvents', metricName, period);

/** The webhook deliverer's counts of requests sent and failed (lambdas/handlers/queues/deliver-webhooks.ts). */
const webhookMetric = (metricName: 'WebhooksSent' | 'WebhooksFailed', period: Duration): Metric =>
  functionMetric('deliverWebhooks', metricName, period, metricName === 'WebhooksSent' ? 'sent' : 'failed');

export const authorizationRate = (period: Duration): MathExpression =>
  new MathExpression({
    expression: `IF(authorized + failed >= ${operationalThresholds.authorizationRateMinVolume}, authorized / (authorized + failed), 1)`,
    usingMetrics: { authorized: authorizationMetric('PaymentsAuthorized', period), failed: authorizationMetric('PaymentsFailedUnauthorized', period) },
    period,
    label: 'authorization rate',
  });

/** The region's Lambda totals (account-level metrics: no FunctionName dimension). */
const lambdaTotal = (metricName: 'Errors' | 'Invocations' | 'Throttles' | 'ConcurrentExecutions', statistic: string, period: Duration, region?: string): Metric =>
  new Metric({ namespace: 'AWS/Lambda', metricName, statistic, period, region });

const tableThrottles = (key: TableKey, period: Duration): MathExpression =>
  new MathExpression({
    // Ids named by the table: a dashboard widget holds every table's expression, and ids must not repeat in one.
    expression: `${key}Reads + ${key}Writes`,
    usingMetrics: Object.fromEntries(
      (['Reads', 'Writes'] as const).map((which) => [
        `${key}${which}`,
        new Metric({
          namespace: 'AWS/DynamoDB',
          metricName: which === 'Reads' ? 'ReadThrottleEvents' : 'WriteThrottleEvents',
          dimensionsMap: { TableName: tableName(key) },
          statistic: 'Sum',
          period,
        }),
      ]),
    ),
    period,
    label: tableName(key),
  });

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
    const page = new SnsAction(props.pages);
    const ticket = new SnsAction(this.tickets);
    const name = (alarm: string) => `${deployment.appName}-${alarm}`;
    const alarm = (id: string, options: { description: string; metric: IMetric; threshold: number; below?: boolean; evaluationPeriods?: number; datapointsToAlarm?: number }, action?: SnsAction): Alarm => {
      const created = new Alarm(this, id, {
        alarmName: name(id),
        alarmDescription: options.description,
        metric: options.metric,
        threshold: options.threshold,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm,
        comparisonOperator: options.below ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (action) {
        created.addAlarmAction(action);
        this.alarms.push(created);
      }
      return created;
    };

    for (const [key, slo] of Object.entries(serviceLevels) as [ServiceLevelKey, ServiceLevelObjective][]) {
      const title = `${key[0]?.toUpperCase()}${key.slice(1)}`;
      for (const window of burnRateWindows) {
        const part = (which: 'Long' | 'Short', minutes: number) =>
          alarm(`${title}Burn${window.name}${which}`, {
            description: `${slo.description} (objective ${slo.objective * 100} % over ${slo.windowDays} days): error budget burning at ${window.burnRate}× or more over ${minutes} minutes. Part of ${name(`${title}Burn${window.name}`)}.`,
            metric: burnRate(slo, Duration.minutes(minutes)),
            threshold: window.burnRate,
          });
        const long = part('Long', window.longMinutes);
        const short = part('Short', window.shortMinutes);
        const onlyTheCompositeActs =
          'One window of a multi-window burn-rate alert: alone it would page on a burst already over (short) or keep paging long after it ended (long); the composite alarm of both acts, through the operations or tickets topic.';
        for (const each of [long, short]) {
          acknowledgeNag(each, 'NIST.800.53.R5-CloudWatchAlarmAction', onlyTheCompositeActs);
          acknowledgeGuard(each, 'cloudwatch_alarm_action_check', onlyTheCompositeActs);
        }
        const composite = new CompositeAlarm(this, `${title}Burn${window.name}`, {
          compositeAlarmName: name(`${title}Burn${window.name}`),
          alarmDescription: `${window.severity === 'page' ? 'Page' : 'Ticket'}: ${slo.description} is spending its ${slo.windowDays}-day error budget at ${window.burnRate}× the sustainable rate over ${window.longMinutes} minutes and still over the last ${window.shortMinutes} (at this pace the budget lasts ${Math.round((slo.windowDays * 24) / window.burnRate)} hours). Runbook docs/runbooks.md, "Error budget burning".`,
          alarmRule: AlarmRule.allOf(long, short),
        });
        composite.addAlarmAction(window.severity === 'page' ? page : ticket);
        this.alarms.push(composite);
      }
    }

    const five = Duration.minutes(5);
    alarm(
      'ApiServerErrors',
      {
        description: `More than ${operationalThresholds.apiServerErrorShare * 100} % of merchant API requests answered 5xx over 5 minutes (at least 100 requests). Runbook docs/runbooks.md, "API errors and latency".`,
        metric: new MathExpression({
          expression: 'IF(requests >= 100, errors / requests, 0)',
          usingMetrics: { requests: apiMetric('Count', 'Sum', five), errors: apiMetric('5XXError', 'Sum', five) },
          period: five,
          label: 'merchant API 5xx share',
        }),
        threshold: operationalThresholds.apiServerErrorShare,
      },
      page,
    );
    alarm(
      'ApiLatencyP99',
      {
        description: `The merchant API's p99 latency was above ${operationalThresholds.apiP99LatencyMs} ms in 3 of the last 5 minutes. Runbook docs/runbooks.md, "API errors and latency".`,
        metric: apiMetric('Latency', 'p99', Duration.minutes(1)),
        threshold: operationalThresholds.apiP99LatencyMs,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      },
      page,
    );
    if (props.buildsEvents) {
      alarm(
        'AuthorizationRate',
        {
          description: `Fewer than ${operationalThresholds.authorizationRateMin * 100} % of decided payments were authorized over 15 minutes (with at least ${operationalThresholds.authorizationRateMinVolume} decided): an acquirer, routing or risk is failing payments. Runbook docs/runbooks.md, "Authorization rate".`,
          metric: authorizationRate(Duration.minutes(15)),
          threshold: operationalThresholds.authorizationRateMin,
          below: true,
        },
        page,
      );
    }
    alarm(
      'LambdaErrors',
      {
        description: `More than ${operationalThresholds.lambdaErrorShare * 100} % of the region's function invocations failed over 5 minutes (at least 100). Runbook docs/runbooks.md, "Lambda errors and throttles".`,
        metric: new MathExpression({
          expression: 'IF(invocations >= 100, errors / invocations, 0)',
          usingMetrics: { invocations: lambdaTotal('Invocations', 'Sum', five), errors: lambdaTotal('Errors', 'Sum', five) },
          period: five,
          label: 'Lambda error share',
        }),
        threshold: operationalThresholds.lambdaErrorShare,
      },
      page,
    );
    alarm(
      'LambdaThrottles',
      {
        description:
          "Functions were throttled in 2 of the last 3 minutes: the money path's shared pool is exhausted, or a capped function hit its reservation (decision 0029). Runbook docs/runbooks.md, \"Lambda errors and throttles\".",
        metric: lambdaTotal('Throttles', 'Sum', Duration.minutes(1)),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      },
      page,
    );
    for (const key of props.tables) {
      const id = `${key[0]?.toUpperCase()}${key.slice(1)}Throttled`;
      alarm(
        id,
        {
          description: `${tableName(key)} throttled reads or writes in 3 of the last 5 minutes (the SDK retries absorb a few; sustained, requests fail): a hot partition or a table at its throughput limit. Runbook docs/runbooks.md, "DynamoDB throttling".`,
          metric: tableThrottles(key, Duration.minutes(1)),
          threshold: 1,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
        },
        page,
      );
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
        left: Object.entries(serviceLevels).map(([key, slo]) => burnRate(slo, Duration.hours(1), { idPrefix: key })),
        leftAnnotations: burnRateWindows.map((window) => ({ value: window.burnRate, label: `${window.name.toLowerCase()} burn` })),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Authorization rate (15 minutes)',
        left: props.buildsEvents ? [authorizationRate(Duration.minutes(15))] : [],
        leftAnnotations: [{ value: operationalThresholds.authorizationRateMin, label: 'pages below' }],
        right: props.buildsEvents ? [authorizationMetric('PaymentsAuthorized', minute), authorizationMetric('PaymentsFailedUnauthorized', minute)] : [],
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda: concurrency, errors, throttles',
        left: [lambdaTotal('ConcurrentExecutions', 'Maximum', minute)],
        right: [lambdaTotal('Errors', 'Sum', minute), lambdaTotal('Throttles', 'Sum', minute)],
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
        left: props.tables.map((key) => tableThrottles(key, minute)),
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
            left: regions.map((region) => burnRate(slo, Duration.hours(1), { region, idPrefix: region.replace(/-/g, '') }).with({ label: region })),
            width: 12,
          }),
      ),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda throttles, by region',
        left: regions.map((region) => lambdaTotal('Throttles', 'Sum', minute, region).with({ label: region })),
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
