import { EXPRESS_BILLED_MEMORY_MB } from '../../local/step-functions/engine';
import { deployment } from '../../platform/deployment';
import { type FunctionKey, functions, reservedConcurrencyTotal } from '../../platform/functions';
import { type RouteDeclaration, isCounterpartyWebhook, routes } from '../../platform/routes';
import { type CapacityCounts, type TableUsage, sumUsage } from './capacity-proxy';
import type { BillableCounts } from './cost-model';
import { type LogClass, logClassOf } from './log-classes';
import type { CeilingInput } from './scale-ceiling';

/**
 * Everything one kind of operation (or the whole window) caused, as raw counts, and the per-unit blocks of
 * the report built from them (`per_payment`, `per_payout`, `per_conversion`: one shape, divided by the
 * units the operation created). Pure: run-bench.ts fills the counts, the tests check the arithmetic.
 */
export interface WindowCounts {
  /** API requests per `METHOD /resource`. */
  readonly apiByRoute: Readonly<Record<string, number>>;
  readonly invocations: Readonly<Record<string, number>>;
  /** Billed milliseconds per function (each invocation rounded up to 1 ms). */
  readonly billedMs: Readonly<Record<string, number>>;
  /** Step Functions Standard transitions and executions started (Standard and Express) per state machine. */
  readonly transitions: Readonly<Record<string, number>>;
  readonly executionsStarted: Readonly<Record<string, number>>;
  /** Express: executions started (each a billed request) and billed duration (ms, 100 ms steps), per state machine. */
  readonly expressRequests: Readonly<Record<string, number>>;
  readonly expressBilledMs: Readonly<Record<string, number>>;
  /**
   * Transitions the executions of the window will still make after it, not measured (a paid payout's
   * saga leaves its return window through one more state, `Paid`, days later), by what they are.
   */
  readonly modeledTransitions: Readonly<Record<string, number>>;
  /** DynamoDB usage per table: the platform's tables (billed), and the ones only the local runtime has. */
  readonly dynamoDb: CapacityCounts;
  readonly localOnlyDynamoDb: CapacityCounts;
  readonly kms: Readonly<Record<string, number>>;
  /** SQS billable requests by action (per 64 KB chunk): the webhook delivery queue. */
  readonly sqsRequests: Readonly<Record<string, number>>;
  /** CloudWatch Logs per source (function_logs, function_metrics_emf, ...): bytes and events. */
  readonly logs: Readonly<Record<string, { readonly bytes: number; readonly events: number }>>;
}

export const emptyWindowCounts = (): WindowCounts => ({
  apiByRoute: {},
  invocations: {},
  billedMs: {},
  transitions: {},
  executionsStarted: {},
  expressRequests: {},
  expressBilledMs: {},
  modeledTransitions: {},
  dynamoDb: {},
  localOnlyDynamoDb: {},
  kms: {},
  sqsRequests: {},
  logs: {},
});

/** How the DynamoDB units of the report are counted (docs/benchmarks.md, "How DynamoDB units are counted"). */
export const DYNAMODB_COUNTING =
  "AWS billing rules applied to the item images either side of every request (bench/lib/capacity-units.ts): writes per started KB of the larger image, transactional items 2x, GSI units where an index entry changes, reads per started 4 KB; DynamoDB Local's own ConsumedCapacity is in dynamodb_local_reported, as a cross-check only";

const sumRecord = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((total, value) => total + value, 0);

const addRecords = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> => {
  const sum: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
};

const addCapacity = (a: CapacityCounts, b: CapacityCounts): CapacityCounts => {
  const sum: CapacityCounts = { ...a };
  for (const [table, usage] of Object.entries(b)) sum[table] = sumUsage(sum[table], usage);
  return sum;
};

/** Two sets of counts added together (the payments and the residual nobody else caused; the kinds for a total). */
export const mergeWindowCounts = (a: WindowCounts, b: WindowCounts): WindowCounts => {
  const logs: Record<string, { bytes: number; events: number }> = {};
  for (const [source, value] of [...Object.entries(a.logs), ...Object.entries(b.logs)]) {
    const entry = (logs[source] ??= { bytes: 0, events: 0 });
    entry.bytes += value.bytes;
    entry.events += value.events;
  }
  return {
    apiByRoute: addRecords(a.apiByRoute, b.apiByRoute),
    invocations: addRecords(a.invocations, b.invocations),
    billedMs: addRecords(a.billedMs, b.billedMs),
    transitions: addRecords(a.transitions, b.transitions),
    expressRequests: addRecords(a.expressRequests, b.expressRequests),
    expressBilledMs: addRecords(a.expressBilledMs, b.expressBilledMs),
    executionsStarted: addRecords(a.executionsStarted, b.executionsStarted),
    modeledTransitions: addRecords(a.modeledTransitions, b.modeledTransitions),
    dynamoDb: addCapacity(a.dynamoDb, b.dynamoDb),
    localOnlyDynamoDb: addCapacity(a.localOnlyDynamoDb, b.localOnlyDynamoDb),
    kms: addRecords(a.kms, b.kms),
    sqsRequests: addRecords(a.sqsRequests, b.sqsRequests),
    logs,
  };
};

type UsageField = Exclude<keyof TableUsage, 'requests' | 'localReported'>;
const dynamoDbTotal = (counts: WindowCounts, field: UsageField): number => Object.values(counts.dynamoDb).reduce((total, usage) => total + usage[field], 0);
const localReportedTotal = (counts: WindowCounts, field: keyof TableUsage['localReported']): number =>
  Object.values(counts.dynamoDb).reduce((total, usage) => total + usage.localReported[field], 0);
/** A table's own write units in the serving region: successful writes, refused ones, cancelled transactions' items. */
const tableWriteUnitsOf = (usage: TableUsage): number => usage.writeUnits + usage.refusedWriteUnits + usage.cancelledTransactionWriteUnits;

const gbSecondsOf = (billedMs: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(billedMs).map(([key, ms]) => [key, (ms / 1000) * ((functions[key as FunctionKey]?.memoryMb ?? 0) / 1024)]));

export const meanDurationsMs = (counts: WindowCounts): Record<string, number> =>
  Object.fromEntries(Object.entries(counts.invocations).filter(([, count]) => count > 0).map(([key, count]) => [key, (counts.billedMs[key] ?? 0) / count]));

/** Every log source's bytes and events together, or only those written to log groups of one class. */
export const logTotals = (counts: WindowCounts, logClass?: LogClass): { bytes: number; events: number } => {
  const sources = Object.entries(counts.logs).filter(([source]) => logClass === undefined || logClassOf(source) === logClass);
  return {
    bytes: sources.reduce((total, [, source]) => total + source.bytes, 0),
    events: sources.reduce((total, [, source]) => total + source.events, 0),
  };
};

/** The billable units one unit caused: the counts divided by the units (0 when there were none). */
export const billableCountsPer = (counts: WindowCounts, units: number): BillableCounts => {
  const per = (value: number) => (units > 0 ? value / units : 0);
  const logs = logTotals(counts);
  const infrequentAccess = logTotals(counts, 'INFREQUENT_ACCESS');
  return {
    apiRequests: per(sumRecord(counts.apiByRoute)),
    lambdaInvocations: per(sumRecord(counts.invocations)),
    lambdaGbSeconds: per(sumRecord(gbSecondsOf(counts.billedMs))),
    stepFunctionsTransitions: per(sumRecord(counts.transitions) + sumRecord(counts.modeledTransitions)),
    stepFunctionsExpressRequests: per(sumRecord(counts.expressRequests)),
    stepFunctionsExpressGbSeconds: per((sumRecord(counts.expressBilledMs) / 1000) * (EXPRESS_BILLED_MEMORY_MB / 1024)),
    dynamoDbTableWriteUnits: per(dynamoDbTotal(counts, 'writeUnits')),
    dynamoDbIndexWriteUnits: per(dynamoDbTotal(counts, 'indexWriteUnits')),
    dynamoDbReplicaWriteUnits: per(dynamoDbTotal(counts, 'replicaWriteUnits')),
    dynamoDbRefusedWriteUnits: per(dynamoDbTotal(counts, 'refusedWriteUnits')),
    dynamoDbCancelledTransactionWriteUnits: per(dynamoDbTotal(counts, 'cancelledTransactionWriteUnits')),
    dynamoDbReadUnits: per(dynamoDbTotal(counts, 'readUnits') + dynamoDbTotal(counts, 'indexReadUnits')),
    dynamoDbFailedConditionalWrites: per(dynamoDbTotal(counts, 'conditionalCheckFailures')),
    dynamoDbCancelledTransactionItems: per(dynamoDbTotal(counts, 'cancelledTransactionItems')),
    kmsRequests: per(sumRecord(counts.kms)),
    sqsRequests: per(sumRecord(counts.sqsRequests)),
    logBytes: per(logs.bytes),
    logEvents: per(logs.events),
    infrequentAccessLogBytes: per(infrequentAccess.bytes),
    infrequentAccessLogEvents: per(infrequentAccess.events),
  };
};

/**
 * The report's per-unit block (`per_payment`'s shape, docs/benchmarks.md): every count divided by the
 * units (payments, payouts or conversions) the operation created.
 */
export const perUnitBlock = (counts: WindowCounts, units: number) => {
  const per = (value: number) => (units > 0 ? value / units : 0);
  const perRecord = (record: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, per(value)]));
  const billable = billableCountsPer(counts, units);
  const gbSeconds = gbSecondsOf(counts.billedMs);
  return {
    api_requests: { total: billable.apiRequests, by_route: perRecord(counts.apiByRoute) },
    lambda_invocations: { total: billable.lambdaInvocations, by_function: perRecord(counts.invocations) },
    lambda_gb_seconds: { total: billable.lambdaGbSeconds, by_function: perRecord(gbSeconds) },
    lambda_mean_duration_ms: meanDurationsMs(counts),
    step_functions: {
      transitions: {
        total: billable.stepFunctionsTransitions,
        by_workflow: perRecord(counts.transitions),
        modeled_after_window: perRecord(counts.modeledTransitions),
      },
      executions_started: { total: per(sumRecord(counts.executionsStarted)), by_workflow: perRecord(counts.executionsStarted) },
      express: {
        requests: billable.stepFunctionsExpressRequests,
        gb_seconds: billable.stepFunctionsExpressGbSeconds,
        by_workflow: Object.fromEntries(
          Object.entries(counts.expressRequests).map(([key, requests]) => [key, { requests: per(requests), billed_ms: per(counts.expressBilledMs[key] ?? 0) }]),
        ),
      },
    },
    dynamodb: {
      counted_by: DYNAMODB_COUNTING,
      // One region, tables and GSIs, by AWS's billing rules (refused writes and cancelled transactions included).
      write_units: per(Object.values(counts.dynamoDb).reduce((total, usage) => total + tableWriteUnitsOf(usage) + usage.indexWriteUnits, 0)),
      table_write_units: per(Object.values(counts.dynamoDb).reduce((total, usage) => total + tableWriteUnitsOf(usage), 0)),
      index_write_units: billable.dynamoDbIndexWriteUnits,
      read_units: billable.dynamoDbReadUnits,
      replica_write_units_per_replica_region: billable.dynamoDbReplicaWriteUnits,
      refused_write_units: billable.dynamoDbRefusedWriteUnits,
      cancelled_transaction_write_units_estimated: billable.dynamoDbCancelledTransactionWriteUnits,
      failed_conditional_writes: billable.dynamoDbFailedConditionalWrites,
      cancelled_transaction_items: billable.dynamoDbCancelledTransactionItems,
      unmetered_requests: per(dynamoDbTotal(counts, 'unmeteredRequests')),
      dynamodb_local_reported: {
        write_units: per(localReportedTotal(counts, 'writeUnits') + localReportedTotal(counts, 'indexWriteUnits')),
        table_write_units: per(localReportedTotal(counts, 'writeUnits')),
        index_write_units: per(localReportedTotal(counts, 'indexWriteUnits')),
        read_units: per(localReportedTotal(counts, 'readUnits') + localReportedTotal(counts, 'indexReadUnits')),
      },
      by_table: Object.fromEntries(
        Object.entries(counts.dynamoDb).map(([table, usage]) => [
          table,
          {
            write_units: per(tableWriteUnitsOf(usage)),
            index_write_units: per(usage.indexWriteUnits),
            read_units: per(usage.readUnits),
            index_read_units: per(usage.indexReadUnits),
            replica_write_units_per_replica_region: per(usage.replicaWriteUnits),
            refused_write_units: per(usage.refusedWriteUnits),
            cancelled_transaction_write_units_estimated: per(usage.cancelledTransactionWriteUnits),
            requests: perRecord(usage.requests),
            failed_conditional_writes: per(usage.conditionalCheckFailures),
            cancelled_transaction_items: per(usage.cancelledTransactionItems),
            dynamodb_local_reported: {
              write_units: per(usage.localReported.writeUnits),
              index_write_units: per(usage.localReported.indexWriteUnits),
              read_units: per(usage.localReported.readUnits),
              index_read_units: per(usage.localReported.indexReadUnits),
            },
          },
        ]),
      ),
      not_billed_local_only_tables: Object.fromEntries(Object.entries(counts.localOnlyDynamoDb).map(([table, usage]) => [table, { requests: sumRecord(usage.requests) / Math.max(units, 1) }])),
    },
    kms_requests: { total: billable.kmsRequests, by_operation: perRecord(counts.kms) },
    sqs_requests: { total: billable.sqsRequests, by_action: perRecord(counts.sqsRequests) },
    log_bytes: { total: billable.logBytes, events: billable.logEvents },
  };
};

/** What the scale ceiling needs of one unit (bench/lib/scale-ceiling.ts). */
/** Acquirer and rail webhooks (`METHOD /path` as the window counts routes): the throttle of their own. */
const WEBHOOK_ROUTES = new Set((routes as readonly RouteDeclaration[]).filter(isCounterpartyWebhook).map((route) => `${route.method} ${route.path}`));

/**
 * `serviceTimesMs`: per function, the duration to use for Lambda concurrency instead of the window's mean
 * (the bench's sequential calibration); a function without one keeps the window's mean.
 */
export const ceilingInputPer = (counts: WindowCounts, units: number, serviceTimesMs: Readonly<Record<string, number>> = {}): CeilingInput => {
  const per = (value: number) => (units > 0 ? value / units : 0);
  const billable = billableCountsPer(counts, units);
  const means = { ...meanDurationsMs(counts), ...serviceTimesMs };
  return {
    stepFunctionsTransitions: billable.stepFunctionsTransitions,
    stepFunctionsStarts: per(sumRecord(counts.executionsStarted) - sumRecord(counts.expressRequests)),
    stepFunctionsExpressStarts: billable.stepFunctionsExpressRequests,
    kmsRequests: billable.kmsRequests,
    dynamoDbTables: Object.fromEntries(
      Object.entries(counts.dynamoDb).map(([table, usage]) => [table, { writeUnits: per(tableWriteUnitsOf(usage) + usage.indexWriteUnits), readUnits: per(usage.readUnits + usage.indexReadUnits) }]),
    ),
    apiRequests: billable.apiRequests,
    webhookRequests: per(sumRecord(Object.fromEntries(Object.entries(counts.apiByRoute).filter(([route]) => WEBHOOK_ROUTES.has(route))))),
    functions: Object.fromEntries(
      Object.entries(counts.invocations)
        .filter(([, count]) => count > 0)
        .map(([key, count]) => [key, { invocations: per(count), meanDurationMs: means[key] ?? 0, reservedConcurrency: functions[key as FunctionKey]?.reservedConcurrency ?? 0 }]),
    ),
    reservedConcurrencyTotal: reservedConcurrencyTotal(),
    stageRateLimit: deployment.apiThrottles.merchant.rateLimit,
    webhookRateLimit: deployment.apiThrottles.webhooks.rateLimit,
  };
};
