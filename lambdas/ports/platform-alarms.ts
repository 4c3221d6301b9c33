/**
 * The platform's CloudWatch alarms as CloudWatch reports them (DescribeAlarms): the same API in AWS and locally,
 * where local/cloudwatch.ts evaluates the alarms platform/alarms.ts declares (decision 0050). Read-only.
 */
export const ALARM_STATES = ['ALARM', 'INSUFFICIENT_DATA', 'OK'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

export interface AlarmStatus {
  readonly name: string;
  /** A metric alarm (one metric or a metric math expression), or a composite of other alarms. */
  readonly kind: 'metric' | 'composite';
  readonly state: AlarmStateValue;
  /** When the alarm entered its state (CloudWatch's StateTransitionedTimestamp). */
  readonly since: Date;
  /** CloudWatch's words for why the alarm is in its state. */
  readonly reason: string;
  readonly description: string;
}

export interface PlatformAlarms {
  /** Every metric and composite alarm whose name starts with `namePrefix`, of one state if given. */
  list(query: { readonly namePrefix: string; readonly state?: AlarmStateValue }): Promise<AlarmStatus[]>;
}
