import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { functionName } from '../../platform/functions';
import type { PlatformFunction } from './platform-function';

/**
 * What pages operations: any saga execution that fails (a compensation kept failing: the payment is
 * `requires_attention`), times out or is throttled; any saga the saga-start sweeper had to start (a create
 * path failed after storing its object), a sweep that failed, an invocation in the sweeper's dead-letter queue. One encrypted SNS topic per region (subscribe the
 * on-call rotation to it); alarms evaluate every minute and fire on the first occurrence.
 */
export interface OperationsAlarmsProps {
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  readonly topicKey: IKey;
  /** The sweep-unstarted-sagas function (docs/decisions/0010-saga-start-sweeper.md). */
  readonly sagaSweeper: PlatformFunction;
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
    for (const [key, machine] of Object.entries(props.stateMachines)) {
      const alarms = {
        ExecutionsFailed: machine.metricFailed({ period: Duration.minutes(1), statistic: 'Sum' }),
        ExecutionsTimedOut: machine.metricTimedOut({ period: Duration.minutes(1), statistic: 'Sum' }),
        ExecutionThrottled: machine.metricThrottled({ period: Duration.minutes(1), statistic: 'Sum' }),
      };
      for (const [name, metric] of Object.entries(alarms)) {
        const alarm = new Alarm(this, `${key}${name}`, {
          alarmName: `${deployment.appName}-${key}-${name}`,
          alarmDescription: `${name} on the ${key} saga: open the execution (named by the object id) in the Step Functions console; runbook docs/runbooks.md.`,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(action);
      }
    }

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
    for (const [name, { metric, description }] of Object.entries(sweeperAlarms)) {
      const alarm = new Alarm(this, name, {
        alarmName: `${deployment.appName}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
    }
  }
}
