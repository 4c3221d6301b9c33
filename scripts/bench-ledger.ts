import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerStore } from '../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../lambdas/adapters/dynamodb/ledger-verifier';
import { ACCOUNT_TYPES, type AccountType } from '../lambdas/domain/ledger/accounts';
import type { ShardCounts } from '../lambdas/domain/ledger/balances';
import type { Pricing } from '../lambdas/domain/ledger/fees';
import { type CapturePostingDeps, postPaymentCaptured, postSettlement } from '../lambdas/use-cases/ledger/postings';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startTransactionConflictProxy } from '../local/faults/dynamodb-transaction-conflicts';
import { ensureTables } from '../local/tables';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * `npm run bench:ledger`: postings per second to ONE merchant vs spread over many merchants, at the same
 * concurrency, in one run against its own DynamoDB Local (docs/decisions/0003-ledger-hot-accounts.md).
 *
 * DynamoDB Local serializes every request and never raises TransactionConflict, so on its own it would
 * make a hot item look free. Every scenario therefore goes through the transaction-conflict proxy
 * (local/faults/dynamodb-transaction-conflicts.ts), which cancels a transaction touching an item that
 * another in-flight transaction holds, as DynamoDB does. Each worker loops: capture a new payment, and
 * every third time settle it (a decrease of the non-negative pending account: read, plan, guarded write).
 *
 * Scenarios (each runs --seconds, after a short warm-up):
 *   spread              --merchants merchants, declared shard counts
 *   one merchant        the same load on one merchant, declared shard counts   → ratio to spread
 *   one merchant, 1 shard   every account one item (the naive design), for reference
 * Options: --concurrency 16  --seconds 8 (per scenario, split over --rounds 2 interleaved rounds)
 *          --merchants 64  --out bench/results/ledger.json
 */
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    merchants: { type: 'string', default: '64' },
    out: { type: 'string', default: 'bench/results/ledger.json' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const merchantCount = Number(values.merchants);
const rounds = Number(values.rounds);

interface ScenarioResult {
  readonly name: string;
  readonly merchants: number;
  readonly shards: string;
  readonly postings: number;
  readonly seconds: number;
  readonly postingsPerSecond: number;
  readonly failedPostings: number;
  readonly transactionConflicts: number;
  readonly meanAttemptsPerPosting: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly verifierDifferences: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const PRICING: Pricing = { percentBps: 290, fixed: { USD: 30 } };

const main = async (): Promise<void> => {
  const dynamoDb = await startDynamoDbLocal({ sharedDb: false });
  const proxy = await startTransactionConflictProxy(dynamoDb.endpoint);
  const results: ScenarioResult[] = [];
  let scenarioIndex = 0;

  interface Measurement {
    latencies: number[];
    attempts: number;
    failed: number;
    conflicts: number;
    elapsed: number;
    differences: number;
  }

  /** One slice of a scenario on a fresh namespace (DynamoDB Local keeps one database per access key). */
  const measure = async (merchants: number, shardCounts: ShardCounts, durationSeconds: number): Promise<Measurement> => {
    scenarioIndex += 1;
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: deployment.primaryRegion,
      credentials: { accessKeyId: `BENCH${scenarioIndex}${Date.now()}`, secretAccessKey: 'bench' },
      maxAttempts: 5,
    });
    await ensureTables(client, ['ledger']);
    const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const ledger = new DynamoDbLedgerStore(documentClient, tableName('ledger'), shardCounts);
    const deps: CapturePostingDeps = {
      ledger,
      pricing: { getPricing: async () => PRICING, putPricing: async () => undefined },
      region: deployment.primaryRegion,
      primaryRegion: deployment.primaryRegion,
      now: () => new Date(),
      shardCounts,
    };
    const conflictsBefore = proxy.counts.conflicts;
    const measurement: Measurement = { latencies: [], attempts: 0, failed: 0, conflicts: 0, elapsed: 0, differences: 0 };
    const deadline = performance.now() + durationSeconds * 1000;
    const started = performance.now();

    const worker = async (workerIndex: number) => {
      for (let sequence = 0; performance.now() < deadline; sequence += 1) {
        const merchantId = `mer_bench${(workerIndex * 7919 + sequence) % merchants}`;
        const paymentId = `pay_w${workerIndex}s${sequence}`;
        const postings: (() => Promise<{ attempts: number }>)[] = [
          () => postPaymentCaptured(deps, { merchantId, paymentId, channel: 'acq_bench', currency: 'USD', amount: 1_000 + (sequence % 977), authorizedAmount: 2_000 }),
        ];
        if (sequence % 3 === 2) postings.push(() => postSettlement(deps, { merchantId, paymentId, settlementId: 'stl_1' }));
        for (const post of postings) {
          const begin = performance.now();
          try {
            const result = await post();
            measurement.attempts += result.attempts;
            measurement.latencies.push(performance.now() - begin);
          } catch (error) {
            measurement.failed += 1;
            if (!(error instanceof Error) || error.name !== 'LedgerContentionError') throw error;
            break; // a capture that gave up has nothing to settle
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
    measurement.elapsed = (performance.now() - started) / 1000;
    measurement.conflicts = proxy.counts.conflicts - conflictsBefore;
    measurement.differences = (await verifyLedger(documentClient, tableName('ledger'))).differences.length;
    client.destroy();
    return measurement;
  };

  const summarize = (name: string, merchants: number, shardCounts: ShardCounts, slices: readonly Measurement[]): ScenarioResult => {
    const latencies = slices.flatMap((slice) => slice.latencies).sort((a, b) => a - b);
    const elapsed = slices.reduce((sum, slice) => sum + slice.elapsed, 0);
    const attempts = slices.reduce((sum, slice) => sum + slice.attempts, 0);
    return {
      name,
      merchants,
      shards: Object.keys(shardCounts).length === 0 ? 'declared' : 'all 1',
      postings: latencies.length,
      seconds: Number(elapsed.toFixed(2)),
      postingsPerSecond: Number((latencies.length / elapsed).toFixed(1)),
      failedPostings: slices.reduce((sum, slice) => sum + slice.failed, 0),
      transactionConflicts: slices.reduce((sum, slice) => sum + slice.conflicts, 0),
      meanAttemptsPerPosting: Number((attempts / Math.max(1, latencies.length)).toFixed(2)),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      verifierDifferences: slices.reduce((sum, slice) => sum + slice.differences, 0),
    };
  };

  try {
    console.log(`Ledger benchmark: concurrency ${concurrency}, ${seconds}s per scenario, DynamoDB Local ${dynamoDb.endpoint} behind the transaction-conflict proxy`);
    await measure(merchantCount, {}, Math.min(2, seconds));
    const unsharded = Object.fromEntries(ACCOUNT_TYPES.map((type: AccountType) => [type, 1])) as ShardCounts;
    const scenarios = [
      { name: `spread (${merchantCount} merchants)`, merchants: merchantCount, shardCounts: {} },
      { name: 'one merchant', merchants: 1, shardCounts: {} },
      { name: 'one merchant, 1 shard', merchants: 1, shardCounts: unsharded },
    ];
    // Interleaved rounds, so background load on a shared machine falls on every scenario alike.
    const slices = scenarios.map(() => [] as Measurement[]);
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, scenario] of scenarios.entries()) slices[index]?.push(await measure(scenario.merchants, scenario.shardCounts, seconds / rounds));
    }
    for (const [index, scenario] of scenarios.entries()) {
      const result = summarize(scenario.name, scenario.merchants, scenario.shardCounts, slices[index] ?? []);
      results.push(result);
      console.log(
        `${result.name.padEnd(24)} ${String(result.postingsPerSecond).padStart(7)} postings/s  (${result.postings} in ${result.seconds}s, ` +
          `${result.transactionConflicts} conflicts, ${result.meanAttemptsPerPosting} attempts/posting, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `${result.failedPostings} gave up, verifier: ${result.verifierDifferences} differences)`,
      );
    }

    const [spread, hot, naive] = results;
    const ratio = spread && hot ? Number((hot.postingsPerSecond / spread.postingsPerSecond).toFixed(2)) : null;
    const naiveRatio = spread && naive ? Number((naive.postingsPerSecond / spread.postingsPerSecond).toFixed(2)) : null;
    console.log(`\nOne merchant / spread: ${ratio} (sharded), ${naiveRatio} (one item per account)`);
    const out = resolve(values.out);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          benchmark: 'ledger hot accounts',
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, node: process.version },
          config: { concurrency, secondsPerScenario: seconds, rounds, merchants: merchantCount, workload: 'capture; every third payment also settled', conflictEmulation: true },
          scenarios: results,
          ratioOneMerchantToSpread: ratio,
          ratioOneMerchantUnshardedToSpread: naiveRatio,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`Written to ${out}`);
    if (results.some((result) => result.verifierDifferences > 0)) process.exitCode = 1;
  } finally {
    await proxy.stop();
    await dynamoDb.stop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
