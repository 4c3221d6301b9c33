import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { MetricStore, startLocalCloudWatch } from '../../../local/cloudwatch';
import { LocalAlarms, notEvaluableLocally } from '../../../local/cloudwatch-alarms';
import type { AlarmDeclaration, MetricAlarmDeclaration } from '../../../platform/alarms';
import { declaredAlarmContext, platformAlarms } from '../../../platform/alarms';
import { deployment } from '../../../platform/deployment';

/**
 * The local CloudWatch's alarms (local/cloudwatch-alarms.ts, decision 0050): CloudWatch's evaluation rules for
 * the fields the platform's alarms use (threshold and comparison, M of N evaluation periods, missing data),
 * composites over their parts, INSUFFICIENT_DATA with a reason for what only AWS evaluates, and DescribeAlarms
 * through the AWS SDK's own client.
 */
const MINUTE = 60_000;
const at = (minute: number, second = 0) => Date.UTC(2026, 11, 7, 10, minute, second);
const metric = { namespace: deployment.appName, name: 'Flagged', dimensions: { service: 'f' } };

const alarm = (overrides: Partial<MetricAlarmDeclaration> = {}): MetricAlarmDeclaration => ({
  kind: 'metric',
  id: 'Flagged',
  name: `${deployment.appName}-Flagged`,
  description: 'something was flagged',
  runbook: 'A payment requires attention',
  group: 'operations',
  watches: { ...metric, statistic: 'Sum', periodSeconds: 60 },
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  evaluationPeriods: 1,
  treatMissingData: 'notBreaching',
  notifies: 'pages',
  ...overrides,
});

/** Alarms over a store at a clock the test moves. */
const harness = (declarations: AlarmDeclaration[]) => {
  const store = new MetricStore();
  let now = at(5, 30);
  const alarms = new LocalAlarms(store, declarations, { region: 'us-east-1', now: () => now });
  const state = (name: string, input: Record<string, unknown> = {}) => {
    const answer = alarms.describe({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], AlarmNames: [name], ...input }) as {
      MetricAlarms: Record<string, unknown>[];
      CompositeAlarms: Record<string, unknown>[];
    };
    return (answer.MetricAlarms[0] ?? answer.CompositeAlarms[0]) as Record<string, any>;
  };
  return {
    store,
    state,
    record: (minute: number, ...values: number[]) => store.record({ ...metric, timestamp: at(minute, 10), values }),
    moveTo: (minute: number, second = 30) => {
      now = at(minute, second);
    },
  };
};

it('without data, treated as not breaching, is OK', () => {
  const { store } = harness([]);
  const alarms = new LocalAlarms(store, [alarm()], { region: 'us-east-1', now: () => at(5, 30) });
  const before = alarms.describe({}) as { MetricAlarms: Record<string, unknown>[] };
  expect(before.MetricAlarms[0]).toMatchObject({ StateValue: 'OK', StateReason: expect.stringContaining('[NonBreaching]') });
});

it.each([
  ['GreaterThanOrEqualToThreshold', 1, 'ALARM'],
  ['GreaterThanThreshold', 1, 'OK'],
  ['GreaterThanThreshold', 2, 'ALARM'],
  ['LessThanThreshold', 0.5, 'ALARM'],
  ['LessThanOrEqualToThreshold', 1, 'ALARM'],
  ['LessThanThreshold', 1, 'OK'],
] as const)('%s a threshold of 1 with a datapoint of %d is %s', (comparison, value, expected) => {
  const { record, state } = harness([alarm({ comparison })]);
  record(5, value);
  expect(state(`${deployment.appName}-Flagged`)).toMatchObject({ StateValue: expected, Threshold: 1, ComparisonOperator: comparison });
});

it('sums the period before comparing, and says which datapoint crossed, and when the state changed', () => {
  const { record, state, moveTo } = harness([alarm({ threshold: 3 })]);
  record(5, 1, 1);
  const ok = state(`${deployment.appName}-Flagged`);
  expect(ok.StateValue).toBe('OK');
  moveTo(5, 40);
  record(5, 1);
  const firing = state(`${deployment.appName}-Flagged`);
  expect(firing).toMatchObject({
    StateValue: 'ALARM',
    StateReason: 'Threshold Crossed: 1 out of the last 1 datapoint [3.0 (2026-12-07 10:05:00)] was greater than or equal to the threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition).',
    StateTransitionedTimestamp: at(5, 40) / 1000,
  });
  expect(JSON.parse(firing.StateReasonData)).toMatchObject({ recentDatapoints: [3], threshold: 3, statistic: 'Sum', period: 60 });
  // Still firing a minute later (the datapoint is in the window): the transition time stays.
  moveTo(5, 59);
  expect(state(`${deployment.appName}-Flagged`)).toMatchObject({ StateValue: 'ALARM', StateTransitionedTimestamp: at(5, 40) / 1000 });
  // The period has left the window: nothing breaches, back to OK.
  moveTo(6, 30);
  expect(state(`${deployment.appName}-Flagged`)).toMatchObject({ StateValue: 'OK', StateTransitionedTimestamp: at(6, 30) / 1000 });
});

it('needs datapointsToAlarm of the evaluation periods to breach (2 of 3), missing periods counting as not breaching', () => {
  const { record, state } = harness([alarm({ evaluationPeriods: 3, datapointsToAlarm: 2 })]);
  record(3, 5);
  expect(state(`${deployment.appName}-Flagged`).StateValue).toBe('OK');
  record(5, 1);
  expect(state(`${deployment.appName}-Flagged`)).toMatchObject({ StateValue: 'ALARM', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  expect(state(`${deployment.appName}-Flagged`).StateReason).toContain('2 out of the last 3 datapoints');
});

it('looks back whole periods of the declared length (a 5-minute Sum)', () => {
  const { record, state } = harness([alarm({ watches: { ...metric, statistic: 'Sum', periodSeconds: 300 }, threshold: 2 })]);
  record(1, 1);
  record(4, 1);
  expect(state(`${deployment.appName}-Flagged`).StateValue).toBe('ALARM');
});

it.each([
  ['breaching', 'ALARM'],
  ['missing', 'INSUFFICIENT_DATA'],
  ['notBreaching', 'OK'],
] as const)('treats periods without data as %s: %s', (treatMissingData, expected) => {
  const { state } = harness([alarm({ treatMissingData })]);
  expect(state(`${deployment.appName}-Flagged`)).toMatchObject({ StateValue: expected, TreatMissingData: treatMissingData });
});

it('keeps the state when missing data is ignored', () => {
  const { record, state, moveTo } = harness([alarm({ treatMissingData: 'ignore' })]);
  expect(state(`${deployment.appName}-Flagged`).StateValue).toBe('INSUFFICIENT_DATA');
  record(5, 1);
  expect(state(`${deployment.appName}-Flagged`).StateValue).toBe('ALARM');
  moveTo(9);
  expect(state(`${deployment.appName}-Flagged`).StateValue).toBe('ALARM');
});

it('lists what only AWS evaluates as INSUFFICIENT_DATA, saying why', () => {
  const math = alarm({
    id: 'Share',
    name: `${deployment.appName}-Share`,
    watches: { expression: 'errors / requests', metrics: { errors: { ...metric, statistic: 'Sum', periodSeconds: 60 }, requests: { ...metric, statistic: 'Sum', periodSeconds: 60 } }, periodSeconds: 60, label: 'share' },
  });
  const dynamo = alarm({ id: 'Throttled', name: `${deployment.appName}-Throttled`, watches: { namespace: 'AWS/DynamoDB', name: 'ReadThrottleEvents', statistic: 'Sum', periodSeconds: 60 } });
  const rank = alarm({ id: 'Rank', name: `${deployment.appName}-Rank`, watches: { namespace: 'AWS/ApiGateway', name: 'Latency', statistic: 'PR(:1000)', periodSeconds: 60 } });
  const { state } = harness([math, dynamo, rank]);
  expect(state(math.name)).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', StateReason: expect.stringContaining('Metric math (errors / requests)') });
  expect(state(math.name).Metrics).toEqual(expect.arrayContaining([expect.objectContaining({ Expression: 'errors / requests' }), expect.objectContaining({ Id: 'errors', ReturnData: false })]));
  expect(state(dynamo.name)).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', StateReason: expect.stringContaining('AWS/DynamoDB ReadThrottleEvents is published by AWS only') });
  expect(state(rank.name)).toMatchObject({ StateValue: 'INSUFFICIENT_DATA', StateReason: expect.stringContaining('PR(:1000)'), ExtendedStatistic: 'PR(:1000)' });
});

it('puts a composite in ALARM only when every part is, OK when one part is OK', () => {
  const a = alarm({ id: 'A', name: `${deployment.appName}-A`, notifies: 'nobody' });
  const b = alarm({ id: 'B', name: `${deployment.appName}-B`, notifies: 'nobody', threshold: 2 });
  const composite: AlarmDeclaration = { kind: 'composite', id: 'Both', name: `${deployment.appName}-Both`, description: 'both', runbook: 'Error budget burning', group: 'serviceLevels', allOf: ['A', 'B'], notifies: 'pages' };
  const { record, state } = harness([a, b, composite]);
  record(5, 1);
  expect(state(composite.name)).toMatchObject({ StateValue: 'OK', AlarmRule: `ALARM("${a.name}") AND ALARM("${b.name}")` });
  record(5, 1);
  expect(state(composite.name)).toMatchObject({ StateValue: 'ALARM', StateReason: expect.stringContaining(`${b.name} is ALARM`) });
});

it('evaluates locally every platform alarm on a metric the local runtime emits, and no other', () => {
  const alarms = platformAlarms(declaredAlarmContext(deployment.primaryRegion)).filter((declared): declared is MetricAlarmDeclaration => declared.kind === 'metric');
  const local = alarms.filter((declared) => notEvaluableLocally(declared) === undefined).map((declared) => declared.name);
  expect(local).toEqual(
    expect.arrayContaining([
      `${deployment.appName}-PaymentsRequiringAttention`,
      `${deployment.appName}-sagaRecovery-ExecutionsFailed`,
      `${deployment.appName}-SagaSweepFailed`,
      `${deployment.appName}-ApiLatencyP99`,
      `${deployment.appName}-SettlementFileLateBank`,
    ]),
  );
  for (const name of ['ApiServerErrors', 'LambdaThrottles', 'PaymentsThrottled', 'SagaSweepDeadLetters', 'BuildEventsIteratorAge']) expect(local).not.toContain(`${deployment.appName}-${name}`);
});

describe('DescribeAlarms over HTTP, with the AWS SDK', () => {
  it('answers by prefix, type and state, a page at a time', async () => {
    const cloudWatch = await startLocalCloudWatch();
    try {
      const client = new CloudWatchClient({ endpoint: cloudWatch.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const prefix = `${deployment.appName}-`;
      const metricOnly = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
      expect(metricOnly.CompositeAlarms).toEqual([]);
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 40, NextToken: nextToken }));
        names.push(...(page.MetricAlarms ?? []).map((each) => each.AlarmName as string), ...(page.CompositeAlarms ?? []).map((each) => each.AlarmName as string));
        nextToken = page.NextToken;
      } while (nextToken);
      expect(names.sort()).toEqual(platformAlarms(declaredAlarmContext(deployment.primaryRegion)).map((declared) => declared.name).sort());
      const firing = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
      expect([...(firing.MetricAlarms ?? []), ...(firing.CompositeAlarms ?? [])]).toEqual([]);
      const one = await client.send(new DescribeAlarmsCommand({ AlarmNames: [`${prefix}PaymentsRequiringAttention`] }));
      expect(one.MetricAlarms?.[0]).toMatchObject({ StateValue: 'OK', Namespace: deployment.appName, MetricName: 'PaymentsRequiringAttention', Period: 60, Statistic: 'Sum' });
      expect(one.MetricAlarms?.[0]?.StateTransitionedTimestamp).toBeInstanceOf(Date);
      await expect(client.send(new DescribeAlarmsCommand({ StateValue: 'FIRING' as 'ALARM' }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    } finally {
      await cloudWatch.stop();
    }
  });
});
