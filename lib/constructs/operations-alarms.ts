import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';

/**
 * What pages operations: any saga execution that fails (a compensation kept failing: the payment is
 * `requires_attention`), times out or is throttled. One encrypted SNS topic per region (subscribe the
 * on-call rotation to it); alarms evaluate every minute and fire on the first occurrence.
 */
export interface OperationsAlarmsProps {
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  readonly topicKey: IKey;
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
  }
}
