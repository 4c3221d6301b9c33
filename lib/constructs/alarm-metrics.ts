import { Duration } from 'aws-cdk-lib';
import { Alarm, AlarmRule, ComparisonOperator, CompositeAlarm, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import { type AlarmDeclaration, type AlarmExpression, type AlarmMetric, isExpression } from '../../platform/alarms';

/**
 * The CDK side of platform/alarms.ts: its metric and alarm declarations as CloudWatch constructs, one way for
 * the alarms and the dashboards (decision 0050).
 */
export const cdkMetric = (metric: AlarmMetric): Metric =>
  new Metric({
    namespace: metric.namespace,
    metricName: metric.name,
    ...(metric.dimensions ? { dimensionsMap: { ...metric.dimensions } } : {}),
    statistic: metric.statistic,
    period: Duration.seconds(metric.periodSeconds),
    ...(metric.region ? { region: metric.region } : {}),
    ...(metric.label ? { label: metric.label } : {}),
  });

export const cdkExpression = (expression: AlarmExpression): MathExpression =>
  new MathExpression({
    expression: expression.expression,
    usingMetrics: Object.fromEntries(Object.entries(expression.metrics).map(([id, metric]) => [id, cdkMetric(metric)])),
    period: Duration.seconds(expression.periodSeconds),
    label: expression.label,
  });

export const cdkWatched = (watches: AlarmMetric | AlarmExpression): Metric | MathExpression => (isExpression(watches) ? cdkExpression(watches) : cdkMetric(watches));

const comparisons = {
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  LessThanThreshold: ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
} as const;

const missingData = {
  notBreaching: TreatMissingData.NOT_BREACHING,
  breaching: TreatMissingData.BREACHING,
  ignore: TreatMissingData.IGNORE,
  missing: TreatMissingData.MISSING,
} as const;

/**
 * Builds declared alarms in `scope`, in order (a composite after the alarms it combines), each notifying the
 * topic its declaration names. Returns them by declaration id.
 */
export const buildAlarms = (
  scope: Construct,
  declarations: readonly AlarmDeclaration[],
  actions: { readonly pages?: SnsAction; readonly tickets?: SnsAction },
): Map<string, Alarm | CompositeAlarm> => {
  const built = new Map<string, Alarm | CompositeAlarm>();
  for (const declaration of declarations) {
    const alarm =
      declaration.kind === 'metric'
        ? new Alarm(scope, declaration.id, {
            alarmName: declaration.name,
            alarmDescription: declaration.description,
            metric: cdkWatched(declaration.watches),
            threshold: declaration.threshold,
            evaluationPeriods: declaration.evaluationPeriods,
            datapointsToAlarm: declaration.datapointsToAlarm,
            comparisonOperator: comparisons[declaration.comparison],
            treatMissingData: missingData[declaration.treatMissingData],
          })
        : new CompositeAlarm(scope, declaration.id, {
            compositeAlarmName: declaration.name,
            alarmDescription: declaration.description,
            alarmRule: AlarmRule.allOf(
              ...declaration.allOf.map((id) => {
                const part = built.get(id);
                if (!part) throw new Error(`${declaration.name} combines ${id}, which is not declared before it`);
                return part;
              }),
            ),
          });
    if (declaration.notifies !== 'nobody') {
      const action = actions[declaration.notifies];
      if (!action) throw new Error(`${declaration.name} notifies ${declaration.notifies}, which this scope has no topic for`);
      alarm.addAlarmAction(action);
    }
    built.set(declaration.id, alarm);
  }
  return built;
};
