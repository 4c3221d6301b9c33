import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type FunctionKey, functionName } from '../../platform/functions';
import { type StateMachineKey, stateMachines } from '../../platform/state-machines';
import type { PlatformFunction } from './platform-function';
import { type TableKey, tableName } from '../../platform/tables';

/**
 * What pages operations (docs/runbooks.md has one section per alarm). One encrypted SNS topic per region
 * (subscribe the on-call rotation to it); alarms evaluate every minute.
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
export const EXPRESS_FAILED_SHARE = 0.05;
/**
 * Acquirers publish a settlement report per daily batch and the bank a statement per booking day: a source
 * whose newest file is older than this has missed a day (with six hours' grace for a late publisher).
 */
export const SETTLEMENT_FILE_LATE_HOURS = 30;
/** Events normally follow their change by a second or two; five minutes behind is a stuck or failing mapping. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;
export interface OperationsAlarmsProps {
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  readonly topicKey: IKey;
  /** The sweep-unstarted-sagas function (docs/decisions/0010-saga-start-sweeper.md). */
  readonly sagaSweeper: PlatformFunction;
  /** Queues that hold only what failed (dead-letter queues, stream on-failure destinations): any message pages. */
  readonly deadLetterQueues?: readonly { readonly id: string; readonly queue: IQueue; readonly description: string }[];
  /** Functions fed by DynamoDB stream mappings in this region (platform/functions.ts `streams`): their iterator age pages. */
  readonly streamConsumers?: readonly FunctionKey[];
  /** The scheduled pull of settlement reports and bank statements (decision 0028): its failures and late files page. */
  readonly settlementPull?: { readonly function: PlatformFunction; readonly sources: readonly string[] };
  /** The scheduled pull of Meridian's inbox: its failures and refused (forged or unreadable) files page. */
  readonly railInboxPull?: PlatformFunction;
  /** The global tables this region writes and the region their replicas are in: their ReplicationLatency pages. */
  readonly replication?: { readonly tables: readonly TableKey[]; readonly receivingRegion: string };
}

export class OperationsAlarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      topicName: `${deployment.appName}-operations`,
      displayName: `xborder operations alerts (${Stack.of(this).region})`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    const action = new SnsAction(this.topic);
    const page = (id: string, alarmName: string, description: string, metric: Metric | MathExpression, threshold = 1) => {
      const alarm = new Alarm(this, id, {
        alarmName,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
    };
    for (const [key, machine] of Object.entries(props.stateMachines)) {
      const name = (alarm: string) => `${deployment.appName}-${key}-${alarm}`;
      const open = `open the execution (named by the object id) in the Step Functions console; runbook docs/runbooks.md.`;
      page(`${key}ExecutionThrottled`, name('ExecutionThrottled'), `ExecutionThrottled on the ${key} workflow: ${open}`, machine.metricThrottled({ period: Duration.minutes(1), statistic: 'Sum' }));
      if (stateMachines[key as StateMachineKey]?.type === 'EXPRESS') {
        const period = Duration.minutes(5);
        page(
          `${key}RunsUnfinished`,
          name('RunsUnfinished'),
          `More than ${EXPRESS_FAILED_SHARE * 100} % of ${key} runs failed or timed out over 5 minutes: their objects went to recoveries; find what fails in the runs' logs. Runbook docs/runbooks.md.`,
          new MathExpression({
            expression: 'IF(started > 0, (failed + timedOut) / started, 0)',
            usingMetrics: {
              started: machine.metricStarted({ period, statistic: 'Sum' }),
              failed: machine.metricFailed({ period, statistic: 'Sum' }),
              timedOut: machine.metricTimedOut({ period, statistic: 'Sum' }),
            },
            period,
            label: `${key} runs unfinished (share)`,
          }),
          EXPRESS_FAILED_SHARE,
        );
        continue;
      }
      page(`${key}ExecutionsFailed`, name('ExecutionsFailed'), `ExecutionsFailed on the ${key} workflow: ${open}`, machine.metricFailed({ period: Duration.minutes(1), statistic: 'Sum' }));
      page(`${key}ExecutionsTimedOut`, name('ExecutionsTimedOut'), `ExecutionsTimedOut on the ${key} workflow: ${open}`, machine.metricTimedOut({ period: Duration.minutes(1), statistic: 'Sum' }));
    }
    for (const key of props.replication?.tables ?? []) {
      // DynamoDB publishes ReplicationLatency in the writing region, per table and receiving region (milliseconds).
      const receivingRegion = props.replication?.receivingRegion as string;
      const table = tableName(key);
      new Alarm(this, `${key}ReplicationLatency`, {
        alarmName: `${deployment.appName}-${key}-ReplicationLatency`,
        alarmDescription: `Writes to ${table} take more than ${deployment.replicationLatencyAlarmMs / 1000} s on average to reach ${receivingRegion}: a home-region move waits longer at AwaitReplication, and losing this region would lose that much of its writes. Runbook docs/runbooks.md, "Region loss".`,
        metric: new Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ReplicationLatency',
          dimensionsMap: { TableName: table, ReceivingRegion: receivingRegion },
          period: Duration.minutes(1),
          statistic: 'Average',
        }),
        threshold: deployment.replicationLatencyAlarmMs,
        // Five minutes in a row: one slow minute is noise, five is replication falling behind.
        evaluationPeriods: 5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
    }
    page(
      'PaymentsRequiringAttention',
      `${deployment.appName}-PaymentsRequiringAttention`,
      'A payment was flagged requires_attention (a compensation or a recovery gave up: money may sit in the wrong place). Runbook docs/runbooks.md.',
      new Metric({
        namespace: deployment.appName,
        metricName: 'PaymentsRequiringAttention',
        dimensionsMap: { service: functionName(deployment.appName, 'flagPaymentForAttention') },
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
    );

    const payoutAttention = (key: 'flagPayoutForAttention' | 'receivePayoutRailEvents' | 'pullPayoutRailInbox') =>
      new Metric({
        namespace: deployment.appName,
        metricName: 'PayoutsRequiringAttention',
        dimensionsMap: { service: functionName(deployment.appName, key) },
        period: Duration.minutes(1),
        statistic: 'Sum',
      });
    page(
      'PayoutsRequiringAttention',
      `${deployment.appName}-PayoutsRequiringAttention`,
      "A payout was flagged for attention (a confirmation overdue, a release or recovery that gave up, or a rail's message contradicting it): its funds stay reserved until ops find where the money is. Runbook docs/runbooks.md.",
      new MathExpression({
        expression: 'flagged + contradicted + contradictedInFiles',
        usingMetrics: {
          flagged: payoutAttention('flagPayoutForAttention'),
          contradicted: payoutAttention('receivePayoutRailEvents'),
          // Meridian's files, read by the scheduled inbox pull in AWS.
          contradictedInFiles: payoutAttention('pullPayoutRailInbox'),
        },
        period: Duration.minutes(1),
        label: 'payouts flagged for attention',
      }),
    );

    const sweeper = props.sagaSweeper;
    const sweeperName = functionName(deployment.appName, sweeper.key);
    const deadLetters = sweeper.deadLetterQueue;
    if (!deadLetters) throw new Error(`${sweeperName} has no dead-letter queue`);
    const sweeperAlarms = {
      SagasStartedBySweeper: {
        metric: new Metric({
          namespace: deployment.appName,
          metricName: 'SagasStartedBySweeper',
          dimensionsMap: { service: sweeperName },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        description:
          'The saga-start sweeper started sagas that their create path did not (a Lambda crash, timeout or refused StartExecution after the object was stored): find the ids in its log, check the create function errors; runbook docs/runbooks.md.',
      },
      SagaSweepFailed: {
        metric: sweeper.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        description: 'A saga-start sweep failed (some overdue saga could not be started): its log names the ids; the next sweep retries. Runbook docs/runbooks.md.',
      },
      SagaSweepDeadLetters: {
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        description: 'Sweeps that failed after every retry, or schedule events EventBridge could not deliver, are in the sweeper dead-letter queue. Runbook docs/runbooks.md.',
      },
    };
    for (const [name, { metric, description }] of Object.entries(sweeperAlarms)) page(name, `${deployment.appName}-${name}`, description, metric);

    if (props.settlementPull) {
      const pullName = functionName(deployment.appName, props.settlementPull.function.key);
      page(
        'SettlementPullFailed',
        `${deployment.appName}-SettlementPullFailed`,
        'The scheduled pull of settlement reports and bank statements failed (a listing of the SFTP server or a run\'s start): its log names the source and file; the next pull retries. Runbook docs/runbooks.md.',
        props.settlementPull.function.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      );
      const pullDeadLetters = props.settlementPull.function.deadLetterQueue;
      if (!pullDeadLetters) throw new Error(`${pullName} has no dead-letter queue`);
      page(
        'SettlementPullDeadLetters',
        `${deployment.appName}-SettlementPullDeadLetters`,
        'Pulls that failed after every retry, or schedule events EventBridge could not deliver, are in the settlement pull\'s dead-letter queue. Runbook docs/runbooks.md.',
        pullDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      );
      for (const source of props.settlementPull.sources) {
        const id = `SettlementFileLate${source[0]?.toUpperCase()}${source.slice(1)}`;
        page(
          id,
          `${deployment.appName}-${id}`,
          `The newest ${source === 'bank' ? 'bank statement' : `settlement report of ${source}`} on the SFTP server is more than ${SETTLEMENT_FILE_LATE_HOURS} hours old: a day's ${source === 'bank' ? 'statement' : 'batch'} has not arrived, so its money is not reconciled. Ask the counterparty; runbook docs/runbooks.md.`,
          new Metric({
            namespace: deployment.appName,
            metricName: 'SettlementFileAgeHours',
            dimensionsMap: { service: pullName, source },
            period: Duration.minutes(15),
            statistic: 'Maximum',
          }),
          SETTLEMENT_FILE_LATE_HOURS,
        );
      }
    }

    if (props.railInboxPull) {
      const inboxPull = props.railInboxPull;
      page(
        'RailInboxPullFailed',
        `${deployment.appName}-RailInboxPullFailed`,
        "The scheduled pull of Meridian's inbox failed (the SFTP server, or a file whose events could not be applied: it stays in the inbox for the next pull); ACH and SEPA payouts do not confirm meanwhile. Runbook docs/runbooks.md.",
        inboxPull.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      );
      page(
        'RailInboxFileRefused',
        `${deployment.appName}-RailInboxFileRefused`,
        "A file in Meridian's inbox was refused (unsigned, signed with another key than the bank's pinned one, or unreadable) and filed under /inbox/refused with its reason: a forged answer, or the bank rolled its signing key. Runbook docs/runbooks.md.",
        new Metric({
          namespace: deployment.appName,
          metricName: 'RailInboxFilesRefused',
          dimensionsMap: { service: functionName(deployment.appName, inboxPull.key) },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
      );
      const inboxDeadLetters = inboxPull.deadLetterQueue;
      if (!inboxDeadLetters) throw new Error(`${functionName(deployment.appName, inboxPull.key)} has no dead-letter queue`);
      page(
        'RailInboxPullDeadLetters',
        `${deployment.appName}-RailInboxPullDeadLetters`,
        "Inbox pulls that failed after every retry, or schedule events EventBridge could not deliver, are in the pull's dead-letter queue. Runbook docs/runbooks.md.",
        inboxDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      );
    }

    for (const { id, queue, description } of props.deadLetterQueues ?? []) {
      page(id, `${deployment.appName}-${id}`, description, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }));
    }

    for (const key of props.streamConsumers ?? []) {
      const id = `${key[0]?.toUpperCase()}${key.slice(1)}IteratorAge`;
      page(
        id,
        `${deployment.appName}-${id}`,
        `The oldest stream record ${key} has not processed is more than ${STREAM_ITERATOR_AGE_ALARM_MS / 60_000} minutes old: events (and webhooks) are late, and a record unread for 24 hours leaves the stream. Runbook docs/runbooks.md.`,
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'IteratorAge',
          dimensionsMap: { FunctionName: functionName(deployment.appName, key) },
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        STREAM_ITERATOR_AGE_ALARM_MS,
      );
    }
  }
}
