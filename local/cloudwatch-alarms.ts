import type { AlarmComparison, AlarmDeclaration, AlarmExpression, AlarmMetric, CompositeAlarmDeclaration, MetricAlarmDeclaration } from '../platform/alarms';
import { isExpression } from '../platform/alarms';
import { deployment } from '../platform/deployment';
import { MetricStatError, type MetricStore } from './cloudwatch';
import { LOCAL_ACCOUNT } from './step-functions/arns';

/**
 * The platform's alarms in the local CloudWatch (decision 0050): the declarations of platform/alarms.ts, the
 * same lib/ deploys, evaluated against the metrics the stand-in holds, every minute and on every read, and
 * answered through `DescribeAlarms` in CloudWatch's shape.
 *
 * CloudWatch's rules for what the platform's alarms use: the last `evaluationPeriods` periods of the metric's
 * statistic, `datapointsToAlarm` of them breaching the threshold by the comparison make ALARM, fewer make OK;
 * periods without data count as the alarm's `treatMissingData` says (notBreaching: good; breaching: bad;
 * ignore: the state stays; missing: INSUFFICIENT_DATA when no period has data). A composite `allOf` is ALARM
 * when every part is, OK when one part is OK, else INSUFFICIENT_DATA. One difference, on purpose: the newest
 * period ends with the minute under way, so a failure shows at once instead of after the period closes.
 *
 * Not evaluated here, and so INSUFFICIENT_DATA with a reason saying why (as CloudWatch lists an alarm it has no
 * data for): metric math (the shares, burn rates and sums: their expressions are AWS's to evaluate), metrics
 * nothing local emits (DynamoDB, SQS, iterator age, replication, Lambda throttles and invocations), and
 * statistics the store does not compute (percentile ranks `PR(:n)`).
 */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** What the local runtime feeds the store (local/cloudwatch.ts, api-gateway.ts, lambda-host.ts, step-functions/engine.ts). */
const LOCALLY_FED: Readonly<Record<string, readonly string[] | '*'>> = {
  'AWS/ApiGateway': ['Count', 'Latency', '4XXError', '5XXError'],
  'AWS/Lambda': ['Errors'],
  // The local engine never throttles a start, so ExecutionThrottled is truly never there.
  'AWS/States': ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled'],
  // The functions' own EMF metrics (Powertools), whatever their names.
  [deployment.appName]: '*',
};

const MINUTE_MS = 60_000;

interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  /** When the value last changed (CloudWatch's StateTransitionedTimestamp). */
  transitionedAt: Date;
  /** When the value or the reason last changed (StateUpdatedTimestamp). */
  updatedAt: Date;
}

/** Why this stand-in cannot evaluate a metric alarm, or undefined if it can. */
export const notEvaluableLocally = (alarm: MetricAlarmDeclaration): string | undefined => {
  if (isExpression(alarm.watches)) {
    return `Metric math (${alarm.watches.expression}) is evaluated by CloudWatch in AWS; the local CloudWatch evaluates single-metric alarms only.`;
  }
  const metric = alarm.watches;
  const fed = LOCALLY_FED[metric.namespace];
  if (!fed || (fed !== '*' && !fed.includes(metric.name))) {
    return `${metric.namespace} ${metric.name} is published by AWS only; nothing in the local runtime emits it.`;
  }
  if (/^PR\(/.test(metric.statistic)) return `The statistic ${metric.statistic} is computed by CloudWatch in AWS only.`;
  return undefined;
};

const breaches = (comparison: AlarmComparison, value: number, threshold: number): boolean => {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
};

const comparisonWords: Record<AlarmComparison, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const formatValue = (value: number): string => (Number.isInteger(value) ? value.toFixed(1) : String(value));
const formatTime = (at: Date): string => at.toISOString().replace('T', ' ').slice(0, 19);

/** One evaluation of a single-metric alarm: its new state and why, by CloudWatch's rules above. */
export const evaluateMetricAlarm = (
  alarm: MetricAlarmDeclaration & { readonly watches: AlarmMetric },
  store: MetricStore,
  now: number,
  current: AlarmStateValue,
): { value: AlarmStateValue; reason: string; reasonData: string } => {
  const metric = alarm.watches;
  const periodMs = metric.periodSeconds * 1000;
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - alarm.evaluationPeriods * periodMs;
  const data = store.query(
    { namespace: metric.namespace, name: metric.name, dimensions: metric.dimensions ?? {}, periodSeconds: metric.periodSeconds, stat: metric.statistic },
    new Date(start),
    new Date(end),
  );
  const present = data.timestamps.map((at, index) => ({ at, value: data.values[index] as number }));
  const newestFirst = [...present].reverse();
  const missing = alarm.evaluationPeriods - present.length;
  const needed = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  const breaching = present.filter((point) => breaches(alarm.comparison, point.value, alarm.threshold)).length + (alarm.treatMissingData === 'breaching' ? missing : 0);
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: new Date(now).toISOString(),
    startDate: new Date(start).toISOString(),
    statistic: metric.statistic,
    period: metric.periodSeconds,
    recentDatapoints: present.map((point) => point.value),
    threshold: alarm.threshold,
    evaluatedDatapoints: newestFirst.map((point) => ({ timestamp: point.at.toISOString(), value: point.value })),
  });
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (present.length === 0) {
    if (alarm.treatMissingData === 'ignore') return { value: current, reason: `No datapoints were received for ${plural(alarm.evaluationPeriods, 'period')}; missing data is ignored, so the state stays ${current}.`, reasonData };
    if (alarm.treatMissingData === 'missing') return { value: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${plural(alarm.evaluationPeriods, 'datapoint')} were unknown.`, reasonData };
    const treated = alarm.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
    return {
      value: treated === 'Breaching' && alarm.evaluationPeriods >= needed ? 'ALARM' : 'OK',
      reason: `Threshold Crossed: no datapoints were received for ${plural(alarm.evaluationPeriods, 'period')} and ${plural(alarm.evaluationPeriods, 'missing datapoint')} ${alarm.evaluationPeriods === 1 ? 'was' : 'were'} treated as [${treated}].`,
      reasonData,
    };
  }
  const listed = newestFirst.map((point) => `${formatValue(point.value)} (${formatTime(point.at)})`).join(', ');
  const value: AlarmStateValue = breaching >= needed ? 'ALARM' : 'OK';
  const counted = value === 'ALARM' ? breaching : present.length - present.filter((point) => breaches(alarm.comparison, point.value, alarm.threshold)).length;
  return {
    value,
    reason:
      `Threshold Crossed: ${counted} out of the last ${plural(alarm.evaluationPeriods, 'datapoint')} [${listed}] ${counted === 1 ? 'was' : 'were'} ${value === 'ALARM' ? '' : 'not '}${comparisonWords[alarm.comparison]} the threshold (${formatValue(alarm.threshold)}) ` +
      `(minimum ${plural(needed, 'datapoint')} for OK -> ALARM transition).`,
    reasonData,
  };
};

const evaluateComposite = (alarm: CompositeAlarmDeclaration, parts: readonly { name: string; value: AlarmStateValue }[]): { value: AlarmStateValue; reason: string } => {
  const listed = parts.map((part) => `${part.name} is ${part.value}`).join('; ');
  if (parts.every((part) => part.value === 'ALARM')) return { value: 'ALARM', reason: `Every alarm of the rule is in ALARM: ${listed}.` };
  if (parts.some((part) => part.value === 'OK')) return { value: 'OK', reason: `Not every alarm of the rule is in ALARM: ${listed}.` };
  return { value: 'INSUFFICIENT_DATA', reason: `The rule cannot be decided: ${listed}.` };
};

export interface DescribeAlarmsInput {
  readonly AlarmNames?: readonly string[];
  readonly AlarmNamePrefix?: string;
  readonly AlarmTypes?: readonly string[];
  readonly StateValue?: string;
  readonly MaxRecords?: number;
  readonly NextToken?: string;
}

const STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const seconds = (at: Date): number => at.getTime() / 1000;

export class LocalAlarms {
  private readonly states = new Map<string, AlarmState>();
  private readonly createdAt: Date;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MetricStore,
    private readonly declarations: readonly AlarmDeclaration[],
    private readonly options: { readonly region: string; readonly now?: () => number },
  ) {
    this.createdAt = new Date(this.now());
    for (const alarm of declarations) {
      this.states.set(alarm.name, { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', transitionedAt: this.createdAt, updatedAt: this.createdAt });
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Evaluates every minute, as CloudWatch does (the timer does not keep the process alive). */
  start(): void {
    this.timer ??= setInterval(() => this.evaluate(), MINUTE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Every alarm's state now: the metric alarms first, then the composites over their parts' new states. */
  evaluate(): void {
    const now = this.now();
    const set = (name: string, next: { value: AlarmStateValue; reason: string; reasonData?: string }) => {
      const state = this.states.get(name) as AlarmState;
      const at = new Date(now);
      if (state.value !== next.value) state.transitionedAt = at;
      if (state.value !== next.value || state.reason !== next.reason) state.updatedAt = at;
      Object.assign(state, next);
    };
    for (const alarm of this.declarations) {
      if (alarm.kind !== 'metric') continue;
      const why = notEvaluableLocally(alarm);
      if (why) set(alarm.name, { value: 'INSUFFICIENT_DATA', reason: `Not evaluated locally: ${why}` });
      else set(alarm.name, evaluateMetricAlarm(alarm as MetricAlarmDeclaration & { watches: AlarmMetric }, this.store, now, (this.states.get(alarm.name) as AlarmState).value));
    }
    const byId = new Map(this.declarations.map((alarm) => [alarm.id, alarm]));
    for (const alarm of this.declarations) {
      if (alarm.kind !== 'composite') continue;
      const parts = alarm.allOf.map((id) => {
        const name = (byId.get(id) as AlarmDeclaration).name;
        return { name, value: (this.states.get(name) as AlarmState).value };
      });
      set(alarm.name, evaluateComposite(alarm, parts));
    }
  }

  private arn(name: string): string {
    return `arn:aws:cloudwatch:${this.options.region}:${LOCAL_ACCOUNT}:alarm:${name}`;
  }

  /** DescribeAlarms' answer (evaluated first: a read sees the state as of now). */
  describe(input: DescribeAlarmsInput): Record<string, unknown> {
    if (input.StateValue !== undefined && !STATES.includes(input.StateValue as AlarmStateValue)) {
      throw new MetricStatError(`1 validation error detected: Value '${input.StateValue}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`);
    }
    const maxRecords = input.MaxRecords ?? 50;
    if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100) throw new MetricStatError('MaxRecords must be from 1 to 100');
    if (input.AlarmNames?.length && input.AlarmNamePrefix) throw new MetricStatError('AlarmNames and AlarmNamePrefix cannot be given together');
    this.evaluate();
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
    const chosen = this.declarations
      .filter((alarm) => types.includes(alarm.kind === 'metric' ? 'MetricAlarm' : 'CompositeAlarm'))
      .filter((alarm) => (input.AlarmNames?.length ? input.AlarmNames.includes(alarm.name) : true))
      .filter((alarm) => (input.AlarmNamePrefix ? alarm.name.startsWith(input.AlarmNamePrefix) : true))
      .filter((alarm) => (input.StateValue ? (this.states.get(alarm.name) as AlarmState).value === input.StateValue : true))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const from = input.NextToken ? Number(input.NextToken) : 0;
    if (!Number.isInteger(from) || from < 0 || from > chosen.length) throw new MetricStatError('The NextToken is not valid');
    const page = chosen.slice(from, from + maxRecords);
    const byId = new Map(this.declarations.map((alarm) => [alarm.id, alarm]));
    const common = (alarm: AlarmDeclaration) => {
      const state = this.states.get(alarm.name) as AlarmState;
      return {
        AlarmName: alarm.name,
        AlarmArn: this.arn(alarm.name),
        AlarmDescription: alarm.description,
        AlarmConfigurationUpdatedTimestamp: seconds(this.createdAt),
        // Locally nobody is paged: the actions exist in AWS only.
        ActionsEnabled: false,
        OKActions: [],
        AlarmActions: [],
        InsufficientDataActions: [],
        StateValue: state.value,
        StateReason: state.reason,
        ...(state.reasonData ? { StateReasonData: state.reasonData } : {}),
        StateUpdatedTimestamp: seconds(state.updatedAt),
        StateTransitionedTimestamp: seconds(state.transitionedAt),
      };
    };
    const metricFields = (metric: AlarmMetric) => ({
      Namespace: metric.namespace,
      MetricName: metric.name,
      Dimensions: Object.entries(metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
    });
    const statistic = (stat: string) => (['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'].includes(stat) ? { Statistic: stat } : { ExtendedStatistic: stat });
    const mathQueries = (expression: AlarmExpression) => [
      { Id: 'expr_1', Expression: expression.expression, Label: expression.label, ReturnData: true, Period: expression.periodSeconds },
      ...Object.entries(expression.metrics).map(([Id, metric]) => ({ Id, ReturnData: false, MetricStat: { Metric: metricFields(metric), Period: metric.periodSeconds, Stat: metric.statistic } })),
    ];
    const metricAlarms = page.flatMap((alarm) =>
      alarm.kind !== 'metric'
        ? []
        : [
            {
              ...common(alarm),
              ...(isExpression(alarm.watches)
                ? { Metrics: mathQueries(alarm.watches), Dimensions: [] }
                : { ...metricFields(alarm.watches), ...statistic(alarm.watches.statistic), Period: alarm.watches.periodSeconds }),
              EvaluationPeriods: alarm.evaluationPeriods,
              ...(alarm.datapointsToAlarm !== undefined ? { DatapointsToAlarm: alarm.datapointsToAlarm } : {}),
              Threshold: alarm.threshold,
              ComparisonOperator: alarm.comparison,
              TreatMissingData: alarm.treatMissingData,
            },
          ],
    );
    const compositeAlarms = page.flatMap((alarm) =>
      alarm.kind !== 'composite'
        ? []
        : [{ ...common(alarm), AlarmRule: alarm.allOf.map((id) => `ALARM("${(byId.get(id) as AlarmDeclaration).name}")`).join(' AND ') }],
    );
    return {
      MetricAlarms: metricAlarms,
      CompositeAlarms: compositeAlarms,
      ...(from + maxRecords < chosen.length ? { NextToken: String(from + maxRecords) } : {}),
    };
  }
}
