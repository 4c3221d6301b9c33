import { randomUUID } from 'node:crypto';
import { homeShard } from '../lambdas/domain/ledger/balances';

/**
 * How evenly one merchant's payments spread over its balance partitions, and what that does to the bench's
 * one-merchant ceiling (docs/decisions/0021-in-flight-sweep-over-list-indexes.md, "Balance partitions").
 * A model, not a measurement: each payment puts UNITS write units on the partition of its home shard (the
 * platform's own `homeShard` of a random payment id over 32 shards, partition = shard mod P), and the bench's
 * ceiling is 1,000 write units/s over the busiest partition's units per payment.
 * Usage: npx tsx scripts/balance-partition-spread.ts [units per payment, default 5.71: the default bench on main]
 */
const UNITS = Number(process.argv[2] ?? '5.71');
const SHARDS = 32;
const TRIALS = 400;

for (const payments of [200, 1_000, 60_000]) {
  for (const partitions of [8, 16]) {
    const ceilings: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const load = new Array<number>(partitions).fill(0);
      for (let index = 0; index < payments; index += 1) {
        const partition = homeShard(`pay_${randomUUID()}`, SHARDS) % partitions;
        load[partition] = (load[partition] ?? 0) + UNITS / payments;
      }
      ceilings.push(1000 / Math.max(...load));
    }
    ceilings.sort((a, b) => a - b);
    const at = (quantile: number) => Math.round(ceilings[Math.floor(quantile * TRIALS)] ?? 0);
    console.log(JSON.stringify({ payments, partitions, p5: at(0.05), median: at(0.5), even: Math.round((1000 * partitions) / UNITS) }));
  }
}
