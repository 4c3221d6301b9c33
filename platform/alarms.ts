import { cardChannelNames } from './channels';
import { deployment } from './deployment';
import { type FunctionDeclaration, type FunctionKey, functionKeys, functionName, functions } from './functions';
import { type QueueKey, queueKeys, queueName } from './queues';
import { merchantApiName } from './routes';
import { type ServiceLevelKey, type ServiceLevelObjective, burnRateWindows, operationalThresholds, serviceLevels } from './service-levels';
import { type StateMachineKey, stateMachineArn, stateMachineKeys, stateMachines } from './state-machines';
import { type TableDeclaration, type TableKey, replicationOf, tableKeys, tableName, tables } from './tables';

/**
 * Every CloudWatch alarm of a region, declared once as data (decision 0050): lib/constructs/operations-alarms.ts
 * and lib/constructs/service-levels.ts build each one from it (CDK `Alarm`, `MathExpression`, `CompositeAlarm`),
 * and the local CloudWatch stand-in (local/cloudwatch.ts) evaluates the same declarations against the metrics it
 * has, answering `DescribeAlarms` as CloudWatch does, so the operator API's `GET /v1/alarms` reads both alike.
 * The operator API maps an alarm's name back to its runbook section with `runbookSectionOf`.
 *
 * A metric's dimension that names a deployed resource (a state machine's ARN, a function's or a queue's name)
 * comes from the caller's `AlarmResourceNames`: CloudFormation references in lib/, the plain names locally.
 */
export const EXPRESS_FAILED_SHARE = 0.05;
/**
 * Acquirers publish a settlement report per daily batch and the bank a statement per booking day: a source
 * whose newest file is older than this has missed a day (with six hours' grace for a late publisher).
 */
export const SETTLEMENT_FILE_LATE_HOURS = 30;
/** Events normally follow their change by a second or two; five minutes behind is a stuck or failing mapping. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;

/** One CloudWatch metric and how it is aggregated per period (CloudWatch's MetricStat). */
export interface AlarmMetric {
  readonly namespace: string;
  readonly name: string;
  /** Exactly the metric's dimensions (none: an account-wide total such as AWS/Lambda Errors). */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** `Sum`, `Maximum`, `Average`, `pNN`, `PR(:n)`... */
  readonly statistic: string;
  readonly periodSeconds: number;
  /** Another region's metric (dashboards only; an alarm reads its own region's). */
  readonly region?: string;
  readonly label?: string;
}

/** A metric math expression over named metrics (CloudWatch's Expression with MetricStat queries). */
export interface AlarmExpression {
  readonly expression: string;
  /** By query id, in the order CloudWatch gets them. */
  readonly metrics: Readonly<Record<string, AlarmMetric>>;
  readonly periodSeconds: number;
  readonly label: string;
}

export type AlarmComparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'notBreaching' | 'breaching' | 'ignore' | 'missing';
/** Who an alarm notifies: the operations topic (pages), the tickets topic, or nobody (a part of a composite). */
export type AlarmNotifies = 'pages' | 'tickets' | 'nobody';
/** The construct that builds it (the SLO alarms live in the Observability nested stack: lib/api-stack.ts). */
export type AlarmGroup = 'operations' | 'serviceLevels';

export interface MetricAlarmDeclaration {
  readonly kind: 'metric';
  /** The construct id (and so the CloudFormation logical id) lib/ gives it. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** The section of docs/runbooks.md that says what to do. */
  readonly runbook: string;
  readonly group: AlarmGroup;
  readonly watches: AlarmMetric | AlarmExpression;
  readonly threshold: number;
  readonly comparison: AlarmComparison;
  readonly evaluationPeriods: number;
  /** M of the N evaluation periods that must breach (undefined: all N). */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: TreatMissingData;
  readonly notifies: AlarmNotifies;
}

export interface CompositeAlarmDeclaration {
  readonly kind: 'composite';
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly runbook: string;
  readonly group: AlarmGroup;
  /** ALARM when every one of these metric alarms (by id) is in ALARM. */
  readonly allOf: readonly string[];
  readonly notifies: AlarmNotifies;
}

export type AlarmDeclaration = MetricAlarmDeclaration | CompositeAlarmDeclaration;

export const isExpression = (watches: AlarmMetric | AlarmExpression): watches is AlarmExpression => 'expression' in watches;

/** A dead-letter queue an alarm watches: a declared queue's, a stream mapping's on-failure queue, a scheduled function's. */
export type DeadLetterSource =
  | { readonly kind: 'queue'; readonly key: QueueKey }
  | { readonly kind: 'streamFailures'; readonly key: FunctionKey }
  | { readonly kind: 'function'; readonly key: FunctionKey };

export interface AlarmResourceNames {
  readonly stateMachineArn: (key: StateMachineKey) => string;
  /** The FunctionName dimension of AWS/Lambda metrics. */
  readonly functionName: (key: FunctionKey) => string;
  readonly deadLetterQueueName: (source: DeadLetterSource) => string;
}

export interface AlarmContext {
  readonly region: string;
  readonly names: AlarmResourceNames;
  /** Functions fed by DynamoDB stream mappings in this region (platform/functions.ts `streams`). */
  readonly streamConsumers: readonly FunctionKey[];
  /** The tables this region serves (their throttling pages). */
  readonly tables: readonly TableKey[];
  /** The global tables this region writes (their replication latency pages). */
  readonly globalTables: readonly TableKey[];
}

/** The names lib/ gives the resources, as plain strings (the local runtime's account by default: local/step-functions/arns.ts). */
export const plainResourceNames = (region: string, account = '000000000000'): AlarmResourceNames => ({
  stateMachineArn: (key) => stateMachineArn(key, region, account),
  functionName: (key) => functionName(deployment.appName, key),
  deadLetterQueueName: (source) =>
    source.kind === 'queue'
      ? `${queueName(source.key)}-dlq`
      : `${functionName(deployment.appName, source.key)}-${source.kind === 'function' ? 'dlq' : 'stream-failures'}`,
});

const MINUTE = 60;
const pascal = (key: string): string => `${key[0]?.toUpperCase()}${key.slice(1)}`;
const alarmName = (suffix: string): string => `${deployment.appName}-${suffix}`;

/** API Gateway's metric for the merchant API (the stage, or one method of it), as the stage's detailed metrics name it. */
export const merchantApiMetric = (
  name: '5XXError' | 'Count' | 'Latency',
  statistic: string,
  periodSeconds: number,
  options: { readonly route?: ServiceLevelObjective['route']; readonly region?: string } = {},
): AlarmMetric => ({
  namespace: 'AWS/ApiGateway',
  name,
  dimensions: {
    ApiName: merchantApiName(),
    Stage: deployment.apiStageName,
    ...(options.route ? { Method: options.route.method, Resource: options.route.path } : {}),
  },
  statistic,
  periodSeconds,
  ...(options.region ? { region: options.region } : {}),
});

/**
 * An SLO's burn rate over `periodSeconds`: the share of bad requests ÷ the share the objective allows. `idPrefix`
 * keeps metric ids apart where several burn rates share a dashboard widget (ids must not repeat in one).
 */
export const burnRate = (slo: ServiceLevelObjective, periodSeconds: number, options: { readonly region?: string; readonly idPrefix?: string } = {}): AlarmExpression => {
  const { region, idPrefix = '' } = options;
  const id = (name: string) => (idPrefix ? `${idPrefix}${pascal(name)}` : name);
  const budget = 1 - slo.objective;
  const requests = merchantApiMetric('Count', 'Sum', periodSeconds, { route: slo.route, region });
  const label = `${slo.description}: burn rate`;
  if (slo.bad.kind === 'server_error') {
    return {
      expression: `IF(${id('requests')} > 0, ${id('errors')} / ${id('requests')} / ${budget}, 0)`,
      metrics: { [id('requests')]: requests, [id('errors')]: merchantApiMetric('5XXError', 'Sum', periodSeconds, { route: slo.route, region }) },
      periodSeconds,
      label,
    };
  }
  // PR(:n) is the percentage of requests that took at most n ms (CloudWatch's percentile rank statistic).
  return {
    expression: `IF(${id('requests')} > 0, (100 - ${id('fast')}) / 100 / ${budget}, 0)`,
    metrics: { [id('requests')]: requests, [id('fast')]: merchantApiMetric('Latency', `PR(:${slo.bad.milliseconds})`, periodSeconds, { route: slo.route, region }) },
    periodSeconds,
    label,
  };
};

/** A count a platform function emits (Powertools metrics: namespace the app, dimension `service` the function's name). */
export const functionMetric = (key: FunctionKey, name: string, statistic: string, periodSeconds: number, extra: Readonly<Record<string, string>> = {}): AlarmMetric => ({
  namespace: deployment.appName,
  name,
  dimensions: { service: functionName(deployment.appName, key), ...extra },
  statistic,
  periodSeconds,
});

const authorizationMetric = (name: 'PaymentsAuthorized' | 'PaymentsFailedUnauthorized', periodSeconds: number): AlarmMetric =>
  functionMetric('buildEvents', name, 'Sum', periodSeconds);

export const authorizationRate = (periodSeconds: number): AlarmExpression => ({
  expression: `IF(authorized + failed >= ${operationalThresholds.authorizationRateMinVolume}, authorized / (authorized + failed), 1)`,
  metrics: { authorized: authorizationMetric('PaymentsAuthorized', periodSeconds), failed: authorizationMetric('PaymentsFailedUnauthorized', periodSeconds) },
  periodSeconds,
  label: 'authorization rate',
});

/** The region's Lambda totals (account-level metrics: no FunctionName dimension). */
export const lambdaTotal = (name: 'Errors' | 'Invocations' | 'Throttles' | 'ConcurrentExecutions', statistic: string, periodSeconds: number, region?: string): AlarmMetric => ({
  namespace: 'AWS/Lambda',
  name,
  statistic,
  periodSeconds,
  ...(region ? { region } : {}),
});

export const tableThrottles = (key: TableKey, periodSeconds: number): AlarmExpression => ({
  // Ids named by the table: a dashboard widget holds every table's expression, and ids must not repeat in one.
  expression: `${key}Reads + ${key}Writes`,
  metrics: Object.fromEntries(
    (['Reads', 'Writes'] as const).map((which) => [
      `${key}${which}`,
      {
        namespace: 'AWS/DynamoDB',
        name: which === 'Reads' ? 'ReadThrottleEvents' : 'WriteThrottleEvents',
        dimensions: { TableName: tableName(key) },
        statistic: 'Sum',
        periodSeconds,
      } satisfies AlarmMetric,
    ]),
  ),
  periodSeconds,
  label: tableName(key),
});

const stateMachineMetric = (names: AlarmResourceNames, key: StateMachineKey, name: string, periodSeconds: number): AlarmMetric => ({
  namespace: 'AWS/States',
  name,
  dimensions: { StateMachineArn: names.stateMachineArn(key) },
  statistic: 'Sum',
  periodSeconds,
});

const lambdaErrors = (names: AlarmResourceNames, key: FunctionKey, periodSeconds: number): AlarmMetric => ({
  namespace: 'AWS/Lambda',
  name: 'Errors',
  dimensions: { FunctionName: names.functionName(key) },
  statistic: 'Sum',
  periodSeconds,
});

const messagesVisible = (names: AlarmResourceNames, source: DeadLetterSource): AlarmMetric => ({
  namespace: 'AWS/SQS',
  name: 'ApproximateNumberOfMessagesVisible',
  dimensions: { QueueName: names.deadLetterQueueName(source) },
  statistic: 'Maximum',
  periodSeconds: 5 * MINUTE,
});

/**
 * What pages operations (lib/constructs/operations-alarms.ts builds these; docs/runbooks.md has one section per alarm).
 * One encrypted SNS topic per region (subscribe the on-call rotation to it); alarms evaluate every minute.
 * - Standard workflows (capture windows, recoveries, payouts): any execution that fails, times out or is
 *   throttled, at the first occurrence: each is money waiting on people (a recovery that gave up leaves its
 *   payment `requires_attention`).
 * - Express workflows (payment and refund runs): a run that ends unfinished hands its object to a recovery
 *   (docs/decisions/0011-express-and-standard-workflows.md), so one failed run is not a page; a share of
 *   failed or timed-out runs above 5 % over 5 minutes is (a dependency or a channel is failing for many), and
 *   so is any throttled start (merchants are being answered `processing`).
 * - A stream mapping (the events outbox, docs/decisions/0016-events-and-webhooks.md) whose oldest unread
 *   record is older than STREAM_ITERATOR_AGE_ALARM_MS: events, and so webhooks, are late, and a record left
 *   unread for the stream's 24 hours is gone.
 * - Any payment flagged `requires_attention` (the PaymentsRequiringAttention metric of the function that flags
 *   it), any object the saga-start sweeper had to recover, a sweep that failed, an invocation in the
 *   sweeper's dead-letter queue.
 */
const operationsAlarms = (context: AlarmContext): MetricAlarmDeclaration[] => {
  const { names } = context;
  const alarms: MetricAlarmDeclaration[] = [];
  const page = (id: string, name: string, description: string, runbook: string, watches: AlarmMetric | AlarmExpression, threshold = 1) =>
    alarms.push({
      kind: 'metric',
      id,
      name,
      description,
      runbook,
      group: 'operations',
      watches,
      threshold,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      notifies: 'pages',
    });

  for (const key of stateMachineKeys) {
    const name = (alarm: string) => alarmName(`${key}-${alarm}`);
    const open = `open the execution (named by the object id) in the Step Functions console; runbook docs/runbooks.md.`;
    page(`${key}ExecutionThrottled`, name('ExecutionThrottled'), `ExecutionThrottled on the ${key} workflow: ${open}`, 'A workflow was throttled', stateMachineMetric(names, key, 'ExecutionThrottled', MINUTE));
    if (stateMachines[key].type === 'EXPRESS') {
      const period = 5 * MINUTE;
      page(
        `${key}RunsUnfinished`,
        name('RunsUnfinished'),
        `More than ${EXPRESS_FAILED_SHARE * 100} % of ${key} runs failed or timed out over 5 minutes: their objects went to recoveries; find what fails in the runs' logs. Runbook docs/runbooks.md.`,
        'Payment or refund runs are not finishing',
        {
          expression: 'IF(started > 0, (failed + timedOut) / started, 0)',
          metrics: {
            started: stateMachineMetric(names, key, 'ExecutionsStarted', period),
            failed: stateMachineMetric(names, key, 'ExecutionsFailed', period),
            timedOut: stateMachineMetric(names, key, 'ExecutionsTimedOut', period),
          },
          periodSeconds: period,
          label: `${key} runs unfinished (share)`,
        },
        EXPRESS_FAILED_SHARE,
      );
      continue;
    }
    const runbook = key === 'homeRegionMove' ? 'A home-region move failed' : 'A standard workflow failed or timed out';
    page(`${key}ExecutionsFailed`, name('ExecutionsFailed'), `ExecutionsFailed on the ${key} workflow: ${open}`, runbook, stateMachineMetric(names, key, 'ExecutionsFailed', MINUTE));
    page(`${key}ExecutionsTimedOut`, name('ExecutionsTimedOut'), `ExecutionsTimedOut on the ${key} workflow: ${open}`, runbook, stateMachineMetric(names, key, 'ExecutionsTimedOut', MINUTE));
  }

  const receivingRegion = context.region === deployment.primaryRegion ? deployment.secondaryRegion : deployment.primaryRegion;
  for (const key of context.globalTables) {
    // DynamoDB publishes ReplicationLatency in the writing region, per table and receiving region (milliseconds).
    const table = tableName(key);
    alarms.push({
      kind: 'metric',
      id: `${key}ReplicationLatency`,
      name: alarmName(`${key}-ReplicationLatency`),
      description: `Writes to ${table} take more than ${deployment.replicationLatencyAlarmMs / 1000} s on average to reach ${receivingRegion}: a home-region move waits longer at AwaitReplication, and losing this region would lose that much of its writes. Runbook docs/runbooks.md, "Region loss".`,
      runbook: 'The alarms',
      group: 'operations',
      watches: { namespace: 'AWS/DynamoDB', name: 'ReplicationLatency', dimensions: { TableName: table, ReceivingRegion: receivingRegion }, statistic: 'Average', periodSeconds: MINUTE },
      threshold: deployment.replicationLatencyAlarmMs,
      // Five minutes in a row: one slow minute is noise, five is replication falling behind.
      evaluationPeriods: 5,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      notifies: 'pages',
    });
  }

  page(
    'PaymentsRequiringAttention',
    alarmName('PaymentsRequiringAttention'),
    'A payment was flagged requires_attention (a compensation or a recovery gave up: money may sit in the wrong place). Runbook docs/runbooks.md.',
    'A payment requires attention',
    functionMetric('flagPaymentForAttention', 'PaymentsRequiringAttention', 'Sum', MINUTE),
  );
  const payoutAttention = (key: 'flagPayoutForAttention' | 'receivePayoutRailEvents' | 'pullPayoutRailInbox') => functionMetric(key, 'PayoutsRequiringAttention', 'Sum', MINUTE);
  page(
    'PayoutsRequiringAttention',
    alarmName('PayoutsRequiringAttention'),
    "A payout was flagged for attention (a confirmation overdue, a release or recovery that gave up, or a rail's message contradicting it): its funds stay reserved until ops find where the money is. Runbook docs/runbooks.md.",
    'A payout needs attention',
    {
      expression: 'flagged + contradicted + contradictedInFiles',
      metrics: {
        flagged: payoutAttention('flagPayoutForAttention'),
        contradicted: payoutAttention('receivePayoutRailEvents'),
        // Meridian's files, read by the scheduled inbox pull in AWS.
        contradictedInFiles: payoutAttention('pullPayoutRailInbox'),
      },
      periodSeconds: MINUTE,
      label: 'payouts flagged for attention',
    },
  );

  const sweeper: FunctionKey = 'sweepUnstartedSagas';
  page(
    'SagasStartedBySweeper',
    alarmName('SagasStartedBySweeper'),
    'The saga-start sweeper started sagas that their create path did not (a Lambda crash, timeout or refused StartExecution after the object was stored): find the ids in its log, check the create function errors; runbook docs/runbooks.md.',
    'The sweeper recovered an object',
    functionMetric(sweeper, 'SagasStartedBySweeper', 'Sum', 5 * MINUTE),
  );
  page(
    'SagaSweepFailed',
    alarmName('SagaSweepFailed'),
    'A saga-start sweep failed (some overdue saga could not be started): its log names the ids; the next sweep retries. Runbook docs/runbooks.md.',
    'A sweep failed or dead-lettered',
    lambdaErrors(names, sweeper, 5 * MINUTE),
  );
  page(
    'SagaSweepDeadLetters',
    alarmName('SagaSweepDeadLetters'),
    'Sweeps that failed after every retry, or schedule events EventBridge could not deliver, are in the sweeper dead-letter queue. Runbook docs/runbooks.md.',
    'A sweep failed or dead-lettered',
    messagesVisible(names, { kind: 'function', key: sweeper }),
  );

  const pull: FunctionKey = 'pullSettlementFiles';
  page(
    'SettlementPullFailed',
    alarmName('SettlementPullFailed'),
    "The scheduled pull of settlement reports and bank statements failed (a listing of the SFTP server or a run's start): its log names the source and file; the next pull retries. Runbook docs/runbooks.md.",
    'The settlement pull failed',
    lambdaErrors(names, pull, 15 * MINUTE),
  );
  page(
    'SettlementPullDeadLetters',
    alarmName('SettlementPullDeadLetters'),
    "Pulls that failed after every retry, or schedule events EventBridge could not deliver, are in the settlement pull's dead-letter queue. Runbook docs/runbooks.md.",
    'The settlement pull failed',
    messagesVisible(names, { kind: 'function', key: pull }),
  );
  for (const source of [...cardChannelNames, 'bank']) {
    const id = `SettlementFileLate${pascal(source)}`;
    page(
      id,
      alarmName(id),
      `The newest ${source === 'bank' ? 'bank statement' : `settlement report of ${source}`} on the SFTP server is more than ${SETTLEMENT_FILE_LATE_HOURS} hours old: a day's ${source === 'bank' ? 'statement' : 'batch'} has not arrived, so its money is not reconciled. Ask the counterparty; runbook docs/runbooks.md.`,
      'A settlement report or bank statement is late',
      functionMetric(pull, 'SettlementFileAgeHours', 'Maximum', 15 * MINUTE, { source }),
      SETTLEMENT_FILE_LATE_HOURS,
    );
  }

  const inboxPull: FunctionKey = 'pullPayoutRailInbox';
  const inbox = "Meridian's inbox: a file refused, or the pull failing";
  page(
    'RailInboxPullFailed',
    alarmName('RailInboxPullFailed'),
    "The scheduled pull of Meridian's inbox failed (the SFTP server, or a file whose events could not be applied: it stays in the inbox for the next pull); ACH and SEPA payouts do not confirm meanwhile. Runbook docs/runbooks.md.",
    inbox,
    lambdaErrors(names, inboxPull, 15 * MINUTE),
  );
  page(
    'RailInboxFileRefused',
    alarmName('RailInboxFileRefused'),
    "A file in Meridian's inbox was refused (unsigned, signed with another key than the bank's pinned one, or unreadable) and filed under /inbox/refused with its reason: a forged answer, or the bank rolled its signing key. Runbook docs/runbooks.md.",
    inbox,
    functionMetric(inboxPull, 'RailInboxFilesRefused', 'Sum', 5 * MINUTE),
  );
  page(
    'RailInboxPullDeadLetters',
    alarmName('RailInboxPullDeadLetters'),
    "Inbox pulls that failed after every retry, or schedule events EventBridge could not deliver, are in the pull's dead-letter queue. Runbook docs/runbooks.md.",
    inbox,
    messagesVisible(names, { kind: 'function', key: inboxPull }),
  );

  const deadLetters: { id: string; source: DeadLetterSource; description: string; runbook: string }[] = [
    ...queueKeys.map((key) => ({
      id: `${pascal(key)}DeadLetters`,
      source: { kind: 'queue', key } as const,
      description: `Messages of ${queueName(key)} failed every receive (the consumer crashed on them) and wait in its dead-letter queue. Runbook docs/runbooks.md.`,
      runbook: 'Webhook deliveries dead-lettered',
    })),
    ...context.streamConsumers.map((key) => ({
      id: `${pascal(key)}StreamFailures`,
      source: { kind: 'streamFailures', key } as const,
      description: `A batch of table changes failed ${key} through every retry: its events were not built. The queue holds the shard and sequence numbers to replay. Runbook docs/runbooks.md.`,
      runbook: 'Events were not built',
    })),
  ];
  for (const { id, source, description, runbook } of deadLetters) page(id, alarmName(id), description, runbook, messagesVisible(names, source));

  for (const key of context.streamConsumers) {
    const id = `${pascal(key)}IteratorAge`;
    page(
      id,
      alarmName(id),
      `The oldest stream record ${key} has not processed is more than ${STREAM_ITERATOR_AGE_ALARM_MS / 60_000} minutes old: events (and webhooks) are late, and a record unread for 24 hours leaves the stream. Runbook docs/runbooks.md.`,
      'Events are late',
      { namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: { FunctionName: functionName(deployment.appName, key) }, statistic: 'Maximum', periodSeconds: MINUTE },
      STREAM_ITERATOR_AGE_ALARM_MS,
    );
  }
  return alarms;
};

/**
 * Service levels and what operators watch besides the workflows (lib/constructs/service-levels.ts builds these):
 * every SLO of platform/service-levels.ts as multi-window burn-rate alarms (a composite of a long and a short
 * window each): the fast and medium burns page, the slow one opens a ticket; the merchant API's 5xx share and p99
 * latency (every route), the authorization rate (where the events builder runs), the region's Lambda error share
 * and throttles, each table's DynamoDB throttling. Composites first, in the order the dashboard's status widget lists them.
 */
const serviceLevelAlarms = (context: AlarmContext): AlarmDeclaration[] => {
  const alarms: AlarmDeclaration[] = [];
  const alarm = (
    id: string,
    runbook: string,
    options: { description: string; watches: AlarmMetric | AlarmExpression; threshold: number; below?: boolean; evaluationPeriods?: number; datapointsToAlarm?: number },
    notifies: AlarmNotifies,
  ): MetricAlarmDeclaration => {
    const declared: MetricAlarmDeclaration = {
      kind: 'metric',
      id,
      name: alarmName(id),
      description: options.description,
      runbook,
      group: 'serviceLevels',
      watches: options.watches,
      threshold: options.threshold,
      comparison: options.below ? 'LessThanThreshold' : 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: options.evaluationPeriods ?? 1,
      ...(options.datapointsToAlarm !== undefined ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
      treatMissingData: 'notBreaching',
      notifies,
    };
    alarms.push(declared);
    return declared;
  };

  const burning = 'Error budget burning';
  for (const [key, slo] of Object.entries(serviceLevels) as [ServiceLevelKey, ServiceLevelObjective][]) {
    const title = pascal(key);
    for (const window of burnRateWindows) {
      const composite = `${title}Burn${window.name}`;
      const part = (which: 'Long' | 'Short', minutes: number) =>
        alarm(
          `${composite}${which}`,
          burning,
          {
            description: `${slo.description} (objective ${slo.objective * 100} % over ${slo.windowDays} days): error budget burning at ${window.burnRate}× or more over ${minutes} minutes. Part of ${alarmName(composite)}.`,
            watches: burnRate(slo, minutes * MINUTE),
            threshold: window.burnRate,
          },
          'nobody',
        );
      const long = part('Long', window.longMinutes);
      const short = part('Short', window.shortMinutes);
      alarms.push({
        kind: 'composite',
        id: composite,
        name: alarmName(composite),
        description: `${window.severity === 'page' ? 'Page' : 'Ticket'}: ${slo.description} is spending its ${slo.windowDays}-day error budget at ${window.burnRate}× the sustainable rate over ${window.longMinutes} minutes and still over the last ${window.shortMinutes} (at this pace the budget lasts ${Math.round((slo.windowDays * 24) / window.burnRate)} hours). Runbook docs/runbooks.md, "Error budget burning".`,
        runbook: burning,
        group: 'serviceLevels',
        allOf: [long.id, short.id],
        notifies: window.severity === 'page' ? 'pages' : 'tickets',
      });
    }
  }

  const five = 5 * MINUTE;
  const api = 'API errors and latency';
  alarm(
    'ApiServerErrors',
    api,
    {
      description: `More than ${operationalThresholds.apiServerErrorShare * 100} % of merchant API requests answered 5xx over 5 minutes (at least 100 requests). Runbook docs/runbooks.md, "API errors and latency".`,
      watches: {
        expression: 'IF(requests >= 100, errors / requests, 0)',
        metrics: { requests: merchantApiMetric('Count', 'Sum', five), errors: merchantApiMetric('5XXError', 'Sum', five) },
        periodSeconds: five,
        label: 'merchant API 5xx share',
      },
      threshold: operationalThresholds.apiServerErrorShare,
    },
    'pages',
  );
  alarm(
    'ApiLatencyP99',
    api,
    {
      description: `The merchant API's p99 latency was above ${operationalThresholds.apiP99LatencyMs} ms in 3 of the last 5 minutes. Runbook docs/runbooks.md, "API errors and latency".`,
      watches: merchantApiMetric('Latency', 'p99', MINUTE),
      threshold: operationalThresholds.apiP99LatencyMs,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
    'pages',
  );
  if (context.streamConsumers.includes('buildEvents')) {
    alarm(
      'AuthorizationRate',
      'Authorization rate',
      {
        description: `Fewer than ${operationalThresholds.authorizationRateMin * 100} % of decided payments were authorized over 15 minutes (with at least ${operationalThresholds.authorizationRateMinVolume} decided): an acquirer, routing or risk is failing payments. Runbook docs/runbooks.md, "Authorization rate".`,
        watches: authorizationRate(15 * MINUTE),
        threshold: operationalThresholds.authorizationRateMin,
        below: true,
      },
      'pages',
    );
  }
  const lambda = 'Lambda errors and throttles';
  alarm(
    'LambdaErrors',
    lambda,
    {
      description: `More than ${operationalThresholds.lambdaErrorShare * 100} % of the region's function invocations failed over 5 minutes (at least 100). Runbook docs/runbooks.md, "Lambda errors and throttles".`,
      watches: {
        expression: 'IF(invocations >= 100, errors / invocations, 0)',
        metrics: { invocations: lambdaTotal('Invocations', 'Sum', five), errors: lambdaTotal('Errors', 'Sum', five) },
        periodSeconds: five,
        label: 'Lambda error share',
      },
      threshold: operationalThresholds.lambdaErrorShare,
    },
    'pages',
  );
  alarm(
    'LambdaThrottles',
    lambda,
    {
      description:
        "Functions were throttled in 2 of the last 3 minutes: the money path's shared pool is exhausted, or a capped function hit its reservation (decision 0029). Runbook docs/runbooks.md, \"Lambda errors and throttles\".",
      watches: lambdaTotal('Throttles', 'Sum', MINUTE),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    'pages',
  );
  for (const key of context.tables) {
    alarm(
      `${pascal(key)}Throttled`,
      'DynamoDB throttling',
      {
        description: `${tableName(key)} throttled reads or writes in 3 of the last 5 minutes (the SDK retries absorb a few; sustained, requests fail): a hot partition or a table at its throughput limit. Runbook docs/runbooks.md, "DynamoDB throttling".`,
        watches: tableThrottles(key, MINUTE),
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      },
      'pages',
    );
  }
  return alarms;
};

/** Every alarm of a region: the operations alarms, then the service-level ones. */
export const platformAlarms = (context: AlarmContext): AlarmDeclaration[] => [...operationsAlarms(context), ...serviceLevelAlarms(context)];

/** Alarm names begin with this (DescribeAlarms' AlarmNamePrefix; the IAM grant's resource pattern). */
export const alarmNamePrefix = (): string => `${deployment.appName}-`;

/**
 * A region's alarm context from the declarations alone (the local stand-in's, and the runbook lookup's): the
 * deployed tables, the global ones, the stream consumers that run there (`primaryRegionOnly` ones in the primary).
 */
export const declaredAlarmContext = (region: string, names: AlarmResourceNames = plainResourceNames(region)): AlarmContext => {
  const deployed = tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly);
  return {
    region,
    names,
    streamConsumers: functionKeys.filter((key) => {
      const streams = (functions[key] as FunctionDeclaration).streams;
      return streams !== undefined && (!streams.primaryRegionOnly || region === deployment.primaryRegion);
    }),
    tables: deployed,
    globalTables: deployed.filter((key) => replicationOf(key) === 'global'),
  };
};

let runbooks: Map<string, string> | undefined;

/** The docs/runbooks.md section of an alarm by its name (the primary region declares every one), or undefined for a name this platform does not declare. */
export const runbookSectionOf = (name: string): string | undefined => {
  runbooks ??= new Map(platformAlarms(declaredAlarmContext(deployment.primaryRegion)).map((alarm) => [alarm.name, alarm.runbook]));
  return runbooks.get(name);
};
