// First: before any module loads the Powertools tracer (local/tracing-off.ts).
import '../local/tracing-off';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { merchantApiAccessLogFormat } from '../lib/constructs/merchant-api';
import { FIREWALL_LIMITS, WAF_LOGGING_FILTER } from '../lib/constructs/merchant-api-firewall';
import { deployment } from '../platform/deployment';
import { type FunctionKey, functions } from '../platform/functions';
import { type TableDeclaration, tableKeys, tableName, tables } from '../platform/tables';
import { type StateMachineKey, stateMachineKeys, stateMachines } from '../platform/state-machines';
import {
  CAUSES,
  type Cause,
  OPERATION_HEADER,
  OPERATION_KINDS,
  type OperationKind,
  WORKFLOW_OPERATION,
  causeDelta,
  requestCause,
  splitByShares,
  withResidualOnPayments,
} from './lib/attribution';
import { type CapacityCounts, capacityDelta } from './lib/capacity-proxy';
import { registerBenchEndpoints, webhookReport } from './lib/webhooks';
import { replayCeiling } from './lib/ceiling';
import { measureColdStarts } from './lib/cold-start';
import { costPerMillionPayments, costPerMillionUnits, loadPriceTable } from './lib/cost-model';
import { type LogClass, logClassOf } from './lib/log-classes';
import { ApiClient, pool, seededRandom, sleep, summarizeLatencies } from './lib/http';
import {
  accessLogLine,
  captureProcessOutput,
  lambdaPlatformRecords,
  platformRecordsKept,
  resourceOf,
  say,
  stepFunctionsLogRecord,
  typicalHeaders,
  wafActionsFor,
  wafLogRecord,
  wafLoggingKeeps,
} from './lib/log-volume';
import { MIX, type MixContext, type MixEntry, type MixOutcome, SMOKE_MIX, merchantOf, mixFromOption, mixRotation, planMix } from './lib/mix';
import { recordDelta, startBenchPlatform } from './lib/platform';
import { attributeRequests, oneMerchantCeiling } from './lib/hot-partitions';
import { mixCeilings, scaleCeilings, scaleCeilingsPer } from './lib/scale-ceiling';
import { observeScreeningDecisions } from './lib/screening-timer';
import { benchSummary } from './lib/summary';
import { runFailures } from './lib/verdict';
import { ledgerDifferences } from './drills/common';
import { BeneficiaryBook, PAYOUT_DESTINATIONS } from './lib/treasury';
import { type WindowCounts, billableCountsPer, ceilingInputPer, emptyWindowCounts, logTotals, mergeWindowCounts, perUnitBlock } from './lib/window-counts';
import { cpuSnapshot, cpuUse } from './lib/cpu-use';
import { dynamoDbCensus } from './lib/dynamodb-census';

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
    'calibration-runs': { type: 'string', default: '24' },
    smoke: { type: 'boolean', default: false },
    lenient: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    census: { type: 'boolean', default: false },
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
  calibrationRuns: Number(smoke ? '4' : values['calibration-runs']),
};
for (const [name, value] of Object.entries({ payments: options.payments, concurrency: options.concurrency, seed: options.seed })) {
  if (!Number.isInteger(value) || value < 0 || (name !== 'seed' && value < 1)) throw new Error(`--${name} must be a positive integer`);
}
for (const key of options.coldStartFunctions ?? []) if (!(key in functions)) throw new Error(`--cold-start-functions: no function '${key}'`);
const mix = mixFromOption(values.mix ?? (smoke ? SMOKE_MIX : undefined), MIX);
const outDir = resolve(values.out);
const prices = loadPriceTable();

let platform: Awaited<ReturnType<typeof startBenchPlatform>> | undefined;
const capture = captureProcessOutput({ echoOther: values.verbose, onCountedLine: (kind, bytes) => platform?.tracker.countLogLine(kind, bytes) });
const startedAt = new Date();
const loadAtStart = loadavg();
say(`bench: ${options.payments} payments, concurrency ${options.concurrency}, mix ${mix.map((entry) => `${entry.name}=${entry.weight}`).join(',')}`);

// Handlers run as in AWS: at the functions' application log level (platform/deployment.ts) and with
// Powertools metrics on (the runtime turns them on; EMF lines are CloudWatch Logs too, so they stay on stdout).
// Nothing but the platform writes its tables here: the counting proxy may take each write's before image
// from the write before it (the same counts, fewer shadow reads; bench/lib/capacity-metering.ts).
platform = await startBenchPlatform({ logLevel: deployment.functionLogLevels.application, rememberImages: true, printMetricLines: true });
const bench = platform;
const { runtime } = bench;
const random = seededRandom(options.seed);
const api = new ApiClient(() => runtime.apiUrl);
const context: MixContext = {
  api,
  merchants: runtime.merchants,
  random,
  waitForExecution: bench.waitForExecution,
  payment: bench.payment,
  refund: bench.refund,
  waitForPayment: bench.waitForPayment,
  waitForFunds: bench.waitForFunds,
  waitForPayout: bench.waitForPayout,
  beneficiaries: new BeneficiaryBook(api),
};

const runEntry = async (entry: MixEntry, sequence: number): Promise<MixOutcome & { entry: string }> => {
  try {
    return { ...(await entry.run(context, sequence)), entry: entry.name };
  } catch (error) {
    return { entry: entry.name, units: { payments: 0 }, sentAt: Date.now(), endedAt: Date.now(), status: 'error', unexpected: [`${(error as Error).name}: ${(error as Error).message}`] };
  }
};

/** True once `receivePayoutRailEvents` has not run for `quietMs`; false when it still runs after `capMs`. */
const railsQuiet = async (quietMs = 5_000, capMs = 30_000): Promise<boolean> => {
  // The Lambda host's own count: no need to ask the counting proxy's thread for every table's counts 4 times a second.
  const count = () => runtime.lambdas.stats.invocations.receivePayoutRailEvents ?? 0;
  const started = Date.now();
  let last = count();
  let since = Date.now();
  while (Date.now() - started < capMs) {
    await sleep(250);
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return true;
  }
  return false;
};

/** The merchant's GET endpoints, once each (warm-up only: the mix itself waits on the engine, not the API). */
const warmReads = async (warm: readonly (MixOutcome & { sequence: number })[]) => {
  for (const outcome of warm) {
    // Ask as the merchant that created it.
    const merchant = merchantOf(runtime.merchants, outcome.sequence);
    const paths = [
      ...(outcome.paymentId ? [`/v1/payments/${outcome.paymentId}`, `/v1/payments/${outcome.paymentId}/events`] : []),
      ...(outcome.refundIds ?? []).map((id) => `/v1/refunds/${id}`),
      ...(outcome.payoutId ? [`/v1/payouts/${outcome.payoutId}`] : []),
      ...(outcome.conversionId ? [`/v1/conversions/${outcome.conversionId}`] : []),
    ];
    for (const path of paths) await api.call('warm_read', 'GET', path, { key: merchant?.api_key });
  }
  // The events API too: the webhook report reads it after the window (bench/lib/webhooks.ts).
  const lists = ['/v1/payments?limit=10', '/v1/balances', '/v1/balance_transactions?limit=10', '/v1/events?limit=10'];
  if (warm.some((outcome) => outcome.payoutId)) lists.push('/v1/payouts?limit=10', '/v1/beneficiaries?limit=10');
  if (warm.some((outcome) => outcome.conversionId)) lists.push('/v1/conversions?limit=10');
  for (const path of lists) await api.call('warm_read', 'GET', path, { key: runtime.merchants[0]?.api_key });
};

/**
 * Warm-up runs of an entry (sequences from 900,000): one, or for payouts one per destination, so every
 * rail's client and parser is loaded before the window (destinations are taken in turn, mix.ts).
 */
const warmUpSequences = (entry: MixEntry): number[] =>
  entry.name === 'payout' ? PAYOUT_DESTINATIONS.map((_, index) => 910_000 + index) : [900_000 + mix.indexOf(entry) * 1_000];

let exitCode = 0;
try {
  // The first event each function receives, replayed by the cold-start measurement.
  const events = new Map<FunctionKey, unknown>();
  runtime.lambdas.onInvoke = (key, event) => {
    if (!events.has(key)) events.set(key, structuredClone(event));
  };
  // One-time setup (beneficiaries), then the warm-up: a run of each entry and the merchant's reads once
  // load every module on the path, so the measured run has no cold starts (and the reads have an event to
  // replay).
  for (const entry of mix) await entry.prepare?.(context);
  // One webhook endpoint per merchant, subscribed to every event, on the runtime's receiver: delivery is
  // part of what a payment costs (bench/lib/webhooks.ts).
  const webhookEndpoints = await registerBenchEndpoints(api, runtime);
  say('bench: warming up');
  const warm: (MixOutcome & { entry: string; sequence: number })[] = [];
  for (const entry of mix) {
    const runs = await Promise.all(warmUpSequences(entry).map(async (sequence) => ({ ...(await runEntry(entry, sequence)), sequence })));
    warm.push(...runs);
  }
  const warmUpAnomalies = warm.flatMap((outcome) => outcome.unexpected.map((message) => `warm-up ${outcome.entry}: ${message}`));
  for (const message of warmUpAnomalies) say(`bench: ${message}`);
  const warmUpSettled = await bench.waitForQuiescence(60_000);
  if (!warmUpSettled) say('bench: warm-up did not settle within 60 s');
  await warmReads(warm);

  // Service times: the same mix run one at a time, so each function's duration is its own work and its
  // waits on what it calls, without the queueing of 16 runs on this machine's 2 cores. In AWS every
  // invocation has its own CPU: Lambda concurrency (Little's law) rests on these (scale_ceiling).
  say(`bench: calibrating service times (${options.calibrationRuns} runs, one at a time)`);
  const screeningDecisions = observeScreeningDecisions();
  const calibrationStart = await bench.counters();
  const calibrationPlan = planMix(mix, options.calibrationRuns, seededRandom(options.seed + 1));
  const rotation = mixRotation.save();
  for (const [index, entry] of calibrationPlan.entries()) await runEntry(entry, 800_000 + index);
  mixRotation.restore(rotation);
  if (!(await bench.waitForQuiescence(60_000))) say('bench: calibration did not settle within 60 s');
  const calibrationEnd = await bench.counters();
  const calibrationDecisionsMs = screeningDecisions.take();
  const calibrationInvocations = recordDelta(calibrationStart.invocations, calibrationEnd.invocations);
  const calibrationBilledMs = recordDelta(calibrationStart.billedMs, calibrationEnd.billedMs);
  const serviceTimesMs: Record<string, number> = Object.fromEntries(
    Object.entries(calibrationInvocations)
      .filter(([, count]) => count > 0)
      .map(([key, count]) => [key, (calibrationBilledMs[key] ?? 0) / count]),
  );
  // A rail's callbacks outlive its payout's run (a settlement's confirmation, a file's acknowledgement, a
  // return): those of the warm-up and calibration payouts must not land in the measured window, where they
  // serve no run (counts.requests_without_run). Quiet: no rail message for 5 s (at most 30 s of waiting).
  if (!(await railsQuiet())) say('bench: rail messages still arriving 30 s after calibration');
  api.samples.length = 0;
  screeningDecisions.take();
  const windowStartedAt = Date.now();
  const receivedBefore = webhookEndpoints.received();
  const before = await bench.counters();
  capture.setCounting(true);
  await bench.proxy.startRecording();

  say('bench: measuring');
  const cpuBefore = cpuSnapshot(runtime.pids.dynamoDbLocal);
  const plan = planMix(mix, options.payments, random);
  let finished = 0;
  const progress = setInterval(() => say(`bench: ${finished}/${plan.length} runs done`), 5_000);
  const outcomes = await pool(plan, options.concurrency, async (entry, index) => {
    const outcome = await runEntry(entry, index);
    finished += 1;
    return outcome;
  });
  clearInterval(progress);
  const windowCpu = cpuUse(cpuBefore, cpuSnapshot(runtime.pids.dynamoDbLocal));
  const lastTerminal = Math.max(...outcomes.map((outcome) => outcome.paymentTerminalAt ?? outcome.endedAt));
  const firstSent = Math.min(...outcomes.map((outcome) => outcome.sentAt));
  const settleStarted = Date.now();
  const settled = await bench.waitForQuiescence(120_000);
  const settleSeconds = (Date.now() - settleStarted) / 1000;
  capture.setCounting(false);
  const windowDecisionsMs = screeningDecisions.take();
  screeningDecisions.stop();
  const recorded = await bench.proxy.stopRecording();
  const after = await bench.counters();
  runtime.lambdas.onInvoke = undefined;
  // Every posting of the window must leave the ledger consistent (npm run ledger:verify). Read straight
  // from DynamoDB Local, after the counters: not part of the counts.
  say('bench: verifying the ledger');
  const ledger = await ledgerDifferences(runtime.dynamoDbEndpoint);

  const units = (field: 'payments' | 'payouts' | 'conversions') => outcomes.reduce((sum, outcome) => sum + (outcome.units[field] ?? 0), 0);
  const payments = units('payments');
  const payouts = units('payouts');
  const conversions = units('conversions');
  const unitsOf: Record<OperationKind, number> = { payment: payments, conversion: conversions, payout: payouts };
  // The window's DynamoDB requests by the function whose invocation made them (the proxy's recording of the
  // invocation header): the census of decision records 0055 and 0057. In the report per payment; whole, with
  // each row's units, in <name>.census.json with --census.
  const census = dynamoDbCensus(recorded, (invocation) => bench.tracker.invocationSubjects.get(invocation)?.key);
  const requestsByFunction: Record<string, Record<string, number>> = {};
  for (const row of census) {
    const requests = (requestsByFunction[row.function] ??= {});
    requests[`${row.table} ${row.operation}`] = row.requests / Math.max(payments, 1);
  }
  const sum = (record: Record<string, number>) => Object.values(record).reduce((total, value) => total + value, 0);

  // Counts in the window.
  const invocations = recordDelta(before.invocations, after.invocations);
  const billedMs = recordDelta(before.billedMs, after.billedMs);
  const errors = recordDelta(before.errors, after.errors);
  const meanDurationMs = Object.fromEntries(Object.entries(invocations).map(([key, count]) => [key, (billedMs[key] ?? 0) / count]));
  const machines = Object.keys(after.stateMachines);
  const isExpress = (key: string) => stateMachines[key as StateMachineKey]?.type === 'EXPRESS';
  const machineDelta = (field: 'transitions' | 'started' | 'billedDurationMs', which: (key: string) => boolean) =>
    Object.fromEntries(machines.filter(which).map((key) => [key, (after.stateMachines[key]?.[field] ?? 0) - (before.stateMachines[key]?.[field] ?? 0)]));
  // Express bills requests and duration, not transitions: only Standard workflows' transitions are counted.
  const transitions = machineDelta('transitions', (key) => !isExpress(key));
  const started = machineDelta('started', () => true);
  const expressRequests = machineDelta('started', isExpress);
  const expressBilledMs = machineDelta('billedDurationMs', isExpress);
  const kms = recordDelta(before.kms, after.kms);
  // SQS: only the webhook delivery queue, fed by the events pipeline (unattributed, carried by the payments).
  const sqsRequests = recordDelta(before.sqsRequests, after.sqsRequests);
  const dynamoDb: CapacityCounts = capacityDelta(before.dynamoDb, after.dynamoDb);
  const platformTables = new Set(tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly).map((key) => tableName(key)));
  const platformOnly = (counts: CapacityCounts) => Object.fromEntries(Object.entries(counts).filter(([table]) => platformTables.has(table)));
  const localOnly = (counts: CapacityCounts) => Object.fromEntries(Object.entries(counts).filter(([table]) => !platformTables.has(table)));
  const platformDynamoDb = platformOnly(dynamoDb);
  const accessEntries = bench.access.slice(before.accessLogEntries, after.accessLogEntries);
  const routeOf = (entry: { method: string; path: string }) => `${entry.method} ${resourceOf(entry.method, entry.path) ?? '(unmatched)'}`;
  const apiByRoute: Record<string, number> = {};
  for (const entry of accessEntries) apiByRoute[routeOf(entry)] = (apiByRoute[routeOf(entry)] ?? 0) + 1;

  // The same counts by the operation that caused them (bench/lib/attribution.ts).
  const trackedInvocations = causeDelta(before.tracker.invocations, after.tracker.invocations);
  const invocationsByCause = splitByShares(invocations, trackedInvocations);
  // Invocations the host counted that did not pass through the tracker (none expected: every caller of a
  // function goes through LambdaHost.invoke); their split would only be a guess, so they are reported.
  const untrackedInvocations = Object.fromEntries(
    Object.entries(invocations)
      .map(([key, count]) => [key, count - CAUSES.reduce((total, cause) => total + (trackedInvocations[cause][key] ?? 0), 0)] as const)
      .filter(([, difference]) => difference !== 0),
  );
  const billedMsByCause = splitByShares(billedMs, causeDelta(before.tracker.durationMs, after.tracker.durationMs));
  const kmsByCause = splitByShares(kms, causeDelta(before.tracker.kms, after.tracker.kms));
  const dynamoDbByCause = Object.fromEntries(CAUSES.map((cause) => [cause, capacityDelta(before.dynamoDbByCause[cause], after.dynamoDbByCause[cause])])) as Record<Cause, CapacityCounts>;
  const causeOfEntry = (entry: (typeof accessEntries)[number]) => requestCause(entry, bench.tracker.requestCauses);
  const causeOfMachine = (machine: string): Cause => WORKFLOW_OPERATION[machine as keyof typeof WORKFLOW_OPERATION] ?? 'unattributed';

  // Log volume.
  // Counterparties' signed callbacks (acquirers' webhooks, payout rails' callbacks): not merchant requests.
  const isWebhook = (entry: { path: string }) => entry.path.startsWith('/v1/channel_events/') || entry.path.startsWith('/v1/rail_events/');
  say('bench: estimating log volume');
  const template = merchantApiAccessLogFormat().toString();
  const accessBytesOf = (entry: (typeof accessEntries)[number]) => Buffer.byteLength(accessLogLine(template, entry)) + 1;
  // A WAF record only for the requests the web ACL's logging filter keeps (blocked or counted).
  const wafBytesOf = (entry: (typeof accessEntries)[number]) => {
    const actions = wafActionsFor(entry.requestBytes, FIREWALL_LIMITS.maxBodyBytes);
    if (!wafLoggingKeeps(WAF_LOGGING_FILTER, actions)) return 0;
    const kind = isWebhook(entry) ? 'webhook' : entry.method === 'GET' ? 'merchant-get' : 'merchant-post';
    return Buffer.byteLength(wafLogRecord({ method: entry.method, path: entry.path, headers: typicalHeaders(kind, entry.requestBytes), actions })) + 1;
  };
  const accessBytes = accessEntries.map(accessBytesOf);
  const wafBytes = accessEntries.map(wafBytesOf);
  const wafEvents = (bytes: readonly number[]) => bytes.filter((value) => value > 0).length;
  /** The Lambda platform records of one invocation of each function (modeled at its mean duration). */
  const platformRecordBytes = Object.fromEntries(
    Object.keys(invocations).map((key) => [
      key,
      lambdaPlatformRecords(functions[key as FunctionKey].memoryMb, meanDurationMs[key] ?? 1).reduce((total, record) => total + Buffer.byteLength(record) + 1, 0),
    ]),
  );
  // At the functions' system log level (platform/deployment.ts): the invocations whose records are written.
  const systemLevel = deployment.functionLogLevels.system;
  const platformKept = (counts: Record<string, number>, failed: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([key, count]) => [key, platformRecordsKept(systemLevel, count, failed[key] ?? 0)]));
  const platformRecordsOf = (kept: Record<string, number>) => ({
    bytes: Object.entries(kept).reduce((total, [key, count]) => total + count * (platformRecordBytes[key] ?? 0), 0),
    events: sum(kept) * 2,
  });
  const platformRecords = platformRecordsOf(platformKept(invocations, errors));
  // Failed invocations by cause in proportion to each cause's invocations of that function.
  const errorsByCause = splitByShares(errors, trackedInvocations);
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
  // Each source with the class of the log group it is written to (the bill prices it at that class's rate).
  const withLogClass = <Sources extends Record<string, object>>(sources: Sources) =>
    Object.fromEntries(Object.entries(sources).map(([source, entry]) => [source, { ...entry, log_class: logClassOf(source) }])) as {
      [Source in keyof Sources]: Sources[Source] & { log_class: LogClass };
    };
  const logSources = withLogClass({
    function_logs: { basis: 'measured', bytes: capture.functionLogs.bytes, events: capture.functionLogs.events },
    function_metrics_emf: { basis: 'measured', bytes: capture.metrics.bytes, events: capture.metrics.events },
    lambda_platform_records: { basis: 'modeled', system_log_level: systemLevel, ...platformRecords },
    api_gateway_access_logs: { basis: 'modeled', bytes: accessBytes.reduce((a, b) => a + b, 0), events: accessEntries.length },
    waf_logs: { basis: 'modeled', bytes: wafBytes.reduce((a, b) => a + b, 0), events: wafEvents(wafBytes), requests: accessEntries.length },
    step_functions_all_level: {
      basis: 'measured',
      bytes: Object.values(stepFunctionsLogs).reduce((total, entry) => total + entry.bytes, 0),
      events: Object.values(stepFunctionsLogs).reduce((total, entry) => total + entry.events, 0),
    },
  });
  const logsByCause = (cause: Cause): WindowCounts['logs'] => {
    const trackerDelta = (field: 'functionLogs' | 'metrics') => ({
      bytes: after.tracker[field][cause].bytes - before.tracker[field][cause].bytes,
      events: after.tracker[field][cause].events - before.tracker[field][cause].events,
    });
    const entries = accessEntries.map((entry, index) => ({ index, cause: causeOfEntry(entry) })).filter((entry) => entry.cause === cause);
    const machinesOf = machines.filter((key) => causeOfMachine(key) === cause);
    return {
      function_logs: trackerDelta('functionLogs'),
      function_metrics_emf: trackerDelta('metrics'),
      lambda_platform_records: platformRecordsOf(platformKept(invocationsByCause[cause], errorsByCause[cause])),
      api_gateway_access_logs: { bytes: entries.reduce((total, entry) => total + (accessBytes[entry.index] ?? 0), 0), events: entries.length },
      waf_logs: { bytes: entries.reduce((total, entry) => total + (wafBytes[entry.index] ?? 0), 0), events: wafEvents(entries.map((entry) => wafBytes[entry.index] ?? 0)) },
      step_functions_all_level: {
        bytes: machinesOf.reduce((total, key) => total + (stepFunctionsLogs[key]?.bytes ?? 0), 0),
        events: machinesOf.reduce((total, key) => total + (stepFunctionsLogs[key]?.events ?? 0), 0),
      },
    };
  };

  const countsOf = (cause: Cause): WindowCounts => {
    const apiRoutes: Record<string, number> = {};
    for (const entry of accessEntries) if (causeOfEntry(entry) === cause) apiRoutes[routeOf(entry)] = (apiRoutes[routeOf(entry)] ?? 0) + 1;
    const ofMachines = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).filter(([key, value]) => causeOfMachine(key) === cause && value !== 0));
    return {
      ...emptyWindowCounts(),
      apiByRoute: apiRoutes,
      invocations: invocationsByCause[cause],
      billedMs: billedMsByCause[cause],
      transitions: ofMachines(transitions),
      executionsStarted: ofMachines(started),
      expressRequests: ofMachines(expressRequests),
      expressBilledMs: ofMachines(expressBilledMs),
      dynamoDb: platformOnly(dynamoDbByCause[cause]),
      localOnlyDynamoDb: localOnly(dynamoDbByCause[cause]),
      kms: kmsByCause[cause],
      sqsRequests: cause === 'unattributed' ? sqsRequests : {},
      logs: logsByCause(cause),
    };
  };
  const byCause = Object.fromEntries(CAUSES.map((cause) => [cause, countsOf(cause)])) as Record<Cause, WindowCounts>;
  const byKind = withResidualOnPayments(byCause, mergeWindowCounts);
  const whole = CAUSES.map((cause) => byCause[cause]).reduce(mergeWindowCounts, emptyWindowCounts());

  // The webhooks of the window, read through the events API now (after the counters, before the ceiling
  // replay and the cold starts load the machine further).
  say('bench: checking webhook deliveries');
  const windowSamples = api.samples.length;
  const webhooks = await webhookReport({
    api,
    endpoints: webhookEndpoints,
    windowStartedAt,
    receivedBefore,
    whole,
    unattributed: byCause.unattributed,
    payments,
    prices,
  });
  // Its requests are the harness's, not the window's latencies.
  api.samples.splice(windowSamples);

  const paymentCounts = billableCountsPer(byKind.payment, payments);
  const cost = costPerMillionPayments(paymentCounts, prices);
  const costPayouts = costPerMillionUnits('payout', billableCountsPer(byKind.payout, payouts), prices);
  const costConversions = costPerMillionUnits('conversion', billableCountsPer(byKind.conversion, conversions), prices);

  // End-to-end throughput and latencies.
  const durationSeconds = (lastTerminal - firstSent) / 1000;
  const paymentsPerSecond = payments / durationSeconds;
  const e2e = outcomes.filter((outcome) => outcome.paymentTerminalAt !== undefined).map((outcome) => (outcome.paymentTerminalAt as number) - outcome.sentAt);
  // The same per mix entry: a manual capture's spans two merchant requests (the authorization's and the capture's),
  // so the run's upper percentiles are mostly manual captures (docs/benchmarks.md, "Where the slowest payments wait").
  const e2eByEntry: Record<string, ReturnType<typeof summarizeLatencies>> = {};
  for (const name of [...new Set(outcomes.map((outcome) => outcome.entry))].sort()) {
    const latencies = outcomes.filter((outcome) => outcome.entry === name && outcome.paymentTerminalAt !== undefined).map((outcome) => (outcome.paymentTerminalAt as number) - outcome.sentAt);
    if (latencies.length) e2eByEntry[name] = summarizeLatencies(latencies);
  }
  const payoutRuns = outcomes.filter((outcome) => outcome.payoutSentAt !== undefined && outcome.payoutTerminalAt !== undefined);
  const conversionRuns = outcomes.filter((outcome) => outcome.conversionSentAt !== undefined && outcome.conversionEndedAt !== undefined);
  const payoutWindowSeconds = payoutRuns.length ? (Math.max(...payoutRuns.map((outcome) => outcome.payoutTerminalAt as number)) - firstSent) / 1000 : 0;
  const conversionWindowSeconds = conversionRuns.length ? (Math.max(...conversionRuns.map((outcome) => outcome.conversionEndedAt as number)) - firstSent) / 1000 : 0;
  const payoutsByDestination: Record<string, { payouts: number; statuses: Record<string, number> }> = {};
  for (const outcome of outcomes) {
    if (!outcome.payoutDestination) continue;
    const row = (payoutsByDestination[outcome.payoutDestination] ??= { payouts: 0, statuses: {} });
    row.payouts += outcome.units.payouts ?? 0;
    row.statuses[outcome.status] = (row.statuses[outcome.status] ?? 0) + 1;
  }
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
  // A stream batch skipped after failing every attempt lost its events: an anomaly of the run.
  const skippedBatches = bench.runtime.streams.stats.failedBatches;
  if (skippedBatches > 0) anomalies.push(`${skippedBatches} stream batch(es) skipped after failing every attempt: their events are lost`);
  // 5xx to the merchant are errors; a webhook answered 503 is the platform asking to be retried later.
  const serverErrors = accessEntries.filter((entry) => entry.status >= 500 && !isWebhook(entry)).length;
  const warmUpServerErrors = bench.access.slice(0, before.accessLogEntries).filter((entry) => entry.status >= 500 && !isWebhook(entry)).length;
  // Acquirer webhooks carry lists of events answered one by one (decision 0054): an event answered `retry` inside
  // a 200 is the same request to be retried later, counted by the acquirers' own attempts for the window's events.
  let acquirerEventResends = 0;
  for (const channel of bench.runtime.cardChannels) {
    const events = await bench.simulator<{ data: { created_at: string; attempts: number }[] }>(channel, 'GET', '/__simulator/events');
    for (const event of events.data) if (Date.parse(event.created_at) >= windowStartedAt) acquirerEventResends += Math.max(0, event.attempts - 1);
  }
  const webhookRetryAnswers = accessEntries.filter((entry) => entry.status >= 300 && isWebhook(entry)).length + acquirerEventResends;

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

  // The hot merchant: units per partition key value over the window, by the runs that touched each
  // (bench/lib/hot-partitions.ts). Runs alternate merchants by sequence; each run is one payment.
  const paymentsByMerchant: Record<string, number> = {};
  outcomes.forEach((outcome, sequence) => {
    const { id } = merchantOf(runtime.merchants, sequence);
    paymentsByMerchant[id] = (paymentsByMerchant[id] ?? 0) + outcome.units.payments;
  });
  const oneMerchant = oneMerchantCeiling({
    requests: attributeRequests(
      recorded.filter((request) => request.partitions.length),
      bench.tracker.invocationSubjects,
      outcomes.map((outcome, sequence) => ({ ...outcome, sequence })),
    ),
    payments,
    paymentsByMerchant,
  });

  const loadedPayment = scaleCeilings(ceilingInputPer(byKind.payment, payments), prices);
  const ceilings = {
    ...scaleCeilings(ceilingInputPer(byKind.payment, payments, serviceTimesMs), prices),
    payouts: payouts > 0 ? scaleCeilingsPer('payout', ceilingInputPer(byKind.payout, payouts, serviceTimesMs), prices) : null,
    mix: payments > 0 ? mixCeilings(ceilingInputPer(whole, payments, serviceTimesMs), prices, { payouts: payouts / payments, conversions: conversions / payments }) : null,
    one_merchant: oneMerchant,
    // What Lambda concurrency rests on: service times from the sequential calibration (per function; the
    // loaded mean where a function did not run in it), and the same ceilings at the loaded durations.
    durations: {
      basis: 'sequential_calibration',
      calibration_runs: options.calibrationRuns,
      service_time_ms: serviceTimesMs,
      loaded_mean_ms: meanDurationMs,
      at_loaded_durations: { binding_aws_quota: loadedPayment.binding_aws_quota, binding_overall: loadedPayment.binding_overall },
    },
  };

  const totalsOf = (counts: WindowCounts) => {
    const billable = billableCountsPer(counts, 1);
    return {
      api_requests: billable.apiRequests,
      lambda_invocations: billable.lambdaInvocations,
      lambda_billed_ms: sum(counts.billedMs as Record<string, number>),
      step_functions_transitions: sum(counts.transitions as Record<string, number>),
      step_functions_transitions_modeled_after_window: sum(counts.modeledTransitions as Record<string, number>),
      step_functions_executions_started: sum(counts.executionsStarted as Record<string, number>),
      dynamodb_write_units: billable.dynamoDbTableWriteUnits + billable.dynamoDbRefusedWriteUnits + billable.dynamoDbCancelledTransactionWriteUnits + billable.dynamoDbIndexWriteUnits,
      dynamodb_read_units: billable.dynamoDbReadUnits,
      dynamodb_requests: Object.values(counts.dynamoDb).reduce((total, usage) => total + sum(usage.requests), 0),
      kms_requests: billable.kmsRequests,
      sqs_requests: billable.sqsRequests,
      log_bytes: logTotals(counts).bytes,
    };
  };

  // A run that misbehaved fails (bench/lib/verdict.ts); its report is still written.
  const failures = runFailures({
    anomalies: anomalies.length,
    warmUpAnomalies: warmUpAnomalies.length,
    serverErrors,
    warmUpServerErrors,
    settled,
    warmUpSettled,
    ledgerDifferences: ledger.length,
    untrackedInvocations: Object.values(untrackedInvocations).reduce((total, value) => total + Math.abs(value), 0),
    webhooksMissed: webhooks.missed_events + webhooks.listing_errors,
    webhooksUnverified: webhooks.window.unverified,
  });

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
      e2e_ms_by_entry: e2eByEntry,
      api_latency_ms: latencyByOperation,
      outcomes: outcomeTable,
      anomalies: anomalies.length,
      anomaly_samples: anomalies.slice(0, 20),
      server_errors: serverErrors,
      webhook_retry_answers: webhookRetryAnswers,
      lambda_errors: errors,
      settled: settled,
      settle_seconds: settleSeconds,
      warm_up_anomalies: warmUpAnomalies,
      warm_up_server_errors: warmUpServerErrors,
      ledger: { verified_after_window: true, differences: ledger.length, difference_samples: ledger.slice(0, 20) },
      passed: failures.length === 0,
      failures,
      conversions,
      payouts,
      conversions_per_second: conversionWindowSeconds > 0 ? conversions / conversionWindowSeconds : 0,
      payouts_per_second: payoutWindowSeconds > 0 ? payouts / payoutWindowSeconds : 0,
      conversion_e2e_ms: summarizeLatencies(conversionRuns.map((outcome) => (outcome.conversionEndedAt as number) - (outcome.conversionSentAt as number))),
      payout_e2e_ms: summarizeLatencies(payoutRuns.map((outcome) => (outcome.payoutTerminalAt as number) - (outcome.payoutSentAt as number))),
      payouts_by_destination: payoutsByDestination,
      cpu_use: windowCpu,
    },
    per_payment: perUnitBlock(byKind.payment, payments),
    per_payout: perUnitBlock(byKind.payout, payouts),
    per_conversion: perUnitBlock(byKind.conversion, conversions),
    totals: {
      payments,
      api_requests: accessEntries.length,
      lambda_invocations: invocations,
      lambda_billed_ms: billedMs,
      step_functions_transitions: transitions,
      step_functions_executions_started: started,
      dynamodb: platformDynamoDb,
      // Uncounted reads the proxy made to size the window's requests by AWS's rules (its own load on DynamoDB Local).
      dynamodb_metering_shadow_requests: after.dynamoDbShadowRequests - before.dynamoDbShadowRequests,
      kms_requests: kms,
      sqs_requests: sqsRequests,
      conversions,
      payouts,
    },
    attribution: {
      header: OPERATION_HEADER,
      workflows: WORKFLOW_OPERATION,
      state_machines: stateMachineKeys,
      units: unitsOf,
      residual: 'counts no rule attributes (unattributed) are carried by the payments, as before treasury traffic existed',
      unattributed_carried_by_payments: totalsOf(byCause.unattributed),
      totals_by_operation: Object.fromEntries(OPERATION_KINDS.map((kind) => [kind, totalsOf(byKind[kind])])),
      totals_all: totalsOf(whole),
      untracked_invocations: untrackedInvocations,
      dynamodb_requests_by_function: {
        per: 'payment',
        note: 'every DynamoDB request of the window (payouts and conversions included) by the function that made it ((none): outside any invocation), as `<table> <operation>` (a transaction over two tables counts in each), divided by the payments; --census writes the rows with their units',
        by_function: requestsByFunction,
      },
    },
    log_volume: {
      sources: logSources,
      step_functions: stepFunctionsLogs,
      bytes_per_payment: paymentCounts.logBytes,
      events_per_payment: paymentCounts.logEvents,
      other_local_output_lines: capture.other.events,
      by_operation: Object.fromEntries(OPERATION_KINDS.map((kind) => [kind, byKind[kind].logs])),
    },
    cost,
    cost_payouts: costPayouts,
    cost_conversions: costConversions,
    webhooks,
    prices: { file: 'bench/prices.json', ...prices },
    ceiling,
    cold_start: coldStart,
    scale_ceiling: ceilings,
    // Issue 17's "routing and risk add at most 10 ms p50 to a payment": the Screen step's decision measured
    // directly (bench/lib/screening-timer.ts), one at a time (calibration) and under the run's load.
    routing_and_risk_ms: {
      measures: 'Screen step, from the payment read to the decision made: rule sets, velocity counters, channel health, risk assessment and route (not the screening write, which a payment needs without them)',
      target_p50_ms: 10,
      sequential: summarizeLatencies(calibrationDecisionsMs),
      under_load: summarizeLatencies(windowDecisionsMs),
    },
    left_out: [
      'X-Ray traces (tracing is on for API Gateway, Lambda and Step Functions; the bill depends on the sampling rule)',
      'WAF web ACL and rule monthly fees, CloudWatch custom-metric and alarm fees, KMS key monthly fees (fixed per month, not per payment)',
      'DynamoDB storage, backups (PITR) and cross-region replication data transfer; CloudWatch Logs storage',
      'Secrets Manager requests (secrets are read once per cold start)',
      'The saga-start sweeper (an EventBridge schedule every 5 minutes per region, docs/decisions/0010-saga-start-sweeper.md): a cost per unit of time, not per payment; off during the bench',
      'API Gateway authorizer caching (30 s per key in AWS) would remove most authorizeMerchant invocations: counted as measured locally',
      'Payout rails: Keystone\'s and Pulse\'s callbacks are counted as API Gateway and WAF requests (POST /v1/rail_events/{channel}, as in AWS); Meridian\'s files are read by the local bridge every 200 ms, where AWS runs pullPayoutRailInbox once a minute (a cost per unit of time: its invocations are not counted, the rail-events invocation per file is); the rails\' own fees are not AWS costs',
      "SQS: Lambda's long polls of the delivery queue while it is idle (a cost per unit of time, not per payment)",
      'Beneficiaries are created once per merchant and account before the window (a merchant\'s one-time setup): not in per_payout',
    ],
  };

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${values.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${values.name}.md`), benchSummary(report));
  writeFileSync(join(outDir, `${values.name}.output.log`), `${capture.otherSample.join('\n')}\n`);
  if (values.census) {
    writeFileSync(join(outDir, `${values.name}.census.json`), `${JSON.stringify({ units: { payments, payouts, conversions }, rows: census }, null, 1)}\n`);
  }
  say(benchSummary(report));
  say(`bench: wrote ${join(outDir, `${values.name}.json`)} and ${values.name}.md`);
  if (failures.length) {
    say(`bench: FAILED: ${failures.join('; ')}${values.lenient ? ' (--lenient: exit 0)' : ''}`);
    if (!values.lenient) exitCode = 1;
  }
} catch (error) {
  say(`bench failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 2;
} finally {
  await bench.stop().catch(() => undefined);
  capture.restore();
}
process.exit(exitCode);
