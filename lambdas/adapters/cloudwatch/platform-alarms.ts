import { type CloudWatchClient, type CompositeAlarm, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ALARM_STATES, type AlarmStateValue, type AlarmStatus, type PlatformAlarms } from '../../ports/platform-alarms';

/**
 * PlatformAlarms on CloudWatch's DescribeAlarms: metric and composite alarms by name prefix, 100 a page,
 * following NextToken (a region holds about 80 of the platform's).
 */
export class CloudWatchPlatformAlarms implements PlatformAlarms {
  constructor(private readonly client: CloudWatchClient) {}

  async list(query: { readonly namePrefix: string; readonly state?: AlarmStateValue }): Promise<AlarmStatus[]> {
    const alarms: AlarmStatus[] = [];
    let nextToken: string | undefined;
    do {
      const answer = await this.client.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: query.namePrefix,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          StateValue: query.state,
          MaxRecords: 100,
          NextToken: nextToken,
        }),
      );
      for (const alarm of answer.MetricAlarms ?? []) alarms.push(statusOf(alarm, 'metric'));
      for (const alarm of answer.CompositeAlarms ?? []) alarms.push(statusOf(alarm, 'composite'));
      nextToken = answer.NextToken;
    } while (nextToken);
    return alarms;
  }
}

const statusOf = (alarm: MetricAlarm | CompositeAlarm, kind: AlarmStatus['kind']): AlarmStatus => {
  const state = (ALARM_STATES as readonly string[]).includes(alarm.StateValue ?? '') ? (alarm.StateValue as AlarmStateValue) : 'INSUFFICIENT_DATA';
  return {
    name: alarm.AlarmName ?? '',
    kind,
    state,
    since: alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp ?? new Date(0),
    reason: alarm.StateReason ?? '',
    description: alarm.AlarmDescription ?? '',
  };
};
