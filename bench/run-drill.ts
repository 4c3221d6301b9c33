// First: before any module loads the Powertools tracer (local/tracing-off.ts).
import '../local/tracing-off';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cardChannelNames, channelEnvPrefix } from '../platform/channels';
import { acquirerOutageDrill } from './drills/acquirer-outage';
import { channelFaultsDrill } from './drills/channel-faults';
import type { DrillResult } from './drills/common';
import { crashDrill } from './drills/crash';
import { duplicateStormDrill } from './drills/duplicate-storm';
import { dynamoDbThrottleDrill } from './drills/dynamodb-throttle';
import { expressCrashDrill } from './drills/express-crash';
import { lateRetryDrill } from './drills/late-retry';
import { adversarialWebhooksDrill } from './drills/adversarial-webhooks';
import { malformedInputDrill } from './drills/malformed-input';
import { payoutCrashDrill } from './drills/payout-crash';
import { payoutStormDrill } from './drills/payouts';
import { railAmbiguityDrill } from './drills/rail-ambiguity';
import { regionLossDrill } from './drills/region-loss';
import { reconciliationDrill } from './drills/reconciliation';
import { webhookDeliveryDrill } from './drills/webhook-delivery';
import { captureProcessOutput, say } from './lib/log-volume';
import { startBenchPlatform } from './lib/platform';
import { drillSummary } from './lib/summary';

/**
 * `npm run drill`: reliability drills against the local runtime. Each prints its counts; the report goes
 * to bench/results/drill.json (and drill.md). Exit 1 when any drill finds a violation: something lost,
 * duplicated, a 5xx, or a broken invariant. docs/benchmarks.md describes each drill and its options.
 *
 * `--seed N` seeds every drill's randomness (generated requests, amounts, kill moments, fault draws);
 * `--seeds N` runs every selected drill over the N seeds from `--seed` on, each seed in a process of its
 * own (a fresh platform: the handler modules hold their clients for the life of a process), keeps each
 * seed's report (`<name>-seed-<N>.json`), and reports the seeds that failed (`failing_seeds`);
 * `drills.<name>` then sums the seeds' figures and keeps each seed's counts.
 */
const DRILLS = ['malformed_input', 'acquirer_outage', 'duplicate_storm', 'payout_storm', 'rail_ambiguity', 'late_retry', 'adversarial_webhooks', 'dynamodb_throttle', 'channel_faults', 'webhook_delivery', 'reconciliation', 'crash', 'express_crash', 'payout_crash', 'region_loss'] as const;
type DrillName = (typeof DRILLS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    'malformed-requests': { type: 'string', default: '1000' },
    'storm-keys': { type: 'string', default: '40' },
    'storm-clients': { type: 'string', default: '8' },
    'storm-wave': { type: 'string', default: '4' },
    'payout-storm-keys': { type: 'string', default: '12' },
    'ambiguity-payouts': { type: 'string', default: '14' },
    'payout-crash-payouts': { type: 'string', default: '10' },
    'late-retry-rounds': { type: 'string', default: '3' },
    'adversarial-payments': { type: 'string', default: '12' },
    'adversarial-delay-seconds': { type: 'string', default: '5' },
    'throttle-payments': { type: 'string', default: '24' },
    'throttle-rate': { type: 'string', default: '0.3' },
    'throttle-seconds': { type: 'string', default: '30' },
    'rail-timeout-ms': { type: 'string', default: '1500' },
    'fault-payments': { type: 'string', default: '60' },
    'fault-error-rate': { type: 'string', default: '0.15' },
    'fault-timeout-rate': { type: 'string', default: '0.05' },
    'channel-timeout-ms': { type: 'string', default: '2500' },
    'outage-healthy-seconds': { type: 'string', default: '6' },
    'outage-seconds': { type: 'string', default: '15' },
    'outage-recovery-seconds': { type: 'string', default: '30' },
    'outage-pairs-in-flight': { type: 'string', default: '2' },
    'outage-error-rate': { type: 'string', default: '0.8' },
    'outage-timeout-rate': { type: 'string', default: '1' },
    'outage-exploration-payments': { type: 'string', default: '150' },
    'crash-payments': { type: 'string', default: '40' },
    'region-loss-payments': { type: 'string', default: '30' },
    'region-loss-replication-lag-ms': { type: 'string', default: '1000' },
    'crash-kills': { type: 'string', default: '3' },
    'express-crash-payments': { type: 'string', default: '24' },
    'express-crash-kill-when-in-flight': { type: 'string', default: '8' },
    'express-crash-slow-rate': { type: 'string', default: '0.3' },
    'reconciliation-lines': { type: 'string', default: '10000' },
    'reconciliation-breaks': { type: 'string', default: '10' },
    'reconciliation-webhook-share': { type: 'string', default: '0.8' },
    'webhook-payments': { type: 'string', default: '24' },
    'webhook-phase-ms': { type: 'string', default: '2000' },
    'webhook-time-scale': { type: 'string', default: '0.001' },
    out: { type: 'string', default: 'bench/results' },
    name: { type: 'string', default: 'drill' },
    smoke: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const smoke = values.smoke;
const number = (name: keyof typeof values, smokeValue: number): number => {
  const value = smoke ? smokeValue : Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};
const firstSeed = Number(values.seed);
const seedCount = Number(values.seeds);
if (!Number.isSafeInteger(firstSeed) || firstSeed < 0) throw new Error('--seed must be a non-negative integer');
if (!Number.isSafeInteger(seedCount) || seedCount < 1) throw new Error('--seeds must be a positive integer');
const seeds = Array.from({ length: seedCount }, (_, index) => firstSeed + index);
const options = {
  seed: firstSeed,
  seeds: seedCount,
  concurrency: number('concurrency', 4),
  malformedRequests: number('malformed-requests', 150),
  stormKeys: number('storm-keys', 4),
  stormClients: number('storm-clients', 4),
  stormWave: number('storm-wave', 2),
  payoutStormKeys: number('payout-storm-keys', 4),
  ambiguityPayouts: number('ambiguity-payouts', 7),
  payoutCrashPayouts: number('payout-crash-payouts', 5),
  lateRetryRounds: number('late-retry-rounds', 1),
  adversarialPayments: number('adversarial-payments', 4),
  adversarialDelaySeconds: number('adversarial-delay-seconds', 1),
  throttlePayments: number('throttle-payments', 6),
  throttleRate: Number(values['throttle-rate']),
  throttleSeconds: number('throttle-seconds', 8),
  railTimeoutMs: number('rail-timeout-ms', 1500),
  faultPayments: number('fault-payments', 8),
  faultErrorRate: number('fault-error-rate', 0.2),
  faultTimeoutRate: number('fault-timeout-rate', 0.1),
  channelTimeoutMs: number('channel-timeout-ms', 2500),
  outageHealthySeconds: number('outage-healthy-seconds', 2),
  outageSeconds: number('outage-seconds', 10),
  outageRecoverySeconds: number('outage-recovery-seconds', 30),
  outagePairsInFlight: number('outage-pairs-in-flight', 2),
  outageErrorRate: number('outage-error-rate', 0.8),
  outageTimeoutRate: number('outage-timeout-rate', 1),
  outageExplorationPayments: number('outage-exploration-payments', 20),
  crashPayments: number('crash-payments', 6),
  regionLossPayments: number('region-loss-payments', 8),
  regionLossReplicationLagMs: number('region-loss-replication-lag-ms', 1000),
  crashKills: number('crash-kills', 1),
  expressCrashPayments: number('express-crash-payments', 8),
  expressCrashKillWhenInFlight: number('express-crash-kill-when-in-flight', 3),
  expressCrashSlowRate: number('express-crash-slow-rate', 0.3),
  reconciliationLines: number('reconciliation-lines', 300),
  reconciliationBreaks: number('reconciliation-breaks', 2),
  reconciliationWebhookShare: number('reconciliation-webhook-share', 0.8),
  webhookPayments: number('webhook-payments', 8),
  webhookPhaseMs: number('webhook-phase-ms', 1500),
  webhookTimeScale: number('webhook-time-scale', 0.001),
};
if (!(options.webhookTimeScale > 0 && options.webhookTimeScale <= 1)) throw new Error('--webhook-time-scale must be in (0, 1]');
if (!(options.throttleRate >= 0 && options.throttleRate < 1)) throw new Error('--throttle-rate must be in [0, 1)');
// `--smoke` leaves region_loss out unless named (`--only region_loss --smoke`): even at 8 payments it takes about
// 100 s (two runtimes start, the forced move waits out postings for 30 s), too long for a smoke run (decision 0039;
// the ledger difference that kept it out before, decision 0036, is now repaired by the forced move).
const selected = (values.only?.split(',').map((name) => name.trim()) ?? DRILLS.filter((name) => !(values.smoke && name === 'region_loss'))) as DrillName[];
for (const name of selected) if (!DRILLS.includes(name)) throw new Error(`--only: no drill '${name}' (drills: ${DRILLS.join(', ')})`);
const outDir = resolve(values.out);
mkdirSync(outDir, { recursive: true });

// The channel client's timeout is read once by the handlers; set before any of them loads.
for (const channel of cardChannelNames) process.env[`${channelEnvPrefix(channel)}_TIMEOUT_MS`] = String(options.channelTimeoutMs);
// The HTTP payout rails' client timeout (their default is 10 s): the rail ambiguity drill keeps banks silent past it.
for (const rail of ['KEYSTONE', 'PULSE']) process.env[`${rail}_TIMEOUT_MS`] = String(options.railTimeoutMs);

const capture = captureProcessOutput({ echoOther: values.verbose });
const startedAt = new Date();
const loadAtStart = loadavg();
const show = (result: DrillResult) =>
  say(`drill ${result.name}: ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds.toFixed(1)} s; lost ${result.lost}, duplicated ${result.duplicated}, 5xx ${result.server_errors}; ${JSON.stringify(result.counts)}${result.violations.length ? `\n  ${result.violations.slice(0, 10).join('\n  ')}` : ''}`);

/** Every selected drill with one seed: the in-process ones on a fresh platform, then the crash drills. */
const runSeed = async (seed: number, results: Partial<Record<DrillName, DrillResult>>): Promise<void> => {
  const inProcess = selected.filter((name) => name !== 'crash' && name !== 'express_crash' && name !== 'payout_crash' && name !== 'region_loss');
  if (inProcess.length) {
    say(`drill: seed ${seed}: starting the platform in memory for ${inProcess.join(', ')}`);
    // The webhook retry schedule at the drill's time scale: only the webhook_delivery drill registers an endpoint.
    const platform = await startBenchPlatform({ logLevel: 'WARN', webhookTimeScale: options.webhookTimeScale, dynamoDbFaults: selected.includes('dynamodb_throttle') });
    try {
      // Malformed input first, on a quiet platform: it asserts that nothing at all is written while it runs.
      if (selected.includes('malformed_input')) {
        say(`drill malformed_input: ${options.malformedRequests} generated bad requests`);
        show((results.malformed_input = await malformedInputDrill(platform, { requests: options.malformedRequests, seed, concurrency: options.concurrency })));
      }
      // Before the drills that pay with the second merchant: its failover setting is read (and cached 30 s) from its first payment.
      if (selected.includes('acquirer_outage')) {
        say(`drill acquirer_outage: atlas answers ${options.outageErrorRate} errors and ${options.outageTimeoutRate} timeouts for ${options.outageSeconds} s; ${options.outagePairsInFlight} payment pairs in flight, with and without failover`);
        show(
          (results.acquirer_outage = await acquirerOutageDrill(platform, {
            healthySeconds: options.outageHealthySeconds,
            outageSeconds: options.outageSeconds,
            recoverySeconds: options.outageRecoverySeconds,
            pairsInFlight: options.outagePairsInFlight,
            errorRate: options.outageErrorRate,
            timeoutRate: options.outageTimeoutRate,
            explorationPayments: options.outageExplorationPayments,
            seed,
          })),
        );
      }
      if (selected.includes('duplicate_storm')) {
        say(`drill duplicate_storm: ${options.stormKeys} keys × ${options.stormClients} concurrent clients`);
        show((results.duplicate_storm = await duplicateStormDrill(platform, { keys: options.stormKeys, clients: options.stormClients, wave: options.stormWave, seed })));
      }
      if (selected.includes('payout_storm')) {
        say(`drill payout_storm: ${options.payoutStormKeys} payout keys × ${options.stormClients} concurrent clients`);
        show((results.payout_storm = await payoutStormDrill(platform, { keys: options.payoutStormKeys, clients: options.stormClients, wave: options.stormWave, seed })));
      }
      if (selected.includes('rail_ambiguity')) {
        say(`drill rail_ambiguity: ${options.ambiguityPayouts} payouts whose bank takes the payment and loses its answer (${options.railTimeoutMs} ms rail timeout)`);
        show((results.rail_ambiguity = await railAmbiguityDrill(platform, { payouts: options.ambiguityPayouts, concurrency: options.concurrency, seed })));
      }
      if (selected.includes('late_retry')) {
        say(`drill late_retry: ${options.lateRetryRounds} rounds of payments, captures, cancels, refunds, conversions and payouts, retried with their keys at +25 h and +91 days`);
        show((results.late_retry = await lateRetryDrill(platform, { rounds: options.lateRetryRounds, seed })));
      }
      if (selected.includes('adversarial_webhooks')) {
        say(`drill adversarial_webhooks: ${options.adversarialPayments} payments and 2 payouts, then every acquirer and rail notification duplicated, reordered, cloned and delayed (${options.adversarialDelaySeconds} s), validly signed`);
        show((results.adversarial_webhooks = await adversarialWebhooksDrill(platform, { payments: options.adversarialPayments, delaySeconds: options.adversarialDelaySeconds, seed })));
      }
      if (selected.includes('dynamodb_throttle')) {
        say(`drill dynamodb_throttle: ${options.throttlePayments} payments while ${options.throttleRate} of DynamoDB requests are throttled or conflict for ${options.throttleSeconds} s`);
        show(
          (results.dynamodb_throttle = await dynamoDbThrottleDrill(platform, {
            payments: options.throttlePayments,
            rate: options.throttleRate,
            outageSeconds: options.throttleSeconds,
            concurrency: options.concurrency,
            seed,
          })),
        );
      }
      if (selected.includes('channel_faults')) {
        say(`drill channel_faults: ${options.faultPayments} payments, ${options.faultErrorRate} errors and ${options.faultTimeoutRate} timeouts per acquirer request`);
        show(
          (results.channel_faults = await channelFaultsDrill(platform, {
            payments: options.faultPayments,
            concurrency: options.concurrency,
            errorRate: options.faultErrorRate,
            timeoutRate: options.faultTimeoutRate,
            channelTimeoutMs: options.channelTimeoutMs,
            seed,
          })),
        );
      }
      if (selected.includes('webhook_delivery')) {
        say(`drill webhook_delivery: ${options.webhookPayments} payments while the receiver is down, answers 500s, slowly, past the timeout and not at all (${options.webhookPhaseMs} ms each, schedule × ${options.webhookTimeScale})`);
        show(
          (results.webhook_delivery = await webhookDeliveryDrill(platform, {
            payments: options.webhookPayments,
            phaseMs: options.webhookPhaseMs,
            concurrency: options.concurrency,
            timeScale: options.webhookTimeScale,
            seed,
          })),
        );
      }
      if (selected.includes('reconciliation')) {
        say(`drill reconciliation: a settlement report of ${options.reconciliationLines} lines with ${options.reconciliationBreaks} breaks of each kind`);
        show(
          (results.reconciliation = await reconciliationDrill(platform, {
            lines: options.reconciliationLines,
            breaksPerKind: options.reconciliationBreaks,
            webhookShare: options.reconciliationWebhookShare,
            concurrency: 16,
            seed,
          })),
        );
      }
      // A stream batch the events builder failed on ten times is skipped: its events are lost. No drill may
      // leave one (DynamoDB Local's empty maps did, until local/streams.ts put their type back).
      const skipped = platform.runtime.streams.stats.failedBatches;
      if (skipped > 0) {
        for (const name of inProcess) {
          const result = results[name];
          if (result) results[name] = { ...result, passed: false, violations: [...result.violations, `${skipped} stream batch(es) skipped after failing every attempt while the in-process drills ran: their events are lost`] };
        }
      }
    } finally {
      await platform.stop().catch(() => undefined);
    }
  }
  if (selected.includes('crash')) {
    say(`drill crash: ${options.crashPayments} payments, ${options.crashKills} SIGKILLs of the runtime`);
    show(
      (results.crash = await crashDrill({
        payments: options.crashPayments,
        concurrency: options.concurrency,
        kills: options.crashKills,
        seed,
        logCopy: join(outDir, seeds.length > 1 ? `${values.name}-crash-runtime-seed-${seed}.log` : `${values.name}-crash-runtime.log`),
      })),
    );
  }
  if (selected.includes('express_crash')) {
    say(`drill express_crash: ${options.expressCrashPayments} payments, SIGKILL once ${options.expressCrashKillWhenInFlight} are inside their synchronous runs`);
    show(
      (results.express_crash = await expressCrashDrill({
        payments: options.expressCrashPayments,
        seed,
        killWhenInFlight: options.expressCrashKillWhenInFlight,
        slowRate: options.expressCrashSlowRate,
      })),
    );
  }
  if (selected.includes('region_loss')) {
    say(`drill region_loss: ${options.regionLossPayments} payments through the front door of two regions, the primary's runtime and DynamoDB Local SIGKILLed during the batch`);
    show(
      (results.region_loss = await regionLossDrill({
        payments: options.regionLossPayments,
        concurrency: options.concurrency,
        seed,
        replicationLagMs: options.regionLossReplicationLagMs,
        logCopy: join(outDir, seeds.length > 1 ? `${values.name}-region-loss-seed-${seed}.log` : `${values.name}-region-loss.log`),
      })),
    );
  }
  if (selected.includes('payout_crash')) {
    const killWhenStored = Math.max(1, Math.ceil(options.payoutCrashPayouts / 2));
    say(`drill payout_crash: ${options.payoutCrashPayouts} payouts, SIGKILL once ${killWhenStored} are stored and inside their runs`);
    show((results.payout_crash = await payoutCrashDrill({ payouts: options.payoutCrashPayouts, seed, killWhenStored })));
  }
};

interface SeedRun {
  readonly seed: number;
  readonly results: Partial<Record<DrillName, DrillResult>>;
  failure?: unknown;
}

/** One seed in a child process with the same options; its report's drills are the seed's results. */
const runSeedInChild = async (seed: number, run: SeedRun): Promise<void> => {
  const name = `${values.name}-seed-${seed}`;
  const reportFile = join(outDir, `${name}.json`);
  rmSync(reportFile, { force: true });
  const passThrough = Object.entries(values).flatMap(([option, value]) => {
    if (['seed', 'seeds', 'out', 'name'].includes(option) || value === undefined || value === false) return [];
    return value === true ? [`--${option}`] : [`--${option}`, String(value)];
  });
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), ...passThrough, '--seed', String(seed), '--out', outDir, '--name', name];
  const code = await new Promise<number | null>((done) => spawn(process.execPath, args, { stdio: 'inherit' }).on('exit', done));
  if (!existsSync(reportFile)) throw new Error(`the drill process for seed ${seed} exited ${code} without a report`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { verdict: string; drills: Partial<Record<DrillName, DrillResult>> };
  Object.assign(run.results, report.drills);
  if (report.verdict.startsWith('incomplete')) throw new Error(`seed ${seed}: ${report.verdict}`);
};

const seedRuns: SeedRun[] = [];
try {
  for (const seed of seeds) {
    const run: SeedRun = { seed, results: {} };
    seedRuns.push(run);
    try {
      await (seeds.length > 1 ? runSeedInChild(seed, run) : runSeed(seed, run.results));
    } catch (error) {
      run.failure = error;
      say(`drill: seed ${seed} failed: ${(error as Error).stack ?? String(error)}`);
    }
    const passed = run.failure === undefined && selected.every((name) => run.results[name]?.passed);
    if (seeds.length > 1) say(`drill: seed ${seed} ${passed ? 'passed' : 'FAILED'}`);
  }
} finally {
  capture.restore();
}

const seedPassed = (run: SeedRun) => run.failure === undefined && selected.every((name) => run.results[name]?.passed === true);
const failingSeeds = seedRuns.filter((run) => !seedPassed(run)).map((run) => run.seed);
const failure = seedRuns.find((run) => run.failure !== undefined)?.failure;

/** One seed: its results as they are. Several: per drill, the seeds' figures summed, each seed's counts kept. */
const combine = (name: DrillName): DrillResult | undefined => {
  const perSeed = seedRuns.flatMap((run) => (run.results[name] ? [{ seed: run.seed, result: run.results[name] as DrillResult }] : []));
  if (perSeed.length === 0) return undefined;
  if (seeds.length === 1) return perSeed[0]?.result;
  const sum = (field: 'lost' | 'duplicated' | 'server_errors' | 'seconds') => perSeed.reduce((total, { result }) => total + result[field], 0);
  return {
    name,
    passed: perSeed.length === seeds.length && perSeed.every(({ result }) => result.passed),
    lost: sum('lost'),
    duplicated: sum('duplicated'),
    server_errors: sum('server_errors'),
    counts: {
      seeds: perSeed.map(({ seed }) => seed),
      failing_seeds: perSeed.filter(({ result }) => !result.passed).map(({ seed }) => seed),
      per_seed: Object.fromEntries(perSeed.map(({ seed, result }) => [seed, { passed: result.passed, lost: result.lost, duplicated: result.duplicated, server_errors: result.server_errors, seconds: result.seconds, ...result.counts }])),
    },
    violations: perSeed.flatMap(({ seed, result }) => result.violations.map((violation) => `seed ${seed}: ${violation}`)),
    seconds: sum('seconds'),
  };
};
const results: Partial<Record<DrillName, DrillResult>> = {};
for (const name of selected) {
  const combined = combine(name);
  if (combined) results[name] = combined;
}

const drills = Object.values(results) as DrillResult[];
const lost = drills.reduce((sum, drill) => sum + drill.lost, 0);
const duplicated = drills.reduce((sum, drill) => sum + drill.duplicated, 0);
const serverErrors = drills.reduce((sum, drill) => sum + drill.server_errors, 0);
const violations = drills.reduce((sum, drill) => sum + drill.violations.length, 0);
const complete = failure === undefined && seedRuns.every((run) => selected.every((name) => run.results[name] !== undefined));
const clean = complete && drills.every((drill) => drill.passed) && failingSeeds.length === 0;
const report = {
  schema: 'xborder-drill/1',
  generated_at: startedAt.toISOString(),
  machine: { cpus: cpus().length, node: process.version, load_average_at_start: loadAtStart.map((value) => Number(value.toFixed(2))) },
  options: { ...options, smoke, drills: selected },
  seeds,
  failing_seeds: failingSeeds,
  verdict: clean ? 'zero lost, zero duplicated, zero 5xx' : complete ? 'violations found' : `incomplete: ${(failure as Error | undefined)?.message ?? 'a drill did not run'}`,
  passed: clean,
  zero_lost: lost === 0,
  zero_duplicated: duplicated === 0,
  zero_5xx: serverErrors === 0,
  lost,
  duplicated,
  server_errors: serverErrors,
  violations,
  drills: results,
};
writeFileSync(join(outDir, `${values.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, `${values.name}.md`), drillSummary(report));
if (seeds.length > 1) say(`drill: ${seeds.length} seeds (${seeds[0]}-${seeds.at(-1)}): ${failingSeeds.length ? `failing seeds ${failingSeeds.join(', ')}` : 'every seed passed'}`);
say(`drill: ${report.verdict}; wrote ${join(outDir, `${values.name}.json`)}`);
process.exit(clean ? 0 : 1);
