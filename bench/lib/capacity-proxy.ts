import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { CAUSES, type Cause, INVOCATION_HEADER, OPERATION_HEADER } from './attribution';
import { type Body, CHARGE_FIELDS, type PartitionCharge, type TableCharges, createCapacityMeter, tablesOf, upstreamRequest } from './capacity-metering';
import type { TableSchema } from './capacity-units';

/**
 * A counting proxy in front of DynamoDB Local (the pattern of local/faults/dynamodb-fault-proxy.ts). Handler
 * code is untouched: the platform reaches DynamoDB through this proxy because
 * `startLocalRuntime({ interposeDynamoDb })` points AWS_ENDPOINT_URL_DYNAMODB at it.
 *
 * Every request to a table with a schema (`schemas`: the billed tables of platform/tables.ts) is metered
 * by AWS's billing rules from the item images either side of each write (bench/lib/capacity-metering.ts,
 * bench/lib/capacity-units.ts): table units (transactional items at 2 per started KB), GSI units for every
 * index whose stored entry changes, the replicated write units each other replica region bills, refused
 * conditional writes, and read units. Those are the counts (`readUnits`, `writeUnits`, ...).
 *
 * DynamoDB Local's own ConsumedCapacity (the proxy adds `ReturnConsumedCapacity: "INDEXES"`) is kept beside
 * them in `localReported`, as a cross-check only: it under-reports transactions (1 Put + 3 Updates of small
 * items: 2 or 4 units where AWS bills 8) and reports nothing for refused writes.
 *
 * Each request is also counted under the operation that caused it, read from the `X-Bench-Operation`
 * header the harness's operation tracker puts on requests made inside a function invocation
 * (bench/lib/attribution.ts; `unattributed` without it). The header is removed before forwarding.
 *
 * It can also record the requests it sees (operation and original body, in order) so the benchmark can
 * replay the same pattern straight against DynamoDB Local (bench/lib/ceiling.ts), each with the units it
 * consumed per partition key value and the function invocation that made it (the `X-Bench-Invocation`
 * header the tracker adds, also removed before forwarding): what the hot-partition ceiling is built from
 * (bench/lib/hot-partitions.ts).
 */
export const READ_OPERATIONS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'] as const;
export const WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;
const CAPACITY_OPERATIONS = new Set<string>([...READ_OPERATIONS, ...WRITE_OPERATIONS]);
const WRITES = new Set<string>(WRITE_OPERATIONS);

export { tablesOf };

/** What DynamoDB Local itself reported (ConsumedCapacity, INDEXES), per table: the cross-check. */
export interface LocalReportedUnits {
  readUnits: number;
  indexReadUnits: number;
  writeUnits: number;
  indexWriteUnits: number;
}

/** One table's usage. The unit fields are AWS's billing rules applied to the requests the proxy saw. */
export interface TableUsage {
  /** Requests that touched the table, by operation (a transaction counts once per table it touches). */
  requests: Record<string, number>;
  /** Read units on the table itself (Query/Scan on an index: `indexReadUnits`). */
  readUnits: number;
  indexReadUnits: number;
  /** The table's own write units of successful writes, serving region (a transactional item 2 per started KB). */
  writeUnits: number;
  /** Write units keeping the table's global secondary indexes up to date, one region. */
  indexWriteUnits: number;
  /** Replicated write units one other replica region bills for the same writes (1 per started KB, changed items only). */
  replicaWriteUnits: number;
  /** Write units of writes refused by their condition (sized on the existing item, 1 if none). */
  refusedWriteUnits: number;
  /** Estimated write units of items of cancelled transactions (AWS reports none; 2 per started KB of the item). */
  cancelledTransactionWriteUnits: number;
  /** Requests the meter could not size (their images could not be read): none expected. */
  unmeteredRequests: number;
  /** Writes refused by a condition (ConditionalCheckFailedException). */
  conditionalCheckFailures: number;
  /** Items of cancelled TransactWriteItems (any reason). */
  cancelledTransactionItems: number;
  /** Successful write requests (any write operation that answered 200). */
  writeRequests: number;
  localReported: LocalReportedUnits;
}

export type CapacityCounts = Record<string, TableUsage>;

export interface RecordedRequest {
  readonly operation: string;
  readonly tables: readonly string[];
  readonly body: string;
  /** The function invocation that made the request (bench/lib/attribution.ts), if one did. */
  readonly invocation?: string;
  /** What the request consumed per partition key value (filled in once it has been metered). */
  readonly partitions: readonly PartitionCharge[];
}

export interface CapacityProxy {
  readonly endpoint: string;
  /** A copy of the counts so far. */
  snapshot(): CapacityCounts;
  /** A copy of the counts so far per operation that caused them; together they are `snapshot()`. */
  snapshotByCause(): Record<Cause, CapacityCounts>;
  /** Shadow reads the meter made so far (bench/lib/capacity-metering.ts): its own load on DynamoDB Local. */
  shadowRequests(): number;
  /** Start keeping every request (operation and original body) until `stopRecording`. */
  startRecording(): void;
  stopRecording(): RecordedRequest[];
  stop(): Promise<void>;
}

export interface CapacityProxyOptions {
  /** Tables to meter by AWS's rules, by physical name (bench/lib/table-schemas.ts). Others: Local's report only. */
  readonly schemas?: Readonly<Record<string, TableSchema>>;
  /**
   * Take the image each write left as the next write's before image instead of a shadow read
   * (bench/lib/capacity-metering.ts): only when nothing but this proxy writes the metered tables.
   */
  readonly rememberImages?: boolean;
}

const COUNT_FIELDS = [...CHARGE_FIELDS, 'conditionalCheckFailures', 'cancelledTransactionItems', 'writeRequests'] as const;
const LOCAL_FIELDS = ['readUnits', 'indexReadUnits', 'writeUnits', 'indexWriteUnits'] as const;

export const emptyUsage = (): TableUsage => ({
  requests: {},
  ...(Object.fromEntries(COUNT_FIELDS.map((field) => [field, 0])) as Record<(typeof COUNT_FIELDS)[number], number>),
  localReported: { readUnits: 0, indexReadUnits: 0, writeUnits: 0, indexWriteUnits: 0 },
});

/** a + sign × b, field by field (requests by operation, zero request counts left out). */
const combineUsage = (a: TableUsage | undefined, b: TableUsage, sign: 1 | -1): TableUsage => {
  const base = a ?? emptyUsage();
  const requests: Record<string, number> = { ...base.requests };
  for (const [operation, count] of Object.entries(b.requests)) {
    const value = (requests[operation] ?? 0) + sign * count;
    if (value) requests[operation] = value;
    else delete requests[operation];
  }
  const usage = { ...emptyUsage(), requests };
  for (const field of COUNT_FIELDS) usage[field] = (base[field] ?? 0) + sign * (b[field] ?? 0);
  for (const field of LOCAL_FIELDS) usage.localReported[field] = (base.localReported?.[field] ?? 0) + sign * (b.localReported?.[field] ?? 0);
  return usage;
};

/** Two tables' usages added together. */
export const sumUsage = (a: TableUsage | undefined, b: TableUsage): TableUsage => combineUsage(a, b, 1);

interface ConsumedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
  readonly LocalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

/** Adds one answer's ConsumedCapacity (an object, or a list for batches and transactions) to Local's report. */
export const addConsumedCapacity = (counts: CapacityCounts, operation: string, consumed: unknown): void => {
  const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as ConsumedCapacity[];
  const write = WRITES.has(operation);
  for (const entry of entries) {
    if (!entry.TableName) continue;
    const reported = (counts[entry.TableName] ??= emptyUsage()).localReported;
    const indexes = [...Object.values(entry.GlobalSecondaryIndexes ?? {}), ...Object.values(entry.LocalSecondaryIndexes ?? {})].reduce(
      (sum, index) => sum + (index.CapacityUnits ?? 0),
      0,
    );
    // INDEXES mode splits Table/indexes; an answer without the split (TOTAL) counts all as the table's.
    const table = entry.Table?.CapacityUnits ?? (entry.CapacityUnits ?? 0) - indexes;
    if (write) {
      reported.writeUnits += table;
      reported.indexWriteUnits += indexes;
    } else {
      reported.readUnits += table;
      reported.indexReadUnits += indexes;
    }
  }
};

/** Adds what the meter computed for one request. */
export const addCharges = (counts: CapacityCounts, charges: TableCharges): void => {
  for (const [table, charge] of Object.entries(charges)) {
    const usage = (counts[table] ??= emptyUsage());
    for (const field of CHARGE_FIELDS) usage[field] += charge[field] ?? 0;
  }
};

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** Items per table of a transaction (for cancelled ones). */
const transactionItemsByTable = (body: Body): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of (body.TransactItems as Body[] | undefined) ?? []) {
    for (const action of Object.values(item)) {
      const table = (action as Body | undefined)?.TableName;
      if (typeof table === 'string') counts[table] = (counts[table] ?? 0) + 1;
    }
  }
  return counts;
};

export const startCapacityProxy = async (target: string, options: CapacityProxyOptions = {}): Promise<CapacityProxy> => {
  const counts: CapacityCounts = {};
  const byCause = Object.fromEntries(CAUSES.map((cause) => [cause, {}])) as Record<Cause, CapacityCounts>;
  const meter = createCapacityMeter(target, options.schemas ?? {}, { rememberImages: options.rememberImages });
  let recording: RecordedRequest[] | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const original = await readAll(request);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    let parsed: Body | undefined;
    try {
      const value = JSON.parse(original.toString('utf8')) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Body;
    } catch {
      // Not JSON: forwarded untouched and not counted.
    }
    const tables = parsed ? tablesOf(operation, parsed) : [];
    const declared = request.headers[OPERATION_HEADER];
    const cause: Cause = (CAUSES as readonly unknown[]).includes(declared) ? (declared as Cause) : 'unattributed';
    // Every count goes to the totals and to the cause's own counts.
    const targets = [counts, byCause[cause]];
    for (const target of targets) {
      for (const table of tables) {
        const usage = (target[table] ??= emptyUsage());
        usage.requests[operation] = (usage.requests[operation] ?? 0) + 1;
      }
    }
    const invocation = request.headers[INVOCATION_HEADER];
    const partitions: PartitionCharge[] = [];
    recording?.push({ operation, tables, body: original.toString('utf8'), ...(typeof invocation === 'string' ? { invocation } : {}), partitions });

    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length', OPERATION_HEADER, INVOCATION_HEADER].includes(name)),
    ) as Record<string, string>;
    let status: number;
    let answerHeaders: Readonly<Record<string, string>>;
    let answer: Buffer;
    if (parsed && CAPACITY_OPERATIONS.has(operation)) {
      const metered = await meter.forward(operation, parsed, headers);
      ({ status, headers: answerHeaders, body: answer } = metered);
      partitions.push(...metered.partitions);
      for (const target of targets) {
        addCharges(target, metered.charges);
        if (status === 200) {
          addConsumedCapacity(target, operation, metered.json?.ConsumedCapacity);
          if (WRITES.has(operation)) for (const table of tables) (target[table] as TableUsage).writeRequests += 1;
        } else {
          const type = String(metered.json?.__type ?? '');
          if (type.endsWith('ConditionalCheckFailedException') && tables[0]) (target[tables[0]] as TableUsage).conditionalCheckFailures += 1;
          if (type.endsWith('TransactionCanceledException') && operation === 'TransactWriteItems') {
            for (const [table, items] of Object.entries(transactionItemsByTable(parsed))) (target[table] as TableUsage).cancelledTransactionItems += items;
          }
        }
      }
    } else {
      ({ status, headers: answerHeaders, body: answer } = await upstreamRequest(meter.agent, target, request.method ?? 'POST', headers, original.length ? original : undefined));
    }
    const forwardedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(answerHeaders)) {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding', 'keep-alive'].includes(name)) forwardedHeaders[name] = value;
    }
    forwardedHeaders['Content-Length'] = String(answer.length);
    response.writeHead(status, forwardedHeaders);
    response.end(answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    snapshot: () => structuredClone(counts),
    snapshotByCause: () => structuredClone(byCause),
    shadowRequests: () => meter.shadowRequests,
    startRecording: () => {
      recording = [];
    },
    stopRecording: () => {
      const recorded = recording ?? [];
      recording = undefined;
      return recorded;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          meter.close();
          resolve();
        });
      }),
  };
};

/** The counting proxy's counts at one moment: totals, per cause, and the meter's own shadow reads. */
export interface CapacitySnapshot {
  readonly counts: CapacityCounts;
  readonly byCause: Record<Cause, CapacityCounts>;
  readonly shadowRequests: number;
}

/** The counting proxy on its own thread: the same proxy, asked by message. */
export interface CapacityProxyThread {
  readonly endpoint: string;
  counts(): Promise<CapacitySnapshot>;
  startRecording(): Promise<void>;
  stopRecording(): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

/**
 * `startCapacityProxy` on a worker thread of its own (bench/lib/capacity-proxy-thread.ts). The proxy is the
 * benchmark's instrument, not the platform: on the thread that runs the local runtime it took a share of the
 * one event loop every function, the workflow engine and the simulators share (two HTTP exchanges, JSON
 * parsing and the billing arithmetic for every DynamoDB request), and so slowed what it measured. On its own
 * thread it uses a core the runtime's event loop cannot; the counts are the same (the proxy's own tests run it
 * in-process, test/integration/bench/capacity-proxy.test.ts).
 */
export const startCapacityProxyThread = async (target: string, options: CapacityProxyOptions = {}): Promise<CapacityProxyThread> => {
  const worker = new Worker(new URL('./capacity-proxy-thread.ts', import.meta.url), { workerData: { target, options } });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let failed: Error | undefined;
  const fail = (error: Error) => {
    failed = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { ready: string }) => {
      worker.off('error', reject);
      resolve(message.ready);
    });
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the capacity proxy's thread exited (${code})`)));
  worker.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.value);
  });
  let next = 0;
  const ask = <T>(question: 'counts' | 'startRecording' | 'stopRecording' | 'stop'): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = (next += 1);
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, ask: question });
    });
  };
  return {
    endpoint,
    counts: () => ask<CapacitySnapshot>('counts'),
    startRecording: () => ask<void>('startRecording'),
    stopRecording: () => ask<RecordedRequest[]>('stopRecording'),
    stop: async () => {
      if (failed) return;
      await ask<void>('stop');
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
};

/** What changed between two snapshots, table by table (tables with no requests left out). */
export const capacityDelta = (before: CapacityCounts, after: CapacityCounts): CapacityCounts => {
  const delta: CapacityCounts = {};
  for (const [table, now] of Object.entries(after)) {
    const usage = combineUsage(now, before[table] ?? emptyUsage(), -1);
    if (Object.keys(usage.requests).length) delta[table] = usage;
  }
  return delta;
};
