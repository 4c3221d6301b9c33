import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type CapacityProxy, startCapacityProxy } from '../bench/lib/capacity-proxy';
import { type AttributeValue, type Item, indexEntry, itemSize, readUnitsOf, writeUnitsOf } from '../bench/lib/capacity-units';
import { billedTableSchemas } from '../bench/lib/table-schemas';
import { balanceKey, transactionItems } from '../lambdas/adapters/dynamodb/ledger-codec';
import { DynamoDbLedgerStore } from '../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../lambdas/adapters/dynamodb/ledger-verifier';
import { DEFAULT_LEDGER_LAYOUT, type LedgerLayout, type ShardDelta } from '../lambdas/domain/ledger/balances';
import type { Pricing } from '../lambdas/domain/ledger/fees';
import { type PostedTransaction, foldPosition } from '../lambdas/domain/ledger/journal';
import { paymentCaptured, paymentSettled, buildPosting } from '../lambdas/domain/ledger/postings';
import type { JournalTransaction } from '../lambdas/domain/ledger/transaction';
import { type CapturePostingDeps, postLedgerEvent } from '../lambdas/use-cases/ledger/postings';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startTransactionConflictProxy } from '../local/faults/dynamodb-transaction-conflicts';
import { ensureTables } from '../local/tables';
import { deployment } from '../platform/deployment';
import { tableName, tables } from '../platform/tables';

/**
 * `npm run bench:ledger`: the ledger's posting path on its own DynamoDB Local (docs/decisions/0013-ledger-lean-postings.md).
 *
 * 1. Contention. DynamoDB Local serializes every request and never raises TransactionConflict, so on its own
 *    it would make a hot item look free: every scenario goes through the transaction-conflict proxy
 *    (local/faults/dynamodb-transaction-conflicts.ts), which cancels a transaction touching an item another
 *    in-flight transaction holds, as DynamoDB does. Each worker loops: capture a new payment and, every
 *    third time, settle it. Scenarios (each --seconds, in --rounds interleaved rounds):
 *      spread                 --merchants merchants, the declared layout
 *      one merchant           the same load on one merchant, the declared layout   → ratio to spread
 *      one merchant, 1 item   one balance item per merchant and currency (the naive design)
 *      one merchant, single writer   the LMAX-style alternative: one writer per merchant drains a queue and
 *                             commits up to --batch postings per TransactWriteItems (one balance item for
 *                             the whole batch); callers wait for their posting's result
 * 2. Cost, by AWS's billing rules (bench/lib/capacity-units.ts, through the counting proxy), of
 *    --metered-payments payments (capture + settlement) of one merchant: write and read units per payment,
 *    for the declared layout and the single writer; and for every partition one merchant's traffic
 *    concentrates on (its balance partitions, its statement index partitions, its home marker), the units
 *    per payment, from which the most payments per second one merchant can sustain in one region within
 *    DynamoDB's per-partition limits (1,000 write units/s, 3,000 read units/s), assuming its payments
 *    spread evenly over its partitions (they do: a payment's shard is a hash of its id).
 * Options: --concurrency 16  --seconds 8  --rounds 2  --merchants 64  --batch 24  --metered-payments 120
 *          --out bench/results/ledger.json
 */
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    merchants: { type: 'string', default: '64' },
    batch: { type: 'string', default: '24' },
    'metered-payments': { type: 'string', default: '120' },
    out: { type: 'string', default: 'bench/results/ledger.json' },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const merchantCount = Number(values.merchants);
const rounds = Number(values.rounds);
const batchLimit = Number(values.batch);
const meteredPayments = Number(values['metered-payments']);

const PRICING: Pricing = { percentBps: 290, fixed: { USD: 30 } };
const LEDGER = tableName('ledger');
const PARTITION_WRITE_UNITS = 1_000;
const PARTITION_READ_UNITS = 3_000;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

type Design = { readonly kind: 'sharded'; readonly layout: Partial<LedgerLayout> } | { readonly kind: 'single-writer' };

/** What a worker posts: a capture, or a settlement of a payment it captured. */
type Posting = { readonly kind: 'capture'; readonly merchantId: string; readonly paymentId: string; readonly amount: number } | { readonly kind: 'settle'; readonly merchantId: string; readonly paymentId: string };

interface Poster {
  post(posting: Posting): Promise<{ attempts: number }>;
}

const namespace = async (endpoint: string, label: string) => {
  const client = new DynamoDBClient({
    endpoint,
    region: deployment.primaryRegion,
    credentials: { accessKeyId: `BENCH${label}${Date.now()}`, secretAccessKey: 'bench' },
    maxAttempts: 5,
  });
  await ensureTables(client, ['ledger']);
  return { client, documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) };
};

/** The declared design: every posting through the ledger's own use cases. */
const shardedPoster = (documentClient: DynamoDBDocumentClient, layout: Partial<LedgerLayout>): Poster => {
  const deps: CapturePostingDeps = {
    ledger: new DynamoDbLedgerStore(documentClient, LEDGER, layout),
    pricing: { getPricing: async () => PRICING, putPricing: async () => undefined },
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
    layout,
  };
  return {
    post: (posting) =>
      posting.kind === 'capture'
        ? postLedgerEvent(deps, paymentCaptured, { merchantId: posting.merchantId, paymentId: posting.paymentId, channel: 'acq_bench', currency: 'USD', amount: posting.amount, authorizedAmount: 2_000 })
        : postLedgerEvent(deps, paymentSettled, { merchantId: posting.merchantId, paymentId: posting.paymentId, settlementId: 'stl_1' }),
  };
};

/**
 * The LMAX-style alternative, as a prototype good enough to measure: one writer per merchant owns its
 * balance (so it keeps positions and balances in memory and reads nothing), takes every posting waiting in
 * its queue (up to `batchLimit`), and commits them in one TransactWriteItems: their journal items and one
 * update of the merchant's single balance item. The journal items are the same as the declared design's,
 * so the verifier checks the result the same way. Not built: the queue service, failover of the writer, its
 * idempotency across restarts.
 */
const singleWriterPoster = (documentClient: DynamoDBDocumentClient): Poster => {
  interface Waiting {
    readonly posting: Posting;
    readonly resolve: (value: { attempts: number }) => void;
    readonly reject: (error: unknown) => void;
  }
  const queues = new Map<string, Waiting[]>();
  const running = new Set<string>();
  const histories = new Map<string, PostedTransaction[]>();

  const drain = async (merchantId: string) => {
    running.add(merchantId);
    const queue = queues.get(merchantId) ?? [];
    while (queue.length > 0) {
      const batch = queue.splice(0, batchLimit);
      const now = new Date();
      const built: { waiting: Waiting; posted: PostedTransaction }[] = [];
      for (const waiting of batch) {
        const { posting } = waiting;
        const history = histories.get(posting.paymentId) ?? [];
        const position = foldPosition(posting.paymentId, merchantId, history);
        let transaction: JournalTransaction;
        try {
          transaction =
            posting.kind === 'capture'
              ? buildPosting(paymentCaptured, { merchantId, paymentId: posting.paymentId, channel: 'acq_bench', currency: 'USD', amount: posting.amount, authorizedAmount: 2_000 }, position, now, PRICING)
              : buildPosting(paymentSettled, { merchantId, paymentId: posting.paymentId, settlementId: 'stl_1' }, position, now);
        } catch (error) {
          waiting.reject(error);
          continue;
        }
        const pending = transaction.entries.reduce((sum, entry) => sum + (entry.account.startsWith('merchant_pending') ? (entry.side === 'credit' ? entry.amount : -entry.amount) : 0), 0);
        const available = transaction.entries.reduce((sum, entry) => sum + (entry.account.startsWith('merchant_available') ? (entry.side === 'credit' ? entry.amount : -entry.amount) : 0), 0);
        const allocation: ShardDelta[] = pending || available ? [{ currency: 'USD', shard: 0, delta: { pending, available, reserved: 0 } }] : [];
        built.push({ waiting, posted: { transaction, sequence: history.length + 1, allocation, region: deployment.primaryRegion } });
      }
      if (built.length === 0) continue;
      const total = { pending: 0, available: 0 };
      for (const { posted } of built) {
        total.pending += posted.allocation[0]?.delta.pending ?? 0;
        total.available += posted.allocation[0]?.delta.available ?? 0;
      }
      const items = built.flatMap(({ posted }) =>
        transactionItems(posted.transaction, posted.sequence, posted.allocation, posted.region, DEFAULT_LEDGER_LAYOUT.statementPartitions).map((Item) => ({
          Put: { TableName: LEDGER, Item, ConditionExpression: 'attribute_not_exists(pk)' },
        })),
      );
      try {
        await documentClient.send(
          new TransactWriteCommand({
            TransactItems: [
              ...items,
              {
                Update: {
                  TableName: LEDGER,
                  Key: balanceKey(merchantId, 'USD', 0, 1),
                  UpdateExpression: 'ADD #p :p, #a :a',
                  ExpressionAttributeNames: { '#p': 'pending', '#a': 'available' },
                  ExpressionAttributeValues: { ':p': total.pending, ':a': total.available },
                },
              },
            ],
          }),
        );
        for (const { waiting, posted } of built) {
          histories.set(posted.transaction.positionId, [...(histories.get(posted.transaction.positionId) ?? []), posted]);
          waiting.resolve({ attempts: 1 });
        }
      } catch (error) {
        for (const { waiting } of built) waiting.reject(error);
      }
    }
    running.delete(merchantId);
  };

  return {
    post: (posting) =>
      new Promise((resolvePosting, rejectPosting) => {
        const queue = queues.get(posting.merchantId) ?? [];
        queue.push({ posting, resolve: resolvePosting, reject: rejectPosting });
        queues.set(posting.merchantId, queue);
        if (!running.has(posting.merchantId)) void drain(posting.merchantId);
      }),
  };
};

const posterFor = (design: Design, documentClient: DynamoDBDocumentClient): Poster =>
  design.kind === 'sharded' ? shardedPoster(documentClient, design.layout) : singleWriterPoster(documentClient);

/** `workers` loops until the deadline (or until `payments` payments are done): capture, and every third payment settle. */
const drive = async (poster: Poster, options: { workers: number; merchants: number; deadline?: number; payments?: number; settleEvery: number }) => {
  const latencies: number[] = [];
  let attempts = 0;
  let failed = 0;
  let started = 0;
  const worker = async (workerIndex: number) => {
    for (let sequence = 0; ; sequence += 1) {
      if (options.deadline !== undefined && performance.now() >= options.deadline) return;
      if (options.payments !== undefined && started >= options.payments) return;
      started += 1;
      const merchantId = `mer_bench${(workerIndex * 7919 + sequence) % options.merchants}`;
      const paymentId = `pay_w${workerIndex}s${sequence}`;
      const postings: Posting[] = [{ kind: 'capture', merchantId, paymentId, amount: 1_000 + (sequence % 977) }];
      if (sequence % options.settleEvery === options.settleEvery - 1) postings.push({ kind: 'settle', merchantId, paymentId });
      for (const posting of postings) {
        const begin = performance.now();
        try {
          const result = await poster.post(posting);
          attempts += result.attempts;
          latencies.push(performance.now() - begin);
        } catch (error) {
          failed += 1;
          if (!(error instanceof Error) || error.name !== 'LedgerContentionError') throw error;
          break; // a capture that gave up has nothing to settle
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));
  return { latencies, attempts, failed };
};

interface ScenarioResult {
  readonly name: string;
  readonly merchants: number;
  readonly design: string;
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

// ---- Part 2: units by AWS's rules, per partition ----

type Wire = Record<string, AttributeValue>;

interface PartitionUse {
  writeUnits: number;
  readUnits: number;
}

/** Which of one merchant's partition families a key belongs to (null: not the merchant's, e.g. a payment's journal). */
const familyOf = (partitionKey: string, merchantId: string): string | null => {
  if (partitionKey.startsWith(`bal#${merchantId}#`)) return 'balance shards (bal#<merchant>#<p>)';
  if (partitionKey.startsWith(`home#${merchantId}#`)) return 'home marker copies (home#<merchant>#<c>)';
  if (partitionKey.startsWith(`${merchantId}#`)) return 'statement index (gm = <merchant>#<n>)';
  return null;
};

/**
 * Per partition of the merchant: write and read units the recorded requests cost, sized on the final
 * images of the items (journal items never change; balance items only grow in digits, so their final size
 * bounds every write's). Transactional items count 2 per started KB; index entries 1 per started KB.
 */
const partitionUse = (requests: readonly { operation: string; body: string }[], images: ReadonlyMap<string, Wire>, merchantId: string) => {
  const schema = billedTableSchemas()[LEDGER];
  if (!schema) throw new Error('no ledger schema');
  const index = schema.indexes[0];
  const use = new Map<string, PartitionUse>();
  const charge = (pk: string, field: keyof PartitionUse, units: number) => {
    if (familyOf(pk, merchantId) === null) return;
    const entry = use.get(pk) ?? { writeUnits: 0, readUnits: 0 };
    entry[field] += units;
    use.set(pk, entry);
  };
  const imageOf = (key: Wire) => images.get(`${key.pk && 'S' in key.pk ? key.pk.S : ''}|${key.sk && 'S' in key.sk ? key.sk.S : ''}`);
  const write = (item: Wire, transactional: boolean) => {
    const image = imageOf(item) ?? item;
    const pk = 'S' in (item.pk as AttributeValue) ? (item.pk as { S: string }).S : '';
    charge(pk, 'writeUnits', (transactional ? 2 : 1) * writeUnitsOf(itemSize(image as Item)));
    const entry = index ? indexEntry(image as Item, index, schema) : undefined;
    const gm = entry?.gm;
    if (entry && gm && 'S' in gm) charge(gm.S, 'writeUnits', writeUnitsOf(itemSize(entry)));
  };
  for (const { operation, body } of requests) {
    const request = JSON.parse(body) as Record<string, unknown>;
    if (operation === 'TransactWriteItems') {
      for (const element of request.TransactItems as { Put?: { Item: Wire }; Update?: { Key: Wire } }[]) {
        if (element.Put) write(element.Put.Item, true);
        else if (element.Update) write(element.Update.Key, true);
      }
    } else if (operation === 'PutItem') {
      write(request.Item as Wire, false);
    } else if (operation === 'GetItem') {
      const key = request.Key as Wire;
      const pk = (key.pk as { S: string }).S;
      charge(pk, 'readUnits', readUnitsOf(itemSize(imageOf(key) as Item | undefined), request.ConsistentRead ? 'strong' : 'eventual'));
    } else if (operation === 'BatchGetItem') {
      const table = (request.RequestItems as Record<string, { Keys: Wire[]; ConsistentRead?: boolean }>)[LEDGER];
      for (const key of table?.Keys ?? []) {
        charge((key.pk as { S: string }).S, 'readUnits', readUnitsOf(itemSize(imageOf(key) as Item | undefined), table?.ConsistentRead ? 'strong' : 'eventual'));
      }
    } else if (operation === 'Query' && !request.IndexName) {
      const values = request.ExpressionAttributeValues as Record<string, AttributeValue>;
      const pk = (values[':pk'] as { S: string } | undefined)?.S ?? '';
      const prefix = Object.entries(values).find(([name]) => name !== ':pk')?.[1] as { S: string } | undefined;
      const items = [...images.entries()].filter(([key]) => key.startsWith(`${pk}|${prefix?.S ?? ''}`)).map(([, item]) => item as Item);
      charge(pk, 'readUnits', readUnitsOf(items.reduce((sum, item) => sum + itemSize(item), 0), request.ConsistentRead ? 'strong' : 'eventual'));
    }
  }
  return use;
};

const main = async (): Promise<void> => {
  const dynamoDb = await startDynamoDbLocal({ sharedDb: false });
  const conflicts = await startTransactionConflictProxy(dynamoDb.endpoint);
  let metering: CapacityProxy | undefined;
  let label = 0;
  try {
    console.log(`Ledger benchmark: concurrency ${concurrency}, ${seconds}s per scenario, DynamoDB Local ${dynamoDb.endpoint} behind the transaction-conflict proxy`);

    interface Slice {
      latencies: number[];
      attempts: number;
      failed: number;
      conflicts: number;
      elapsed: number;
      differences: number;
    }
    const measure = async (merchants: number, design: Design, durationSeconds: number): Promise<Slice> => {
      label += 1;
      const { client, documentClient } = await namespace(conflicts.endpoint, String(label));
      const conflictsBefore = conflicts.counts.conflicts;
      const started = performance.now();
      const outcome = await drive(posterFor(design, documentClient), { workers: concurrency, merchants, deadline: started + durationSeconds * 1000, settleEvery: 3 });
      const elapsed = (performance.now() - started) / 1000;
      const differences = (await verifyLedger(documentClient, LEDGER)).differences.length;
      client.destroy();
      return { ...outcome, conflicts: conflicts.counts.conflicts - conflictsBefore, elapsed, differences };
    };

    await measure(merchantCount, { kind: 'sharded', layout: {} }, Math.min(2, seconds));
    const scenarios: { name: string; merchants: number; design: Design; label: string }[] = [
      { name: `spread (${merchantCount} merchants)`, merchants: merchantCount, design: { kind: 'sharded', layout: {} }, label: 'declared layout' },
      { name: 'one merchant', merchants: 1, design: { kind: 'sharded', layout: {} }, label: 'declared layout' },
      { name: 'one merchant, 1 item', merchants: 1, design: { kind: 'sharded', layout: { balanceShards: 1, balancePartitions: 1 } }, label: 'one balance item' },
      { name: 'one merchant, single writer', merchants: 1, design: { kind: 'single-writer' }, label: `single writer, batches ≤ ${batchLimit}` },
    ];
    // Interleaved rounds, so background load on a shared machine falls on every scenario alike.
    const slices = scenarios.map(() => [] as Slice[]);
    for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
      for (const [index, scenario] of scenarios.entries()) slices[index]?.push(await measure(scenario.merchants, scenario.design, seconds / rounds));
    }
    const results: ScenarioResult[] = scenarios.map((scenario, index) => {
      const parts = slices[index] ?? [];
      const latencies = parts.flatMap((slice) => slice.latencies).sort((a, b) => a - b);
      const elapsed = parts.reduce((sum, slice) => sum + slice.elapsed, 0);
      const attempts = parts.reduce((sum, slice) => sum + slice.attempts, 0);
      return {
        name: scenario.name,
        merchants: scenario.merchants,
        design: scenario.label,
        postings: latencies.length,
        seconds: round(elapsed),
        postingsPerSecond: round(latencies.length / elapsed, 1),
        failedPostings: parts.reduce((sum, slice) => sum + slice.failed, 0),
        transactionConflicts: parts.reduce((sum, slice) => sum + slice.conflicts, 0),
        meanAttemptsPerPosting: round(attempts / Math.max(1, latencies.length)),
        p50Ms: round(percentile(latencies, 50), 1),
        p99Ms: round(percentile(latencies, 99), 1),
        verifierDifferences: parts.reduce((sum, slice) => sum + slice.differences, 0),
      };
    });
    for (const result of results) {
      console.log(
        `${result.name.padEnd(28)} ${String(result.postingsPerSecond).padStart(7)} postings/s  (${result.postings} in ${result.seconds}s, ` +
          `${result.transactionConflicts} conflicts, ${result.meanAttemptsPerPosting} attempts/posting, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `${result.failedPostings} gave up, verifier: ${result.verifierDifferences} differences)`,
      );
    }
    const [spread, hot, naive, single] = results;
    const ratio = (a?: ScenarioResult) => (a && spread ? round(a.postingsPerSecond / spread.postingsPerSecond) : null);
    console.log(`\nOne merchant / spread: ${ratio(hot)} (declared layout), ${ratio(naive)} (one balance item), ${ratio(single)} (single writer)`);

    // ---- Part 2 ----
    metering = await startCapacityProxy(dynamoDb.endpoint, { schemas: billedTableSchemas() });
    const cost = async (design: Design) => {
      label += 1;
      const { client, documentClient } = await namespace(metering!.endpoint, `M${label}`);
      const before = metering!.snapshot()[LEDGER];
      metering!.startRecording();
      await drive(posterFor(design, documentClient), { workers: Math.min(8, concurrency), merchants: 1, payments: meteredPayments, settleEvery: 1 });
      const recorded = metering!.stopRecording().filter((request) => request.tables.includes(LEDGER));
      const after = metering!.snapshot()[LEDGER];
      const images = new Map<string, Wire>();
      let start: ScanCommandOutput['LastEvaluatedKey'];
      do {
        const page: ScanCommandOutput = await client.send(new ScanCommand({ TableName: LEDGER, ExclusiveStartKey: start }));
        for (const item of (page.Items ?? []) as unknown as Wire[]) images.set(`${(item.pk as { S: string }).S}|${(item.sk as { S: string }).S}`, item);
        start = page.LastEvaluatedKey;
      } while (start);
      const differences = (await verifyLedger(documentClient, LEDGER)).differences.length;
      client.destroy();
      const per = (field: 'writeUnits' | 'indexWriteUnits' | 'readUnits') => round(((after?.[field] ?? 0) - (before?.[field] ?? 0)) / meteredPayments, 3);
      const requests = Object.fromEntries(
        Object.entries(after?.requests ?? {}).map(([operation, count]) => [operation, round((count - (before?.requests[operation] ?? 0)) / meteredPayments, 3)]),
      );
      const byPartition = partitionUse(recorded, images, 'mer_bench0');
      const families = new Map<string, { partitions: number; writeUnits: number; readUnits: number; maxPartitionShare: number }>();
      for (const [pk, use] of byPartition) {
        const family = familyOf(pk, 'mer_bench0') as string;
        const entry = families.get(family) ?? { partitions: 0, writeUnits: 0, readUnits: 0, maxPartitionShare: 0 };
        entry.partitions += 1;
        entry.writeUnits += use.writeUnits;
        entry.readUnits += use.readUnits;
        families.set(family, entry);
      }
      const ceilings = [...families].map(([family, entry]) => {
        const declared =
          design.kind === 'single-writer' && family.startsWith('balance')
            ? 1
            : family.startsWith('balance')
              ? DEFAULT_LEDGER_LAYOUT.balancePartitions
              : family.startsWith('statement')
                ? DEFAULT_LEDGER_LAYOUT.statementPartitions
                : 1;
        const writes = entry.writeUnits / meteredPayments;
        const reads = entry.readUnits / meteredPayments;
        const heaviest = Math.max(...[...byPartition].filter(([pk]) => familyOf(pk, 'mer_bench0') === family).map(([, use]) => use.writeUnits));
        return {
          family,
          partitions: declared,
          partitions_seen: entry.partitions,
          write_units_per_payment: round(writes, 3),
          read_units_per_payment: round(reads, 3),
          heaviest_partition_share_of_even: round(heaviest / Math.max(1e-9, entry.writeUnits / declared), 2),
          payments_per_second: Math.floor(
            Math.min(writes > 0 ? (PARTITION_WRITE_UNITS * declared) / writes : Number.POSITIVE_INFINITY, reads > 0 ? (PARTITION_READ_UNITS * declared) / reads : Number.POSITIVE_INFINITY),
          ),
        };
      });
      const binding = [...ceilings].sort((a, b) => a.payments_per_second - b.payments_per_second)[0];
      return {
        design: design.kind === 'sharded' ? 'declared layout' : `single writer, batches ≤ ${batchLimit}`,
        payments: meteredPayments,
        per_payment: { table_write_units: per('writeUnits'), index_write_units: per('indexWriteUnits'), read_units: per('readUnits'), requests },
        one_merchant_ceiling: {
          payments_per_second: binding?.payments_per_second ?? null,
          binding: binding?.family ?? null,
          families: ceilings,
          ...(design.kind === 'single-writer'
            ? { note: "partition limits only: the writer's serial loop (one batch committed at a time per merchant) binds first; docs/decisions/0013-ledger-lean-postings.md" }
            : {}),
        },
        verifierDifferences: differences,
      };
    };
    const costs = [await cost({ kind: 'sharded', layout: {} }), await cost({ kind: 'single-writer' })];
    for (const entry of costs) {
      console.log(
        `\n${entry.design}: per payment (capture + settlement) ${entry.per_payment.table_write_units} table + ${entry.per_payment.index_write_units} index write units, ` +
          `${entry.per_payment.read_units} read units; requests ${JSON.stringify(entry.per_payment.requests)}; verifier: ${entry.verifierDifferences} differences`,
      );
      for (const family of entry.one_merchant_ceiling.families) {
        console.log(
          `  ${family.family.padEnd(40)} ${family.partitions} partition(s): ${family.write_units_per_payment} WU, ${family.read_units_per_payment} RU per payment → ${family.payments_per_second} payments/s`,
        );
      }
      console.log(`  one merchant, one region: ${entry.one_merchant_ceiling.payments_per_second} payments/s (bound by ${entry.one_merchant_ceiling.binding})`);
      if (entry.one_merchant_ceiling.note) console.log(`  (${entry.one_merchant_ceiling.note})`);
    }

    const out = resolve(values.out);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          benchmark: 'ledger posting path',
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, node: process.version },
          config: {
            concurrency,
            secondsPerScenario: seconds,
            rounds,
            merchants: merchantCount,
            batch: batchLimit,
            meteredPayments,
            layout: DEFAULT_LEDGER_LAYOUT,
            workload: 'capture; every third payment also settled (cost: every payment captured and settled)',
            conflictEmulation: true,
            statementIndex: tables.ledger.indexes[0]?.name,
          },
          scenarios: results,
          ratioOneMerchantToSpread: ratio(hot),
          ratioOneMerchantOneItemToSpread: ratio(naive),
          ratioOneMerchantSingleWriterToSpread: ratio(single),
          cost: costs,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nWritten to ${out}`);
    if (results.some((result) => result.verifierDifferences > 0) || costs.some((entry) => entry.verifierDifferences > 0)) process.exitCode = 1;
  } finally {
    await metering?.stop();
    await conflicts.stop();
    await dynamoDb.stop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
