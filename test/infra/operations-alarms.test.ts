import { Match } from 'aws-cdk-lib/assertions';
import { EXPRESS_FAILED_SHARE, SETTLEMENT_FILE_LATE_HOURS, declaredAlarmContext, isExpression, platformAlarms } from '../../platform/alarms';
import { cardChannelNames } from '../../platform/channels';
import { deployment } from '../../platform/deployment';
import { functionName } from '../../platform/functions';
import { stateMachineKeys, stateMachines } from '../../platform/state-machines';
import { synthesizePlatform } from './synth';

/**
 * What pages operations (lib/constructs/operations-alarms.ts, docs/runbooks.md): a Standard workflow's
 * failed execution at once; an Express run that ends unfinished only as a share (its object goes to a
 * recovery, which pages if it gives up); any payment flagged requires_attention.
 */
const { templates } = synthesizePlatform();
const alarmNames = (template: typeof templates.primaryApi) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => (resource as { Properties: { AlarmName: string } }).Properties.AlarmName);
const express = stateMachineKeys.filter((key) => stateMachines[key].type === 'EXPRESS');
const standard = stateMachineKeys.filter((key) => stateMachines[key].type === 'STANDARD');

describe.each([
  ['primary', templates.primaryApi],
  ['secondary', templates.secondaryApi],
] as const)('in the %s region', (region, template) => {
  it.each(standard)('pages on any failed, timed-out or throttled execution of the Standard %s workflow', (key) => {
    for (const alarm of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled']) {
      expect(alarmNames(template)).toContain(`${deployment.appName}-${key}-${alarm}`);
    }
  });

  it.each(express)('pages on the share of unfinished %s runs, not on one, and on any throttled start', (key) => {
    expect(alarmNames(template)).not.toContain(`${deployment.appName}-${key}-ExecutionsFailed`);
    expect(alarmNames(template)).toContain(`${deployment.appName}-${key}-ExecutionThrottled`);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-${key}-RunsUnfinished`,
      Threshold: EXPRESS_FAILED_SHARE,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(started > 0, (failed + timedOut) / started, 0)' }),
        Match.objectLike({ Id: 'started', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsStarted' }) }) }),
        Match.objectLike({ Id: 'failed', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }) }),
        Match.objectLike({ Id: 'timedOut', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }) }),
      ]),
      AlarmActions: [Match.anyValue()],
    });
  });

  it('pages on any payment flagged requires_attention, on the metric exactly as the flagging function emits it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-PaymentsRequiringAttention`,
      Namespace: deployment.appName,
      MetricName: 'PaymentsRequiringAttention',
      Dimensions: [{ Name: 'service', Value: functionName(deployment.appName, 'flagPaymentForAttention') }],
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
  });

  it('pages on any payout flagged for attention, from both functions that flag one, on the metrics as they emit them', () => {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (resource) => resource.Properties.AlarmName === `${deployment.appName}-PayoutsRequiringAttention`,
    );
    expect(alarm?.Properties).toMatchObject({ Threshold: 1, AlarmActions: [expect.anything()] });
    const watched = (alarm?.Properties.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }[])
      .flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
    expect(watched).toEqual(
      expect.arrayContaining(
        (['flagPayoutForAttention', 'receivePayoutRailEvents', 'pullPayoutRailInbox'] as const).map((key) =>
          expect.objectContaining({ MetricName: 'PayoutsRequiringAttention', Dimensions: [{ Name: 'service', Value: functionName(deployment.appName, key) }] }),
        ),
      ),
    );
  });

  it('pages when a settlement report or bank statement is late, on the metric the pull publishes, and when the pull fails', () => {
    const pull = functionName(deployment.appName, 'pullSettlementFiles');
    for (const source of [...cardChannelNames, 'bank']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${deployment.appName}-SettlementFileLate${source[0]?.toUpperCase()}${source.slice(1)}`,
        MetricName: 'SettlementFileAgeHours',
        Namespace: deployment.appName,
        Dimensions: Match.arrayWith([{ Name: 'service', Value: pull }, { Name: 'source', Value: source }]),
        Statistic: 'Maximum',
        Threshold: SETTLEMENT_FILE_LATE_HOURS,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [Match.anyValue()],
      });
    }
    expect(alarmNames(template)).toEqual(expect.arrayContaining([`${deployment.appName}-SettlementPullFailed`, `${deployment.appName}-SettlementPullDeadLetters`]));
    // One region pulls: the secondary's rule exists, disabled, for an operator to enable after a failover.
    template.hasResourceProperties('AWS::Events::Rule', { Name: pull, ScheduleExpression: 'rate(5 minutes)', State: region === 'primary' ? 'ENABLED' : 'DISABLED' });
  });

  it("pages when the pull of Meridian's inbox fails or refuses a file, and pulls every minute in the primary only", () => {
    const inboxPull = functionName(deployment.appName, 'pullPayoutRailInbox');
    expect(alarmNames(template)).toEqual(
      expect.arrayContaining([`${deployment.appName}-RailInboxPullFailed`, `${deployment.appName}-RailInboxPullDeadLetters`, `${deployment.appName}-RailInboxFileRefused`]),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${deployment.appName}-RailInboxFileRefused`,
      MetricName: 'RailInboxFilesRefused',
      Namespace: deployment.appName,
      Dimensions: [{ Name: 'service', Value: inboxPull }],
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::Events::Rule', { Name: inboxPull, ScheduleExpression: 'rate(1 minute)', State: region === 'primary' ? 'ENABLED' : 'DISABLED' });
  });
});


describe.each([
  ['primary', templates.primaryApi, deployment.primaryRegion],
  ['secondary', templates.secondaryApi, deployment.secondaryRegion],
] as const)('in the %s region, the deployed alarms are exactly the catalog the local CloudWatch evaluates (platform/alarms.ts)', (_role, template, region) => {
  const declared = platformAlarms(declaredAlarmContext(region));
  type Properties = Record<string, unknown>;
  const deployed = new Map(
    [...Object.values(template.findResources('AWS::CloudWatch::Alarm')), ...Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))].map((resource) => {
      const properties = (resource as { Properties: Properties }).Properties;
      return [properties.AlarmName as string, properties] as const;
    }),
  );

  it('deploys every declared alarm and no other', () => {
    expect([...deployed.keys()].sort()).toEqual(declared.map((alarm) => alarm.name).sort());
  });

  it.each(declared.map((alarm) => [alarm.name, alarm] as const))('%s: as declared (description, threshold, comparison, periods, missing data, metric)', (name, alarm) => {
    const properties = deployed.get(name) as Properties;
    expect(properties.AlarmDescription).toBe(alarm.description);
    expect(properties.AlarmActions === undefined).toBe(alarm.notifies === 'nobody');
    if (alarm.kind === 'composite') return;
    expect(properties).toMatchObject({ Threshold: alarm.threshold, ComparisonOperator: alarm.comparison, EvaluationPeriods: alarm.evaluationPeriods, TreatMissingData: alarm.treatMissingData });
    expect(properties.DatapointsToAlarm).toBe(alarm.datapointsToAlarm);
    if (isExpression(alarm.watches)) {
      expect((properties.Metrics as { Expression?: string }[]).find((query) => query.Expression)?.Expression).toBe(alarm.watches.expression);
      return;
    }
    expect(properties).toMatchObject({ Namespace: alarm.watches.namespace, MetricName: alarm.watches.name, Period: alarm.watches.periodSeconds });
    expect(properties.Statistic ?? properties.ExtendedStatistic).toBe(alarm.watches.statistic);
    // Dimensions naming a deployed resource are CloudFormation references there; the others are the declared values.
    const dimensions = (properties.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
    expect(dimensions.map((dimension) => dimension.Name).sort()).toEqual(Object.keys(alarm.watches.dimensions ?? {}).sort());
    for (const dimension of dimensions) if (typeof dimension.Value === 'string') expect(dimension.Value).toBe(alarm.watches.dimensions?.[dimension.Name]);
  });
});
