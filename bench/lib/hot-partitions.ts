import { idShapes } from '../../lambdas/domain/ids';
import { type InvocationSubject, idTokensOf } from './attribution';
import type { PartitionCharge } from './capacity-metering';

/**
 * The hot merchant: how many payments a second one merchant can make in one region before a single
 * partition key value throttles it (issue 12, item 3). Built from what the run did, not from a model of
 * today's keys: the counting proxy tells the units every request consumed per partition key value of a
 * table or of a GSI (bench/lib/capacity-metering.ts), and which function invocation made it; the tracker
 * tells which mix run each invocation served (bench/lib/attribution.ts). So when the data layout changes,
 * the figure follows it.
 *
 * 1. Over the measured window, the units per partition key value (table or index), and the runs (each run
 *    creates one payment) that touched it.
 * 2. A partition key value touched by one payment only (its own items: the payment, its idempotency record,
 *    its ledger transaction) does not limit a merchant: its load does not grow with the merchant's rate.
 *    Every other one is shared: *merchant-scoped* when it names a merchant id (`idShapes.merchant`: a list
 *    index shard `mer_…#payment#2`, a balance partition `bal#mer_…#3`, a statement index shard, an audit
 *    chain), *platform-scoped* otherwise (saga-start marker shards, card velocity counters): every merchant
 *    in the region shares it.
 * 3. Units per payment: of that merchant's payments for a merchant-scoped value, of all the window's
 *    payments for a platform-scoped one (one merchant doing all of the region's traffic meets it the same).
 *    Each value's ceiling is 1,000 ÷ write units per payment and 3,000 ÷ read units per payment; the
 *    merchant's ceiling is the lowest of them all.
 *
 * Pure: run-bench.ts collects the requests and the runs, the unit test checks the arithmetic.
 */
export const PARTITION_WRITE_UNITS_PER_SECOND = 1000;
export const PARTITION_READ_UNITS_PER_SECOND = 3000;
const TOP = 10;

const SOURCES = {
  partition_limits: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html',
  hot_partitions: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html',
  burst_and_adaptive_capacity: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html',
  split_for_heat: 'https://aws.amazon.com/blogs/database/part-3-scaling-dynamodb-how-partitions-hot-keys-and-split-for-heat-impact-performance/',
} as const;

export const ONE_MERCHANT_NOTE =
  'Per region, one merchant doing the whole mix. Each partition key value of a table or GSI is taken as one partition at its maximum, 1,000 write and 3,000 read units a second, reads and writes throttled apart (' +
  `${SOURCES.partition_limits}; ${SOURCES.hot_partitions}): what adaptive capacity gives a hot key at best, by isolating it on a partition of its own, and never more (${SOURCES.burst_and_adaptive_capacity}). ` +
  `Burst capacity (up to 300 s of unused capacity, best effort, may be spent on maintenance) is ignored: the figures are sustained rates. Split for heat can divide one key value's items between partitions by sort key, but not usefully when writes go to an ever-increasing sort key (a list index ordered by creation time, an audit chain's sequence): every new write lands on the last partition (${SOURCES.split_for_heat}); the model never counts on it, so it is pessimistic only for a key value whose load spreads over many sort keys. ` +
  'Scans are not charged to a partition (none on the payment path). Replicated writes from the other region land on the same key values there and are not added: the figure is for a merchant served in one region. Card velocity counters are platform-scoped by the rule, but their load follows one card: the bench pays with a card per run (bench/lib/mix.ts playerCardNumber), as players do. Units come from the window: all of the mix (payouts and conversions with their own funding payments), per payment of the mix.';

/** What one request consumed, per partition key value, and the runs it served (`run:<sequence>`; `invocation:<id>` when no run is known). */
export interface PartitionRequest {
  readonly partitions: readonly PartitionCharge[];
  readonly touchers: readonly string[];
}

export interface OneMerchantInput {
  readonly requests: readonly PartitionRequest[];
  /** Payments created in the window, and per merchant id. */
  readonly payments: number;
  readonly paymentsByMerchant: Readonly<Record<string, number>>;
}

export type PartitionScope = 'merchant' | 'platform';

export interface PartitionCeiling {
  readonly table: string;
  /** The GSI, or null for the table itself. */
  readonly index: string | null;
  /** The partition key value, the merchant id replaced by `<merchant>`. */
  readonly partition: string;
  readonly scope: PartitionScope;
  /** Runs (payments) that touched it in the window; for a merchant-scoped value, the merchant's. */
  readonly payments_touching: number;
  /** Units per payment: of the merchant's payments (merchant-scoped) or of all payments (platform-scoped). */
  readonly write_units_per_payment: number;
  readonly read_units_per_payment: number;
  /** 1,000 ÷ write units, 3,000 ÷ read units per payment (null when it takes none). */
  readonly write_payments_per_second: number | null;
  readonly read_payments_per_second: number | null;
  /** The lower of the two, which one it is, and its units per payment. */
  readonly payments_per_second: number;
  readonly limited_by: 'write' | 'read';
  readonly units_per_payment: number;
}

export interface OneMerchantCeiling {
  /** The lowest partition ceiling: what one merchant can do per region. Null when nothing shared was touched. */
  readonly payments_per_second: number | null;
  readonly binding: PartitionCeiling | null;
  /** The lowest ceilings, lowest first (one row per table, index and partition template). */
  readonly top: readonly PartitionCeiling[];
  readonly limits: { readonly write_units_per_second: number; readonly read_units_per_second: number };
  readonly payments: number;
  readonly payments_by_merchant: Readonly<Record<string, number>>;
  readonly counts: {
    readonly partition_values: number;
    readonly shared: number;
    readonly merchant_scoped: number;
    readonly platform_scoped: number;
    /** Touched by one payment only: left out. */
    readonly single_payment: number;
    /** Read units of Scans (no partition), left out. */
    readonly unpartitioned_read_units: number;
    /** Requests whose run is unknown (each counted as a toucher of its own, which can only make a value look shared). */
    readonly requests_without_run: number;
    readonly requests_without_run_by_function: Readonly<Record<string, number>>;
  };
  readonly sources: typeof SOURCES;
  readonly note: string;
}

const MERCHANT_ID = new RegExp(`(?<![a-z0-9_])${idShapes.merchant.pattern.source.replace(/^\^|\$$/g, '')}(?![a-z0-9_])`);

/** The merchant id a partition key value names, if any. */
export const merchantNamedBy = (partition: string): string | undefined => MERCHANT_ID.exec(partition)?.[0];

interface Aggregate {
  readonly table: string;
  readonly index: string | null;
  readonly partition: string;
  writeUnits: number;
  readUnits: number;
  readonly touchers: Set<string>;
}

/** Step 1: units and touchers per (table, index, partition key value) over the window. */
export const aggregatePartitions = (requests: readonly PartitionRequest[]): { partitions: Aggregate[]; unpartitionedReadUnits: number } => {
  const byKey = new Map<string, Aggregate>();
  let unpartitionedReadUnits = 0;
  for (const request of requests) {
    for (const charge of request.partitions) {
      if (charge.partition === null) {
        unpartitionedReadUnits += charge.readUnits;
        continue;
      }
      const id = JSON.stringify([charge.table, charge.index ?? null, charge.partition]);
      const entry = byKey.get(id) ?? { table: charge.table, index: charge.index ?? null, partition: charge.partition, writeUnits: 0, readUnits: 0, touchers: new Set<string>() };
      entry.writeUnits += charge.writeUnits;
      entry.readUnits += charge.readUnits;
      for (const toucher of request.touchers) entry.touchers.add(toucher);
      byKey.set(id, entry);
    }
  }
  return { partitions: [...byKey.values()], unpartitionedReadUnits };
};

/** Steps 2 and 3: classify the shared values, divide by the payments they serve, keep the lowest ceiling. */
export const oneMerchantCeiling = (input: OneMerchantInput): OneMerchantCeiling => {
  const { partitions, unpartitionedReadUnits } = aggregatePartitions(input.requests);
  const shared = partitions.filter((entry) => entry.touchers.size > 1);
  const ceilings: PartitionCeiling[] = [];
  let merchantScoped = 0;
  for (const entry of shared) {
    const merchant = merchantNamedBy(entry.partition);
    if (merchant !== undefined) merchantScoped += 1;
    const payments = merchant === undefined ? input.payments : (input.paymentsByMerchant[merchant] ?? 0);
    if (payments <= 0) continue;
    const write = entry.writeUnits / payments;
    const read = entry.readUnits / payments;
    const writeCeiling = write > 0 ? PARTITION_WRITE_UNITS_PER_SECOND / write : null;
    const readCeiling = read > 0 ? PARTITION_READ_UNITS_PER_SECOND / read : null;
    if (writeCeiling === null && readCeiling === null) continue;
    const limitedBy = readCeiling === null || (writeCeiling !== null && writeCeiling <= readCeiling) ? 'write' : 'read';
    ceilings.push({
      table: entry.table,
      index: entry.index,
      partition: merchant === undefined ? entry.partition : entry.partition.split(merchant).join('<merchant>'),
      scope: merchant === undefined ? 'platform' : 'merchant',
      payments_touching: entry.touchers.size,
      write_units_per_payment: write,
      read_units_per_payment: read,
      write_payments_per_second: writeCeiling,
      read_payments_per_second: readCeiling,
      payments_per_second: (limitedBy === 'write' ? writeCeiling : readCeiling) as number,
      limited_by: limitedBy,
      units_per_payment: limitedBy === 'write' ? write : read,
    });
  }
  // One row per template: the merchants' copies of a value (`<merchant>#payment#2`) keep the lowest.
  const lowest = new Map<string, PartitionCeiling>();
  for (const entry of [...ceilings].sort((a, b) => a.payments_per_second - b.payments_per_second)) {
    const id = JSON.stringify([entry.table, entry.index, entry.partition]);
    if (!lowest.has(id)) lowest.set(id, entry);
  }
  const top = [...lowest.values()].slice(0, TOP);
  return {
    payments_per_second: top[0]?.payments_per_second ?? null,
    binding: top[0] ?? null,
    top,
    limits: { write_units_per_second: PARTITION_WRITE_UNITS_PER_SECOND, read_units_per_second: PARTITION_READ_UNITS_PER_SECOND },
    payments: input.payments,
    payments_by_merchant: input.paymentsByMerchant,
    counts: {
      partition_values: partitions.length,
      shared: shared.length,
      merchant_scoped: merchantScoped,
      platform_scoped: shared.length - merchantScoped,
      single_payment: partitions.length - shared.length,
      unpartitioned_read_units: unpartitionedReadUnits,
      requests_without_run: input.requests.filter((request) => request.touchers.some((toucher) => !toucher.startsWith('run:'))).length,
      // By function: the events outbox's invocations name event pages, not a run's objects.
      requests_without_run_by_function: countBy(
        input.requests.flatMap((request) => request.touchers.filter((toucher) => !toucher.startsWith('run:')).slice(0, 1).map((toucher) => toucher.split(':')[1] ?? 'unknown')),
      ),
    },
    sources: SOURCES,
    note: ONE_MERCHANT_NOTE,
  };
};

/** What a run's outcome names (bench/lib/mix.ts MixOutcome), with the run's sequence. */
export interface RunObjects {
  readonly sequence: number;
  readonly paymentId?: string;
  readonly refundIds?: readonly string[];
  readonly payoutId?: string;
  readonly conversionId?: string;
}

/** A recorded request (bench/lib/capacity-proxy.ts): the invocation that made it, its body, what it consumed per partition. */
export interface AttributableRequest {
  readonly invocation?: string;
  readonly body: string;
  readonly partitions: readonly PartitionCharge[];
}

/**
 * The runs each request served, from what the run did:
 * 1. the run header of the merchant's request that started the invocation (`RUN_HEADER`);
 * 2. else the runs whose objects (payment, refunds, payout, conversion) the invocation's event names: a
 *    saga task names its payment or payout;
 * 3. else the run whose own requests (as tied by 1 and 2) carried an id the event names, when no other
 *    run's did: an acquirer's webhook names only the acquirer's capture or refund, which the payment's saga
 *    stored; a rail's message its own reference, which the payout's saga stored. A token every run sends
 *    (an API key id) decides nothing;
 * 4. an invocation still tied to no run is a toucher of its own, `invocation:<id>`: it can only make a
 *    value look shared, never hide a shared one (`counts.requests_without_run`).
 */
export const attributeRequests = (requests: readonly AttributableRequest[], subjects: ReadonlyMap<string, InvocationSubject>, runs: readonly RunObjects[]): PartitionRequest[] => {
  const runOfObject = new Map<string, number>();
  for (const run of runs) for (const id of [run.paymentId, ...(run.refundIds ?? []), run.payoutId, run.conversionId]) if (id !== undefined) runOfObject.set(id, run.sequence);
  const direct = new Map<string, readonly string[]>();
  const directTouchers = (invocation: string): readonly string[] => {
    const cached = direct.get(invocation);
    if (cached) return cached;
    const subject = subjects.get(invocation);
    const named = new Set<number>();
    for (const token of subject?.tokens ?? []) {
      const sequence = runOfObject.get(token);
      if (sequence !== undefined) named.add(sequence);
    }
    const touchers = subject?.run !== undefined ? [`run:${subject.run}`] : [...named].sort((a, b) => a - b).map((sequence) => `run:${sequence}`);
    direct.set(invocation, touchers);
    return touchers;
  };
  // Step 3: the ids the undetermined invocations' events name, and which runs' requests carried each.
  const undetermined = new Set(
    requests.flatMap((request) => (request.invocation !== undefined && !directTouchers(request.invocation).length ? [request.invocation] : [])),
  );
  const wanted = new Set([...undetermined].flatMap((invocation) => subjects.get(invocation)?.tokens ?? []));
  const runsOfToken = new Map<string, Set<string>>();
  if (wanted.size) {
    for (const request of requests) {
      const touchers = request.invocation === undefined ? [] : directTouchers(request.invocation);
      if (!touchers.length) continue;
      let body: unknown;
      try {
        body = JSON.parse(request.body);
      } catch {
        continue;
      }
      for (const token of idTokensOf(body)) {
        if (!wanted.has(token)) continue;
        const owners = runsOfToken.get(token) ?? new Set<string>();
        for (const toucher of touchers) owners.add(toucher);
        runsOfToken.set(token, owners);
      }
    }
  }
  const byTokens = new Map<string, readonly string[]>();
  for (const invocation of undetermined) {
    const served = new Set<string>();
    for (const token of subjects.get(invocation)?.tokens ?? []) {
      const owners = runsOfToken.get(token);
      if (owners?.size === 1) served.add([...owners][0] as string);
    }
    byTokens.set(invocation, served.size ? [...served].sort() : [`invocation:${subjects.get(invocation)?.key ?? 'unknown'}:${invocation}`]);
  }
  return requests.map((request) => {
    const invocation = request.invocation;
    const touchers =
      invocation === undefined
        ? ['invocation:none']
        : directTouchers(invocation).length
          ? directTouchers(invocation)
          : (byTokens.get(invocation) ?? [`invocation:${subjects.get(invocation)?.key ?? 'unknown'}:${invocation}`]);
    return { partitions: request.partitions, touchers };
  });
};

const countBy = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};
