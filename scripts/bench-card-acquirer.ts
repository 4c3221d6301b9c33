import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpCardChannel } from '../lambdas/adapters/channels/http-card-acquirer';
import { ACQUIRER_PROFILES } from '../local/simulators/card-acquirer/profiles';
import { startCardAcquirer } from '../local/simulators/card-acquirer/server';

/**
 * Throughput and latency of a simulated acquirer through the HTTP adapter, with no simulated latency,
 * so the figures are the simulator's own cost (HTTP, JSON, rules, fsync'd ledger).
 *   npx tsx scripts/bench-card-acquirer.ts [authorizations=2000] [concurrency=16]
 */
const total = Number(process.argv[2] ?? 2_000);
const concurrency = Number(process.argv[3] ?? 16);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const run = async (label: string, directory: string | undefined, parallel: number) => {
  const acquirer = await startCardAcquirer({ name: 'atlas', apiKey: 'bench', ...ACQUIRER_PROFILES.atlas, latency: { kind: 'none' }, directory });
  const channel = createHttpCardChannel({ channel: 'atlas', baseUrl: acquirer.url, apiKey: 'bench', timeoutMs: 10_000 });
  const durations: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const index = (next += 1);
      const began = performance.now();
      await channel.authorize({
        idempotencyKey: `bench-${label}-${index}`,
        amount: 1_000 + index,
        currency: 'USD',
        card: { number: '4242424242424242', expMonth: 12, expYear: 2031 },
        merchantReference: 'mer_bench',
        paymentReference: `pay_bench_${index}`,
        captureMethod: 'manual',
      });
      durations.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const seconds = (performance.now() - started) / 1000;
  await acquirer.stop();
  durations.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(28)} ${String(parallel).padStart(2)} in flight: ${(total / seconds).toFixed(0).padStart(5)} authorizations/s, p50 ${percentile(durations, 50).toFixed(1)} ms, p99 ${percentile(durations, 99).toFixed(1)} ms`,
  );
};

const directory = mkdtempSync(join(tmpdir(), 'bench-acquirer-'));
try {
  await run('ledger in memory', undefined, 1);
  await run('ledger on disk (fsync)', join(directory, 'a'), 1);
  await run('ledger in memory', undefined, concurrency);
  await run('ledger on disk (group fsync)', join(directory, 'b'), concurrency);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
