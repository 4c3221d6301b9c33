import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { merchantApiAccessLogFormat } from '../lib/constructs/merchant-api';
import { type FunctionKey, functions } from '../platform/functions';
import { type TableDeclaration, tableKeys, tableName, tables } from '../platform/tables';
import { type CapacityCounts, capacityDelta } from './lib/capacity-proxy';
import { replayCeiling } from './lib/ceiling';
import { measureColdStarts } from './lib/cold-start';
import { type BillableCounts, costPerMillionPayments, loadPriceTable } from './lib/cost-model';
import { ApiClient, pool, seededRandom, summarizeLatencies } from './lib/http';
import {
  accessLogLine,
  captureProcessOutput,
  lambdaPlatformRecords,
  resourceOf,
  say,
  stepFunctionsLogRecord,
  typicalHeaders,
  wafLogRecord,
} from './lib/log-volume';
import { MIX, type MixContext, type MixEntry, type MixOutcome, mixFromOption, planMix } from './lib/mix';
import { type PlatformCounters, recordDelta, startBenchPlatform } from './lib/platform';
import { scaleCeilings } from './lib/scale-ceiling';
import { benchSummary } from './lib/summary';

/**
 * `npm run bench`: the whole platform in memory, a realistic mix driven over HTTP, and what it costs.
 * docs/benchmarks.md explains every option and every key of the report.
 */
const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '1' },
    mix: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    name: { type: 'string', default: 'latest' },
    'cold-start-runs': { type: 'string', default: '3' },
    'cold-start-functions': { type: 'string' },
    'no-cold-start': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'ceiling-concurrency': { type: 'string', default: '16' },
    'ceiling-max-requests': { type: 'string', default: '8000' },
    'log-sample': { type: 'string', default: '120' },
    smoke: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const repositoryRoot = resolve(import.meta.dirname, '..');
const smoke = values.smoke;
const options = {
  payments: Number(smoke ? '12' : values.payments),
  concurrency: Number(smoke ? '4' : values.concurrency),
  seed: Number(values.seed),
  coldStartRuns: Number(smoke ? '1' : values['cold-start-runs']),
  coldStartFunctions: (values['cold-start-functions'] ?? (smoke ? 'authorizeMerchant,getPayment,createPayment,screenPayment' : undefined))
    ?.split(',')
    .map((key) => key.trim()) as FunctionKey[] | undefined,
  ceilingConcurrency: Number(values['ceiling-concurrency']),
  ceilingMaxRequests: Number(values['ceiling-max-requests']),
  logSample: Number(smoke ? '10' : values['log-sample']),
};
for (const [name, value] of Object.entries({ payments: options.payments, concurrency: options.concurrency, seed: options.seed })) {
  if (!Number.isInteger(value) || value < 0 || (name !== 'seed' && value < 1)) throw new Error(`--${name} must be a positive integer`);
}
for (const key of options.coldStartFunctions ?? []) if (!(key in functions)) throw new Error(`--cold-start-functions: no function '${key}'`);
const mix = mixFromOption(values.mix, MIX);
const outDir = resolve(values.out);
const prices = loadPriceTable();

const capture = captureProcessOutput({ echoOther: values.verbose });
const startedAt = new Date();
const loadAtStart = loadavg();
say(`bench: ${options.payments} payments, concurrency ${options.concurrency}, mix ${mix.map((entry) => `${entry.name}=${entry.weight}`).join(',')}`);

// Handlers run as in AWS: INFO logs and Powertools metrics on (EMF lines are CloudWatch Logs too).
const platform = await startBenchPlatform({ logLevel: 'INFO' });
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const { runtime } = platform;
const random = seededRandom(options.seed);
const api = new ApiClient(() => runtime.apiUrl);
const context: MixContext = {
  api,
  merchants: runtime.merchants,
  random,
  waitForExecution: platform.waitForExecution,
  payment: platform.payment,
  refund: platform.refund,
  waitForPayment: platform.waitForPayment,
};

const runEntry = async (entry: MixEntry, sequence: number): Promise<MixOutcome & { entry: string }> => {
  try {
    return { ...(await entry.run(context, sequence)), entry: entry.name };
  } catch (error) {
    return { entry: entry.name, units: { payments: 0 }, sentAt: Date.now(), endedAt: Date.now(), status: 'error', unexpected: [`${(error as Error).name}: ${(error as Error).message}`] };
  }
};

/** The merchant's GET endpoints, once each (warm-up only: the mix itself waits on the engine, not the API). */
const warmReads = async (warm: readonly (MixOutcome & { sequence: number })[]) => {
  for (const outcome of warm) {
    if (!outcome.paymentId) continue;
    // Runs alternate merchants by sequence (mix.ts): ask as the merchant that created it.
    const merchant = runtime.merchants[outcome.sequence % runtime.merchants.length];
    const paths = [`/v1/payments/${outcome.paymentId}`, `/v1/payments/${outcome.paymentId}/events`, ...(outcome.refundIds ?? []).map((id) => `/v1/refunds/${id}`)];
    for (const path of paths) await api.call('warm_read', 'GET', path, { key: merchant?.api_key });
  }
  for (const path of ['/v1/payments?limit=10', '/v1/balances', '/v1/balance_transactions?limit=10']) await api.call('warm_read', 'GET', path, { key: runtime.merchants[0]?.api_key });
};

let exitCode = 0;
try {
  // The first event each function receives, replayed by the cold-start measurement.
  const events = new Map<FunctionKey, unknown>();
  runtime.lambdas.onInvoke = (key, event) => {
    if (!events.has(key)) events.set(key, structuredClone(event));
  };
  // Warm-up: one run of each entry, and the merchant's reads once, load every module on the path, so the
  // measured run has no cold starts (and the reads have an event to replay).
  say('bench: warming up');
  const warm = [];
  for (const [index, entry] of mix.entries()) warm.push({ ...(await runEntry(entry, 900_000 + index)), sequence: 900_000 + index });
  if (!(await platform.waitForQuiescence(60_000))) say('bench: warm-up did not settle within 60 s');
  await warmReads(warm);
  api.samples.length = 0;
  const before = platform.counters();
  capture.setCounting(true);
  platform.proxy.startRecording();

  say('bench: measuring');
  const plan = planMix(mix, options.payments, random);
  let finished = 0;
  const progress = setInterval(() => say(`bench: ${finished}/${plan.length} runs done`), 5_000);
  const outcomes = await pool(plan, options.concurrency, async (entry, index) => {
    const outcome = await runEntry(entry, index);
    finished += 1;
    return outcome;
  });
  clearInterval(progress);
  const lastTerminal = Math.max(...outcomes.map((outcome) => outcome.paymentTerminalAt ?? outcome.endedAt));
  const firstSent = Math.min(...outcomes.map((outcome) => outcome.sentAt));
  const settleStarted = Date.now();
  const settled = await platform.waitForQuiescence(120_000);
  const settleSeconds = (Date.now() - settleStarted) / 1000;
  capture.setCounting(false);
  const recorded = platform.proxy.stopRecording();
  const after = platform.counters();
  runtime.lambdas.onInvoke = undefined;

  const payments = outcomes.reduce((sum, outcome) => sum + outcome.units.payments, 0);
  const per = (value: number) => (payments > 0 ? value / payments : 0);
  const perRecord = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, per(value)]));
  const sum = (record: Record<string, number>) => Object.values(record).reduce((total, value) => total + value, 0);

  // Counts in the window.
  const invocations = recordDelta(before.invocations, after.invocations);
  const billedMs = recordDelta(before.billedMs, after.billedMs);
  const errors = recordDelta(before.errors, after.errors);
  const gbSeconds = Object.fromEntries(Object.entries(billedMs).map(([key, ms]) => [key, (ms / 1000) * (functions[key as FunctionKey].memoryMb / 1024)]));
  const meanDurationMs = Object.fromEntries(Object.entries(invocations).map(([key, count]) => [key, (billedMs[key] ?? 0) / count]));
  const machines = Object.keys(after.stateMachines);
  const transitions = Object.fromEntries(machines.map((key) => [key, (after.stateMachines[key]?.transitions ?? 0) - (before.stateMachines[key]?.transitions ?? 0)]));
  const started = Object.fromEntries(machines.map((key) => [key, (after.stateMachines[key]?.started ?? 0) - (before.stateMachines[key]?.started ?? 0)]));
  const kms = recordDelta(before.kms, after.kms);
  const dynamoDb: CapacityCounts = capacityDelta(before.dynamoDb, after.dynamoDb);
  const platformTables = new Set(tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly).map((key) => tableName(key)));
  const platformDynamoDb = Object.fromEntries(Object.entries(dynamoDb).filter(([table]) => platformTables.has(table)));
  const localOnlyDynamoDb = Object.fromEntries(Object.entries(dynamoDb).filter(([table]) => !platformTables.has(table)));
  const accessEntries = platform.access.slice(before.accessLogEntries, after.accessLogEntries);
  const apiByRoute: Record<string, number> = {};
  for (const entry of accessEntries) {
    const route = `${entry.method} ${resourceOf(entry.method, entry.path) ?? '(unmatched)'}`;
    apiByRoute[route] = (apiByRoute[route] ?? 0) + 1;
  }
  const ddbTotal = (field: 'writeUnits' | 'indexWriteUnits' | 'readUnits' | 'indexReadUnits' | 'conditionalCheckFailures' | 'cancelledTransactionItems') =>
    Object.values(platformDynamoDb).reduce((total, usage) => total + usage[field], 0);

  // Log volume.
  say('bench: estimating log volume');
  const template = merchantApiAccessLogFormat().toString();
  const accessBytes = accessEntries.reduce((total, entry) => total + Buffer.byteLength(accessLogLine(template, entry)) + 1, 0);
  const wafBytes = accessEntries.reduce((total, entry) => {
    const kind = entry.path.startsWith('/v1/channel_events') ? 'webhook' : entry.method === 'GET' ? 'merchant-get' : 'merchant-post';
    return total + Buffer.byteLength(wafLogRecord({ method: entry.method, path: entry.path, headers: typicalHeaders(kind) })) + 1;
  }, 0);
  let platformBytes = 0;
  for (const [key, count] of Object.entries(invocations)) {
    const records = lambdaPlatformRecords(functions[key as FunctionKey].memoryMb, meanDurationMs[key] ?? 1);
    platformBytes += count * records.reduce((total, record) => total + Buffer.byteLength(record) + 1, 0);
  }
  const stepFunctionsLogs: Record<string, { sampled: number; bytes_per_execution: number; events_per_execution: number; bytes: number; events: number }> = {};
  for (const key of machines) {
    const arn = runtime.stepFunctions.stateMachineArn(key);
    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await runtime.stepFunctions.listExecutions({ stateMachineArn: arn, maxResults: 1000, nextToken });
      listed.push(...(page.executions ?? []).map((execution) => execution.executionArn as string));
      nextToken = page.nextToken;
    } while (nextToken);
    const sample = [...listed].sort(() => random() - 0.5).slice(0, options.logSample);
    let bytes = 0;
    let eventCount = 0;
    for (const executionArn of sample) {
      let historyToken: string | undefined;
      do {
        const page = await runtime.stepFunctions.getExecutionHistory({ executionArn, maxResults: 1000, nextToken: historyToken, includeExecutionData: false });
        for (const event of page.events ?? []) {
          bytes += Buffer.byteLength(stepFunctionsLogRecord(event, executionArn)) + 1;
          eventCount += 1;
        }
        historyToken = page.nextToken;
      } while (historyToken);
    }
    const executions = started[key] ?? 0;
    const bytesPer = sample.length ? bytes / sample.length : 0;
    const eventsPer = sample.length ? eventCount / sample.length : 0;
    stepFunctionsLogs[key] = { sampled: sample.length, bytes_per_execution: bytesPer, events_per_execution: eventsPer, bytes: bytesPer * executions, events: eventsPer * executions };
  }
  const totalInvocations = sum(invocations);
  const logSources = {
    function_logs: { basis: 'measured', bytes: capture.functionLogs.bytes, events: capture.functionLogs.events },
    function_metrics_emf: { basis: 'measured', bytes: capture.metrics.bytes, events: capture.metrics.events },
    lambda_platform_records: { basis: 'modeled', bytes: platformBytes, events: totalInvocations * 2 },
    api_gateway_access_logs: { basis: 'modeled', bytes: accessBytes, events: accessEntries.length },
    waf_logs: { basis: 'modeled', bytes: wafBytes, events: accessEntries.length },
    step_functions_all_level: {
      basis: 'measured',
      bytes: Object.values(stepFunctionsLogs).reduce((total, entry) => total + entry.bytes, 0),
      events: Object.values(stepFunctionsLogs).reduce((total, entry) => total + entry.events, 0),
    },
  };
  const logBytes = Object.values(logSources).reduce((total, source) => total + source.bytes, 0);
  const logEvents = Object.values(logSources).reduce((total, source) => total + source.events, 0);

  const counts: BillableCounts = {
    apiRequests: per(accessEntries.length),
    lambdaInvocations: per(totalInvocations),
    lambdaGbSeconds: per(sum(gbSeconds)),
    stepFunctionsTransitions: per(sum(transitions)),
    dynamoDbTableWriteUnits: per(ddbTotal('writeUnits')),
    dynamoDbIndexWriteUnits: per(ddbTotal('indexWriteUnits')),
    dynamoDbReadUnits: per(ddbTotal('readUnits') + ddbTotal('indexReadUnits')),
    dynamoDbFailedConditionalWrites: per(ddbTotal('conditionalCheckFailures')),
    dynamoDbCancelledTransactionItems: per(ddbTotal('cancelledTransactionItems')),
    kmsRequests: per(sum(kms)),
    logBytes: per(logBytes),
    logEvents: per(logEvents),
  };
  const cost = costPerMillionPayments(counts, prices);

  // End-to-end throughput and latencies.
  const durationSeconds = (lastTerminal - firstSent) / 1000;
  const paymentsPerSecond = payments / durationSeconds;
  const e2e = outcomes.filter((outcome) => outcome.paymentTerminalAt !== undefined).map((outcome) => (outcome.paymentTerminalAt as number) - outcome.sentAt);
  const latencyByOperation: Record<string, ReturnType<typeof summarizeLatencies>> = { all: summarizeLatencies(api.samples.map((sample) => sample.latencyMs)) };
  for (const operation of [...new Set(api.samples.map((sample) => sample.operation))].sort()) {
    latencyByOperation[operation] = summarizeLatencies(api.samples.filter((sample) => sample.operation === operation).map((sample) => sample.latencyMs));
  }
  const outcomeTable: Record<string, { runs: number; statuses: Record<string, number>; failure_codes: Record<string, number>; unexpected: number }> = {};
  for (const outcome of outcomes) {
    const row = (outcomeTable[outcome.entry] ??= { runs: 0, statuses: {}, failure_codes: {}, unexpected: 0 });
    row.runs += 1;
    row.statuses[outcome.status] = (row.statuses[outcome.status] ?? 0) + 1;
    if (outcome.failureCode) row.failure_codes[outcome.failureCode] = (row.failure_codes[outcome.failureCode] ?? 0) + 1;
    if (outcome.unexpected.length) row.unexpected += 1;
  }
  const anomalies = outcomes.flatMap((outcome) => outcome.unexpected.map((message) => `${outcome.entry}: ${message}`));
  // 5xx to the merchant are errors; a webhook answered 503 is the platform asking the acquirer to retry later.
  const isWebhook = (entry: { path: string }) => entry.path.startsWith('/v1/channel_events/');
  const serverErrors = accessEntries.filter((entry) => entry.status >= 500 && !isWebhook(entry)).length;
  const webhookRetryAnswers = accessEntries.filter((entry) => entry.status >= 300 && isWebhook(entry)).length;

  // The ceiling: the same DynamoDB requests, replayed with nothing else running.
  let ceiling: Record<string, unknown> | null = null;
  if (!values['no-ceiling']) {
    say('bench: replaying the DynamoDB pattern against a fresh DynamoDB Local (ceiling)');
    const replayed = await replayCeiling(recorded, { payments, concurrency: options.ceilingConcurrency, platformTables, maxRequests: options.ceilingMaxRequests });
    ceiling = {
      ...replayed,
      ratio_to_writes_ceiling: paymentsPerSecond / replayed.writes.payments_per_second,
      ratio_to_all_requests_ceiling: paymentsPerSecond / replayed.all_requests.payments_per_second,
    };
  }

  // Cold starts, against the running platform.
  let coldStart: Awaited<ReturnType<typeof measureColdStarts>> | null = null;
  if (!values['no-cold-start']) {
    say('bench: measuring cold starts (a fresh Node process per function and run)');
    coldStart = await measureColdStarts({
      repositoryRoot,
      events,
      environment: process.env,
      runs: options.coldStartRuns,
      only: options.coldStartFunctions,
    });
  }

  const ceilings = scaleCeilings(
    {
      stepFunctionsTransitions: counts.stepFunctionsTransitions,
      stepFunctionsStarts: per(sum(started)),
      kmsRequests: counts.kmsRequests,
      dynamoDbTables: Object.fromEntries(
        Object.entries(platformDynamoDb).map(([table, usage]) => [table, { writeUnits: per(usage.writeUnits + usage.indexWriteUnits), readUnits: per(usage.readUnits + usage.indexReadUnits) }]),
      ),
      apiRequests: counts.apiRequests,
      functions: Object.fromEntries(
        Object.entries(invocations).map(([key, count]) => [key, { invocations: per(count), meanDurationMs: meanDurationMs[key] ?? 0, reservedConcurrency: functions[key as FunctionKey].reservedConcurrency }]),
      ),
      stageRateLimit: 1000,
    },
    prices,
  );

  const report = {
    schema: 'xborder-bench/1',
    generated_at: startedAt.toISOString(),
    machine: {
      cpus: cpus().length,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      load_average_at_start: loadAtStart.map((value) => Number(value.toFixed(2))),
      note: 'Shared 2-core machine: absolute figures are noisy; compare ratios within one run.',
    },
    options: {
      payments: options.payments,
      concurrency: options.concurrency,
      seed: options.seed,
      smoke,
      mix: mix.map((entry) => ({ name: entry.name, weight: entry.weight, description: entry.description })),
    },
    run: {
      payments,
      runs: outcomes.length,
      duration_seconds: durationSeconds,
      payments_per_second: paymentsPerSecond,
      e2e_ms: summarizeLatencies(e2e),
      api_latency_ms: latencyByOperation,
      outcomes: outcomeTable,
      anomalies: anomalies.length,
      anomaly_samples: anomalies.slice(0, 20),
      server_errors: serverErrors,
      webhook_retry_answers: webhookRetryAnswers,
      lambda_errors: errors,
      settled: settled,
      settle_seconds: settleSeconds,
    },
    per_payment: {
      api_requests: { total: counts.apiRequests, by_route: perRecord(apiByRoute) },
      lambda_invocations: { total: counts.lambdaInvocations, by_function: perRecord(invocations) },
      lambda_gb_seconds: { total: counts.lambdaGbSeconds, by_function: perRecord(gbSeconds) },
      lambda_mean_duration_ms: meanDurationMs,
      step_functions: {
        transitions: { total: counts.stepFunctionsTransitions, by_workflow: perRecord(transitions) },
        executions_started: { total: per(sum(started)), by_workflow: perRecord(started) },
      },
      dynamodb: {
        write_units: per(ddbTotal('writeUnits') + ddbTotal('indexWriteUnits')),
        table_write_units: counts.dynamoDbTableWriteUnits,
        index_write_units: counts.dynamoDbIndexWriteUnits,
        read_units: counts.dynamoDbReadUnits,
        failed_conditional_writes: counts.dynamoDbFailedConditionalWrites,
        cancelled_transaction_items: counts.dynamoDbCancelledTransactionItems,
        by_table: Object.fromEntries(
          Object.entries(platformDynamoDb).map(([table, usage]) => [
            table,
            {
              write_units: per(usage.writeUnits),
              index_write_units: per(usage.indexWriteUnits),
              read_units: per(usage.readUnits),
              index_read_units: per(usage.indexReadUnits),
              requests: perRecord(usage.requests),
              failed_conditional_writes: per(usage.conditionalCheckFailures),
              cancelled_transaction_items: per(usage.cancelledTransactionItems),
            },
          ]),
        ),
        not_billed_local_only_tables: Object.fromEntries(Object.entries(localOnlyDynamoDb).map(([table, usage]) => [table, { requests: sum(usage.requests) / Math.max(payments, 1) }])),
      },
      kms_requests: { total: counts.kmsRequests, by_operation: perRecord(kms) },
      log_bytes: { total: counts.logBytes, events: counts.logEvents },
    },
    totals: {
      payments,
      api_requests: accessEntries.length,
      lambda_invocations: invocations,
      lambda_billed_ms: billedMs,
      step_functions_transitions: transitions,
      step_functions_executions_started: started,
      dynamodb: platformDynamoDb,
      kms_requests: kms,
    },
    log_volume: {
      sources: logSources,
      step_functions: stepFunctionsLogs,
      bytes_per_payment: counts.logBytes,
      events_per_payment: counts.logEvents,
      other_local_output_lines: capture.other.events,
    },
    cost,
    prices: { file: 'bench/prices.json', ...prices },
    ceiling,
    cold_start: coldStart,
    scale_ceiling: ceilings,
    left_out: [
      'X-Ray traces (tracing is on for API Gateway, Lambda and Step Functions; the bill depends on the sampling rule)',
      'WAF web ACL and rule monthly fees, CloudWatch custom-metric and alarm fees, KMS key monthly fees (fixed per month, not per payment)',
      'DynamoDB storage, backups (PITR) and cross-region replication data transfer; CloudWatch Logs storage',
      'Secrets Manager requests (secrets are read once per cold start)',
      'API Gateway authorizer caching (30 s per key in AWS) would remove most authorizeMerchant invocations: counted as measured locally',
    ],
  };

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${values.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${values.name}.md`), benchSummary(report));
  writeFileSync(join(outDir, `${values.name}.output.log`), `${capture.otherSample.join('\n')}\n`);
  say(benchSummary(report));
  say(`bench: wrote ${join(outDir, `${values.name}.json`)} and ${values.name}.md`);
  if (values.strict && (anomalies.length > 0 || serverErrors > 0 || !settled)) {
    say(`bench: --strict: ${anomalies.length} anomalies, ${serverErrors} server errors, settled ${settled}`);
    exitCode = 1;
  }
} catch (error) {
  say(`bench failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 2;
} finally {
  await platform.stop().catch(() => undefined);
  capture.restore();
}
process.exit(exitCode);
