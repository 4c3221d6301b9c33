import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomically } from './atomic-file';
import { localAuthSchemes } from './local-signer';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { deployment } from '../platform/deployment';
import { type FunctionDeclaration, type FunctionKey, type StreamFilterPattern, functionKeys, functions } from '../platform/functions';
import { type TableKey, tableName } from '../platform/tables';

/**
 * The local stand-in for Lambda's DynamoDB stream event source mappings: for every `stream` function of
 * platform/functions.ts and every table it subscribes to, DynamoDB Local's own Streams API (DescribeStream,
 * GetShardIterator, GetRecords: DynamoDB Local 3.3 serves them, NEW_AND_OLD_IMAGES) is polled per shard, four
 * times a second as Lambda does; records that match none of the declared filter patterns are skipped (as
 * Lambda's event filtering does); the rest are handed to the function in the event Lambda sends (binary values
 * base64, times in epoch seconds). Batches are Lambda's: records are gathered until the batch holds
 * `batchSize` records, the batching window (`maxBatchingWindowSeconds`, from the first record gathered)
 * expires, or the event would pass Lambda's 6 MB invocation payload ("Batching behavior" in Lambda's event
 * source mapping documentation; decision record 0042). A failed batch is handled as the declaration's
 * `onFunctionError` says, which is what lib/ deploys: split in two, first half first, each record invoked at
 * most `retryAttempts` times after its first (with back-off), and a batch out of attempts (after bisecting, a
 * single record) set aside: its description goes where the deployed mapping's on-failure queue would have it
 * (no local queue emulates that queue: `stats.setAside` and `onError`), and the shard goes on. A failed
 * stream read is retried, with back-off, from a fresh iterator after the last record read, for as long as it
 * takes (Lambda's mapping keeps reading while the records are kept); a shard is finished only when read to
 * its end (a closed shard's last page has no next iterator), and its children are read only then. The last
 * sequence number handled per shard is kept in a checkpoint file, so a restart resumes where it stopped.
 */
/** Lambda's synchronous invocation payload limit, which also bounds a stream batch (6 MB). */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
const POLL_MS = 250;
/** The wait before the next try after `failures` failures in a row (a batch's invocation or a shard's read). */
const backoffMs = (failures: number) => Math.min(5_000, 100 * 2 ** failures);
/** `{"Records":[` and `]}`, and a comma between records. */
const EVENT_ENVELOPE_BYTES = '{"Records":[]}'.length;

/**
 * Whether `calm()` held at three consecutive looks a poll apart before `timeoutMs`: a stream reader's drain
 * (records written just before the call are read by then). Shared by the stream pollers and the replicator.
 */
export const untilCalm = async (calm: () => boolean, timeoutMs: number, pollMs: number): Promise<boolean> => {
  const until = Date.now() + timeoutMs;
  let looks = 0;
  while (Date.now() < until) {
    looks = calm() ? looks + 1 : 0;
    if (looks >= 3) return true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return false;
};
const DISCOVER_MS = 5_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The Lambda event filter syntax, for the patterns the platform declares (exact values, prefix, anything-but, exists, numeric equality). */
export const matchesPattern = (pattern: StreamFilterPattern, value: unknown): boolean =>
  Object.entries(pattern).every(([name, condition]) => {
    const actual = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
    if (Array.isArray(condition)) return condition.some((option) => matchesValue(option, actual));
    if (condition !== null && typeof condition === 'object') return matchesPattern(condition as StreamFilterPattern, actual);
    return false;
  });

const matchesValue = (option: unknown, actual: unknown): boolean => {
  if (option === null || typeof option !== 'object') return actual === option;
  const rule = option as Record<string, unknown>;
  if ('prefix' in rule) return typeof actual === 'string' && actual.startsWith(String(rule.prefix));
  if ('anything-but' in rule) {
    const excluded = Array.isArray(rule['anything-but']) ? rule['anything-but'] : [rule['anything-but']];
    return actual !== undefined && !excluded.includes(actual);
  }
  if ('exists' in rule) return (actual !== undefined) === Boolean(rule.exists);
  return false;
};

/** An SDK AttributeValue (binary as bytes) as Lambda's JSON event carries it (binary as base64). */
const lambdaValue = (value: unknown): Json => {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(lambdaValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined).map(([name, inner]) => [name, lambdaValue(inner)]));
  }
  return value as Json;
};

/**
 * DynamoDB Local 3.3 writes an empty map in a stream record as `{}` instead of `{"M": {}}` (its GetRecords
 * answer, read raw: an item put with `"m": {"M": {}}` comes back as `"m": {}`), which no unmarshaller accepts;
 * DynamoDB writes `{"M": {}}`, and so does Lambda's event. An attribute value with no type can only be that
 * map: put its type back, at every level of the image.
 */
export const withEmptyMaps = (image: Record<string, unknown>): Record<string, unknown> => {
  const attribute = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined);
    if (entries.length === 0) return { M: {} };
    return Object.fromEntries(
      entries.map(([type, inner]) => [
        type,
        type === 'M' ? withEmptyMaps(inner as Record<string, unknown>) : type === 'L' ? (inner as unknown[]).map(attribute) : inner,
      ]),
    );
  };
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attribute(value)]));
};

export const lambdaStreamRecord = (record: StreamRecord, streamArn: string) => ({
  eventID: record.eventID,
  eventName: record.eventName,
  eventVersion: record.eventVersion ?? '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: deployment.primaryRegion,
  dynamodb: {
    ApproximateCreationDateTime: Math.floor((record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000),
    Keys: lambdaValue(record.dynamodb?.Keys),
    ...(record.dynamodb?.NewImage ? { NewImage: lambdaValue(withEmptyMaps(record.dynamodb.NewImage)) } : {}),
    ...(record.dynamodb?.OldImage ? { OldImage: lambdaValue(withEmptyMaps(record.dynamodb.OldImage)) } : {}),
    SequenceNumber: record.dynamodb?.SequenceNumber,
    SizeBytes: record.dynamodb?.SizeBytes,
    StreamViewType: record.dynamodb?.StreamViewType,
  },
  // DynamoDB Local names its streams in the `ddblocal` region; Lambda's records carry the real ARN.
  eventSourceARN: streamArn.replace(/^arn:aws:dynamodb:ddblocal:/, `arn:aws:dynamodb:${deployment.primaryRegion}:`),
});

export interface LocalStreamStats {
  /** Records read, per table. */
  readonly records: Record<string, number>;
  /** Records that matched a filter and were handed to the function, per table. */
  readonly delivered: Record<string, number>;
  readonly batches: number;
  /** Batches that failed every attempt and were set aside (after bisecting, one record each). */
  readonly failedBatches: number;
  /** What the deployed mapping would send to its on-failure queue for each of them (Lambda's DDBStreamBatchInfo: never the records). */
  readonly setAside: readonly StreamBatchInfo[];
}

/** The description of a batch set aside, as Lambda's on-failure message for a DynamoDB stream carries it. */
export interface StreamBatchInfo {
  readonly function: FunctionKey;
  readonly table: TableKey;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

export interface LocalStreams {
  readonly stats: LocalStreamStats;
  /** Resolves once every shard has been read up to now and its batches handled (false after `timeoutMs`). */
  drain(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export const startLocalStreams = async (options: {
  /** DynamoDB Local itself: stream reads are free in AWS and are not metered. */
  readonly endpoint: string;
  readonly invoke: (key: FunctionKey, event: DynamoDBStreamEvent) => Promise<unknown>;
  readonly checkpointFile?: string;
  readonly onError?: (message: string, error: unknown) => void;
  /** DynamoDB Local keeps one database per access key: the one the tables were created with (default the runtime's). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): Promise<LocalStreams> => {
  // Signed by the local signer: DynamoDB Local checks no signature, and these polls run four times a second a shard.
  const config = {
    endpoint: options.endpoint,
    region: deployment.primaryRegion,
    credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    httpAuthSchemes: localAuthSchemes,
  };
  const dynamoDb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const checkpoints: Record<string, string> =
    options.checkpointFile && existsSync(options.checkpointFile) ? (JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>) : {};
  const saveCheckpoints = () => {
    if (!options.checkpointFile) return;
    mkdirSync(dirname(options.checkpointFile), { recursive: true });
    // Whole or not at all: the crash drills SIGKILL the runtime while it saves, and the next start reads this.
    writeFileAtomically(options.checkpointFile, `${JSON.stringify(checkpoints, null, 2)}\n`);
  };
  const stats = { records: {} as Record<string, number>, delivered: {} as Record<string, number>, batches: 0, failedBatches: 0, setAside: [] as StreamBatchInfo[] };
  let stopped = false;
  const loops: Promise<void>[] = [];
  /** Per shard loop: is it waiting with nothing left to read (caught up)? */
  const caughtUp = new Map<string, boolean>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Reads a shard and hands its batches over; true once the shard was read to its end (closed), false when stopped. */
  const shardLoop = async (key: FunctionKey, table: TableKey, streamArn: string, shard: Shard, patterns: readonly StreamFilterPattern[]): Promise<boolean> => {
    const declaration = functions[key] as FunctionDeclaration;
    const subscription = declaration.streams;
    if (!subscription) return false;
    const shardKey = `${key}|${streamArn}|${shard.ShardId}`;
    let lastRead: string | undefined = checkpoints[shardKey];
    /** An iterator after `sequence` (from the trim horizon before any): retried until it is given (undefined once stopped). */
    const iteratorAfter = async (sequence: string | undefined): Promise<string | undefined> => {
      for (let failures = 0; ; ) {
        try {
          return (
            await streams.send(
              new GetShardIteratorCommand({
                StreamArn: streamArn,
                ShardId: shard.ShardId,
                ...(sequence ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequence } : { ShardIteratorType: 'TRIM_HORIZON' }),
              }),
            )
          ).ShardIterator;
        } catch {
          if (stopped) return undefined;
          failures += 1;
          caughtUp.set(shardKey, false);
          await sleep(backoffMs(failures));
          if (stopped) return undefined;
        }
      }
    };
    let iterator = await iteratorAfter(lastRead);
    let readFailures = 0;
    type Gathered = { record: ReturnType<typeof lambdaStreamRecord>; bytes: number };
    /** Gathered records, as Lambda's event carries them, with their size in that event. */
    let pending: Gathered[] = [];
    const { bisectBatchOnError, retryAttempts } = subscription.onFunctionError;
    /**
     * Hands a batch to the function as the deployed mapping does (`onFunctionError`): a failed part is split in
     * two (first half first) or retried whole, each record at most `retryAttempts` times after its first; a part
     * out of attempts is set aside. False when stopped before the batch was done (nothing is checkpointed).
     */
    const handle = async (batch: Gathered[]): Promise<boolean> => {
      const parts: { records: Gathered[]; attempt: number }[] = [{ records: batch, attempt: 1 }];
      for (let part = parts.shift(); part; part = parts.shift()) {
        const { records, attempt } = part;
        if (attempt > 1) await sleep(backoffMs(attempt - 1));
        if (stopped) return false;
        try {
          await options.invoke(key, { Records: records.map((gathered) => gathered.record) } as unknown as DynamoDBStreamEvent);
          stats.batches += 1;
          stats.delivered[table] = (stats.delivered[table] ?? 0) + records.length;
        } catch (error) {
          if (stopped) return false;
          if (attempt > retryAttempts) {
            const sequences = records.map((gathered) => String(gathered.record.dynamodb.SequenceNumber));
            const info: StreamBatchInfo = {
              function: key,
              table,
              shardId: String(shard.ShardId),
              startSequenceNumber: sequences[0] as string,
              endSequenceNumber: sequences[sequences.length - 1] as string,
              batchSize: records.length,
              streamArn,
            };
            stats.failedBatches += 1;
            stats.setAside.push(info);
            options.onError?.(
              `${key}: ${records.length} record(s) of ${table}'s stream failed ${attempt} times and were set aside (AWS: the mapping's on-failure queue): ${JSON.stringify(info)}`,
              error,
            );
            continue;
          }
          const half = Math.ceil(records.length / 2);
          parts.unshift(
            ...(bisectBatchOnError && records.length > 1
              ? [
                  { records: records.slice(0, half), attempt: attempt + 1 },
                  { records: records.slice(half), attempt: attempt + 1 },
                ]
              : [{ records, attempt: attempt + 1 }]),
          );
        }
      }
      return true;
    };
    let firstPendingAt = 0;
    /** The longest prefix of `pending` that makes one batch: at most `batchSize` records and MAX_EVENT_BYTES. */
    const nextBatchLength = (): number => {
      let bytes = EVENT_ENVELOPE_BYTES;
      let length = 0;
      while (length < Math.min(pending.length, subscription.batchSize)) {
        bytes += (pending[length] as { bytes: number }).bytes + (length ? 1 : 0);
        // A single record larger than the limit still goes alone (DynamoDB's 400 KB items, twice, cannot reach it).
        if (bytes > MAX_EVENT_BYTES && length > 0) break;
        length += 1;
      }
      return length;
    };
    while (!stopped && iterator) {
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, subscription.batchSize) }));
      } catch (error) {
        if (stopped) break;
        // DynamoDB Local 3.3: an iterator taken on a shard that was still empty fails with
        // TrimmedDataAccessException once records arrive (its sequence numbers are shared by all streams,
        // so the empty shard's position is wrong). A fresh iterator after the last record read reads them.
        // Any other failure (the database unable to answer for a moment) is retried after a back-off, from
        // the same place: what was gathered stays gathered, and nothing is skipped.
        const name = (error as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') {
          readFailures += 1;
          caughtUp.set(shardKey, false);
          await sleep(backoffMs(readFailures));
          if (stopped) break;
        }
        iterator = await iteratorAfter(lastRead);
        continue;
      }
      readFailures = 0;
      iterator = page.NextShardIterator;
      const records = page.Records ?? [];
      stats.records[table] = (stats.records[table] ?? 0) + records.length;
      for (const record of records) {
        lastRead = record.dynamodb?.SequenceNumber ?? lastRead;
        const lambdaRecord = lambdaStreamRecord(record, streamArn);
        if (patterns.length && !patterns.some((pattern) => matchesPattern(pattern, lambdaRecord))) continue;
        if (pending.length === 0) firstPendingAt = Date.now();
        pending.push({ record: lambdaRecord, bytes: Buffer.byteLength(JSON.stringify(lambdaRecord)) });
      }
      // Every batch that is ready, in order: a full one (records or bytes), or what the window gathered.
      while (pending.length) {
        const windowOver = Date.now() - firstPendingAt >= subscription.maxBatchingWindowSeconds * 1000;
        const length = nextBatchLength();
        if (!(length < pending.length || length >= subscription.batchSize || windowOver || !iterator)) break;
        const batch = pending.slice(0, length);
        pending = pending.slice(length);
        firstPendingAt = Date.now();
        if (!(await handle(batch))) return false;
      }
      if (pending.length === 0 && lastRead) {
        checkpoints[shardKey] = lastRead;
        saveCheckpoints();
      }
      caughtUp.set(shardKey, records.length === 0 && pending.length === 0);
      if (records.length === 0 || pending.length) await sleep(pending.length ? Math.min(POLL_MS, 50) : POLL_MS);
    }
    caughtUp.set(shardKey, true);
    // Without a next iterator the shard is closed and was read to its end (nothing is gathered: `!iterator` flushed it).
    return !stopped && !iterator;
  };

  const started = new Set<string>();
  const finishedShards = new Set<string>();
  const discover = async () => {
    for (const key of functionKeys) {
      const subscription = (functions[key] as FunctionDeclaration).streams;
      if (!subscription) continue;
      for (const [table, patterns] of Object.entries(subscription.tables) as [TableKey, readonly StreamFilterPattern[]][]) {
        const described = await dynamoDb.send(new DescribeTableCommand({ TableName: tableName(table) }));
        const streamArn = described.Table?.LatestStreamArn;
        if (!streamArn) throw new Error(`${tableName(table)} has no stream: local/tables.ts enables one for every streamed table`);
        // Every page of the stream's shards (DescribeStream answers at most 100 a call).
        const shards: Shard[] = [];
        for (let after: string | undefined, first = true; first || after; first = false) {
          const described = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(after ? { ExclusiveStartShardId: after } : {}) }))).StreamDescription;
          shards.push(...(described?.Shards ?? []));
          after = described?.LastEvaluatedShardId;
        }
        const listed = new Set(shards.map((shard) => shard.ShardId));
        for (const shard of shards) {
          const id = `${key}|${streamArn}|${shard.ShardId}`;
          if (started.has(id)) continue;
          // A child shard is read after its parent was read to its end, as Lambda does (records of an item stay
          // in order); a parent no longer listed was trimmed: nothing of it is left to read.
          const parent = shard.ParentShardId ? `${key}|${streamArn}|${shard.ParentShardId}` : undefined;
          if (parent && listed.has(shard.ParentShardId) && !finishedShards.has(parent)) continue;
          started.add(id);
          const loop = shardLoop(key, table, streamArn, shard, patterns).then(
            (ended) => {
              if (ended) finishedShards.add(id);
            },
            (error: unknown) => {
              // Not expected (reads and invocations are retried inside): the next discovery starts it again.
              options.onError?.(`${key}: reading ${table}'s stream failed`, error);
              started.delete(id);
            },
          );
          loops.push(loop);
        }
      }
    }
  };
  await discover();
  const discovery = setInterval(() => {
    if (!stopped) discover().catch((error: unknown) => options.onError?.('discovering stream shards failed', error));
  }, DISCOVER_MS);

  return {
    stats,
    drain: (timeoutMs) => untilCalm(() => [...caughtUp.values()].every(Boolean), timeoutMs, POLL_MS),
    stop: async () => {
      stopped = true;
      clearInterval(discovery);
      await Promise.allSettled(loops);
      dynamoDb.destroy();
      streams.destroy();
    },
  };
};
