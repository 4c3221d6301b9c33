import { Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AlarmDeclaration } from '../../platform/alarms';
import { deployment } from '../../platform/deployment';
import { buildAlarms } from './alarm-metrics';

/**
 * What pages operations: the `operations` alarms of platform/alarms.ts (declared there once, with why each
 * pages; docs/runbooks.md has one section per alarm), and the encrypted SNS topic they page through, one per
 * region (subscribe the on-call rotation to it). Alarms evaluate every minute.
 */
export interface OperationsAlarmsProps {
  readonly topicKey: IKey;
  /** The region's declared alarms (platform/alarms.ts `platformAlarms`): this builds the `operations` group. */
  readonly alarms: readonly AlarmDeclaration[];
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
    buildAlarms(
      this,
      props.alarms.filter((alarm) => alarm.group === 'operations'),
      { pages: new SnsAction(this.topic) },
    );
  }
}
