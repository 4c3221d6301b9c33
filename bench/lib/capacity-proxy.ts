import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CAUSES, type Cause, OPERATION_HEADER } from './attribution';

/**
 * A counting proxy in front of DynamoDB Local (the pattern of local/faults/dynamodb-fault-proxy.ts): it
 * adds `ReturnConsumedCapacity: "INDEXES"` to every request that accepts it, forwards it, and sums the
 * ConsumedCapacity DynamoDB Local answers, per table, split into the table's own units and its indexes',
 * reads apart from writes. Handler code is untouched: the platform reaches DynamoDB through this proxy
 * because `startLocalRuntime({ interposeDynamoDb })` points AWS_ENDPOINT_URL_DYNAMODB at it.
 *
 * DynamoDB Local returns ConsumedCapacity for GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan,
 * BatchGetItem, TransactGetItems and TransactWriteItems (2 units per item, GSIs included), checked
 * against DynamoDB Local 3.3.0. It returns none with an error: a ConditionalCheckFailedException or a
 * cancelled transaction is counted here as a failed write (AWS still charges write units for those; the
 * cost model adds them as an estimate, see docs/benchmarks.md).
 *
 * Each request is also counted under the operation that caused it, read from the `X-Bench-Operation`
 * header the harness's operation tracker puts on requests made inside a function invocation
 * (bench/lib/attribution.ts; `unattributed` without it). The header is removed before forwarding.
 *
 * It can also record the requests it sees (operation and original body, in order) so the benchmark can
 * replay the same pattern straight against DynamoDB Local (bench/lib/ceiling.ts).
 */
export const READ_OPERATIONS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'] as const;
export const WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;
const CAPACITY_OPERATIONS = new Set<string>([...READ_OPERATIONS, ...WRITE_OPERATIONS]);
const WRITES = new Set<string>(WRITE_OPERATIONS);

export interface TableUsage {
  /** Requests that touched the table, by operation (a transaction counts once per table it touches). */
  requests: Record<string, number>;
  readUnits: number;
  /** The table's own write units (a transactional item counts 2 per KB, as DynamoDB reports it). */
  writeUnits: number;
  /** Read units consumed on the table's global secondary indexes. */
  indexReadUnits: number;
  /** Write units consumed keeping the table's global secondary indexes up to date. */
  indexWriteUnits: number;
  /** Writes refused by a condition (ConditionalCheckFailedException): no capacity returned. */
  conditionalCheckFailures: number;
  /** Items of cancelled TransactWriteItems (any reason): no capacity returned. */
  cancelledTransactionItems: number;
  /** Successful write requests (any write operation that answered 200). */
  writeRequests: number;
}

export type CapacityCounts = Record<string, TableUsage>;

export interface RecordedRequest {
  readonly operation: string;
  readonly tables: readonly string[];
  readonly body: string;
}

export interface CapacityProxy {
  readonly endpoint: string;
  /** A copy of the counts so far. */
  snapshot(): CapacityCounts;
  /** A copy of the counts so far per operation that caused them; together they are `snapshot()`. */
  snapshotByCause(): Record<Cause, CapacityCounts>;
  /** Start keeping every request (operation and original body) until `stopRecording`. */
  startRecording(): void;
  stopRecording(): RecordedRequest[];
  stop(): Promise<void>;
}

const emptyUsage = (): TableUsage => ({
  requests: {},
  readUnits: 0,
  writeUnits: 0,
  indexReadUnits: 0,
  indexWriteUnits: 0,
  conditionalCheckFailures: 0,
  cancelledTransactionItems: 0,
  writeRequests: 0,
});

interface ConsumedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
  readonly LocalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

type Body = Record<string, unknown>;

/** The tables a request names, in order, each once. */
export const tablesOf = (operation: string, body: Body): string[] => {
  const names: string[] = [];
  const add = (name: unknown) => {
    if (typeof name === 'string' && !names.includes(name)) names.push(name);
  };
  add(body.TableName);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') Object.keys((body.RequestItems as Body | undefined) ?? {}).forEach(add);
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    for (const item of (body.TransactItems as Body[] | undefined) ?? []) {
      for (const action of Object.values(item)) add((action as Body | undefined)?.TableName);
    }
  }
  return names;
};

/** Items per table of a transaction (for cancelled ones, which report no capacity). */
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

/** Adds one answer's ConsumedCapacity (an object, or a list for batches and transactions) to the counts. */
export const addConsumedCapacity = (counts: CapacityCounts, operation: string, consumed: unknown): void => {
  const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as ConsumedCapacity[];
  const write = WRITES.has(operation);
  for (const entry of entries) {
    if (!entry.TableName) continue;
    const usage = (counts[entry.TableName] ??= emptyUsage());
    const indexes = [...Object.values(entry.GlobalSecondaryIndexes ?? {}), ...Object.values(entry.LocalSecondaryIndexes ?? {})].reduce(
      (sum, index) => sum + (index.CapacityUnits ?? 0),
      0,
    );
    // INDEXES mode splits Table/indexes; an answer without the split (TOTAL) counts all as the table's.
    const table = entry.Table?.CapacityUnits ?? (entry.CapacityUnits ?? 0) - indexes;
    if (write) {
      usage.writeUnits += table;
      usage.indexWriteUnits += indexes;
    } else {
      usage.readUnits += table;
      usage.indexReadUnits += indexes;
    }
  }
};

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export const startCapacityProxy = async (target: string): Promise<CapacityProxy> => {
  const counts: CapacityCounts = {};
  const byCause = Object.fromEntries(CAUSES.map((cause) => [cause, {}])) as Record<Cause, CapacityCounts>;
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
    recording?.push({ operation, tables, body: original.toString('utf8') });
    const measured = parsed !== undefined && CAPACITY_OPERATIONS.has(operation);
    const body = measured ? Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'INDEXES' })) : original;

    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length', OPERATION_HEADER].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(target, { method: request.method, headers, body: body.length ? body : undefined });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (measured && parsed) {
      try {
        const result = JSON.parse(answer.toString('utf8')) as Body;
        for (const target of targets) {
          if (upstream.ok) {
            addConsumedCapacity(target, operation, result.ConsumedCapacity);
            if (WRITES.has(operation)) for (const table of tables) target[table]!.writeRequests += 1;
          } else {
            const type = String(result.__type ?? '');
            if (type.endsWith('ConditionalCheckFailedException') && tables[0]) target[tables[0]]!.conditionalCheckFailures += 1;
            if (type.endsWith('TransactionCanceledException') && operation === 'TransactWriteItems') {
              for (const [table, items] of Object.entries(transactionItemsByTable(parsed))) target[table]!.cancelledTransactionItems += items;
            }
          }
        }
      } catch {
        // An unreadable answer is forwarded as it is.
      }
    }
    const answerHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name)) answerHeaders[name] = value;
    });
    answerHeaders['Content-Length'] = String(answer.length);
    response.writeHead(upstream.status, answerHeaders);
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
        server.close(() => resolve());
      }),
  };
};

/** What changed between two snapshots, table by table (tables with no activity left out). */
export const capacityDelta = (before: CapacityCounts, after: CapacityCounts): CapacityCounts => {
  const delta: CapacityCounts = {};
  for (const [table, now] of Object.entries(after)) {
    const then = before[table] ?? emptyUsage();
    const requests: Record<string, number> = {};
    for (const [operation, count] of Object.entries(now.requests)) {
      const difference = count - (then.requests[operation] ?? 0);
      if (difference) requests[operation] = difference;
    }
    const usage: TableUsage = {
      requests,
      readUnits: now.readUnits - then.readUnits,
      writeUnits: now.writeUnits - then.writeUnits,
      indexReadUnits: now.indexReadUnits - then.indexReadUnits,
      indexWriteUnits: now.indexWriteUnits - then.indexWriteUnits,
      conditionalCheckFailures: now.conditionalCheckFailures - then.conditionalCheckFailures,
      cancelledTransactionItems: now.cancelledTransactionItems - then.cancelledTransactionItems,
      writeRequests: now.writeRequests - then.writeRequests,
    };
    if (Object.keys(requests).length) delta[table] = usage;
  }
  return delta;
};
