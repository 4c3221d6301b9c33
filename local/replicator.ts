import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { type AttributeValue, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { type TableKey, replicationOf, tableKeys, tableName } from '../platform/tables';
import { writeFileAtomically } from './atomic-file';
import { localAuthSchemes } from './local-signer';
import { untilCalm, withEmptyMaps } from './streams';

/**
 * The local stand-in for DynamoDB global tables' replication between the two regions of `npm start -- --regions 2`
 * (decision 0036). Each region is its own DynamoDB Local; every table platform/tables.ts declares `global` has a
 * stream there (local/tables.ts `streamGlobalTables`), and this reads each region's streams (DynamoDB Local's
 * Streams API: DescribeStream, GetShardIterator, GetRecords) and writes each change into the other region:
 * the record's NEW_IMAGE with PutItem, or DeleteItem for a REMOVE (TTL deletions replicate too, as in AWS).
 * Regional tables (idempotency, card holds, channel health) are never read.
 *
 * - Eventually consistent: a change is applied `lagMs` after it was read (`--replication-lag-ms`), in the order
 *   of its shard.
 * - Last writer wins per item, as global tables resolve concurrent writes, on when the write was made: the time
 *   the replicator read its stream record (within a poll, 100 ms; DynamoDB Local rounds the record's
 *   ApproximateCreationDateTime down to the minute): a change is not applied over a newer write the replicator
 *   saw made in the target region itself (equal times: the primary region's write wins, so both regions settle
 *   on the same item).
 * - No loops: what the replicator writes comes back in the target's stream; that record (same key, same image) is
 *   recognised and not sent back. Global tables do the same with their own bookkeeping, invisible in the item.
 * - A region that stops answering takes its unapplied changes with it: when reading a region's stream fails, the
 *   changes read from it and still waiting out the lag are dropped (RPO = the lag), as a lost region's
 *   replication stops with it. Writes into a region that does not answer are retried until it does.
 */
export interface ReplicatedRegion {
  readonly region: string;
  /** That region's DynamoDB Local. */
  readonly endpoint: string;
}

export interface ReplicatorStats {
  /** Changes applied, per `<from>-><to>`. */
  readonly applied: Record<string, number>;
  /** Changes not applied because the target's own copy was newer (last writer wins). */
  olderThanTarget: number;
  /** Records of the replicator's own writes, recognised in the target's stream and not sent back. */
  echoes: number;
  /** Changes dropped unapplied because their region stopped answering. */
  droppedWithRegion: number;
  /** The longest time from a change's record to its application, ms. */
  maxLagMs: number;
}

export interface LocalReplicator {
  readonly stats: ReplicatorStats;
  /** Resolves true once every stream has been read up to now and every change applied (false after `timeoutMs`). */
  drain(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ReplicatorOptions {
  /** The primary first: it wins ties. */
  readonly regions: readonly [ReplicatedRegion, ReplicatedRegion];
  readonly lagMs?: number;
  /** The tables to replicate; default every `global` table. */
  readonly tables?: readonly TableKey[];
  /** Where the position read in each shard is kept (absent: a restart reads each stream from its start). */
  readonly checkpointFile?: string;
  readonly onError?: (message: string, error: unknown) => void;
}

const POLL_MS = 100;
const DISCOVER_MS = 5_000;
const ECHO_TTL_MS = 120_000;

type Image = Record<string, AttributeValue>;

/** A canonical text of an attribute value: map keys and set members sorted, binary as base64. */
const canonical = (value: unknown): string => {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, inner]) =>
        ['SS', 'NS', 'BS'].includes(name) && Array.isArray(inner)
          ? `${JSON.stringify(name)}:[${inner.map(canonical).sort().join(',')}]`
          : `${JSON.stringify(name)}:${canonical(inner)}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value);
};
const digest = (value: unknown) => createHash('sha256').update(canonical(value)).digest('base64url');

interface Change {
  readonly table: string;
  readonly itemKey: string;
  readonly keys: Image;
  /** Absent: the item was deleted. */
  readonly image?: Image;
  readonly writtenAt: number;
  readonly readAt: number;
  /** The source shard and the record's sequence number: its checkpoint moves past it once it is applied or passed over. */
  readonly shardKey: string;
  readonly sequence?: string;
  /** Read only to be passed over in order (the replicator's own echo, a record without keys): nothing to apply. */
  readonly skip?: boolean;
}

export const startReplicator = async (options: ReplicatorOptions): Promise<LocalReplicator> => {
  const lagMs = options.lagMs ?? 0;
  const tables = (options.tables ?? tableKeys.filter((key) => replicationOf(key) === 'global')).map(tableName);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  // Unsigned (local/local-signer.ts): the DynamoDB Locals check no signature.
  const clients = options.regions.map((region) => ({
    region: region.region,
    dynamoDb: new DynamoDBClient({ endpoint: region.endpoint, region: region.region, credentials, maxAttempts: 1, httpAuthSchemes: localAuthSchemes }),
    streams: new DynamoDBStreamsClient({ endpoint: region.endpoint, region: region.region, credentials, maxAttempts: 1, httpAuthSchemes: localAuthSchemes }),
  }));
  const checkpoints: Record<string, string> =
    options.checkpointFile && existsSync(options.checkpointFile) ? (JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>) : {};
  const saveCheckpoints = () => {
    if (options.checkpointFile) writeFileAtomically(options.checkpointFile, `${JSON.stringify(checkpoints, null, 2)}\n`);
  };
  /**
   * A shard's checkpoint moves only past changes applied to the other region or passed over (older than the
   * target's, an echo): a change read and still waiting out the lag when the replicator stops is read again after
   * a restart (applying it twice is harmless), never skipped. Saved at most every POLL_MS, and when the queue empties.
   */
  let checkpointsDirty = false;
  let checkpointsSavedAt = 0;
  const passed = (change: Change, queueEmpty: boolean) => {
    if (change.sequence) {
      checkpoints[change.shardKey] = change.sequence;
      checkpointsDirty = true;
    }
    if (checkpointsDirty && (queueEmpty || Date.now() - checkpointsSavedAt >= POLL_MS)) {
      saveCheckpoints();
      checkpointsDirty = false;
      checkpointsSavedAt = Date.now();
    }
  };
  const stats: ReplicatorStats = { applied: {}, olderThanTarget: 0, echoes: 0, droppedWithRegion: 0, maxLagMs: 0 };
  /** Per region index: the replicator's own writes into it still expected in its stream: item → digests. */
  const echoes = clients.map(() => new Map<string, { digest: string; until: number }[]>());
  /** Per region index: the time of the newest write made in that region itself, per item (last writer wins). */
  const ownWrites = clients.map(() => new Map<string, number>());
  /** Per source region index: changes read, waiting out the lag, for the other region. */
  const queues: Change[][] = clients.map(() => []);
  const caughtUp = new Map<string, boolean>();
  let stopped = false;
  const loops: Promise<void>[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const isEcho = (regionIndex: number, itemKey: string, imageDigest: string): boolean => {
    const expected = echoes[regionIndex]!.get(itemKey);
    if (!expected) return false;
    const now = Date.now();
    const live = expected.filter((entry) => entry.until > now);
    const at = live.findIndex((entry) => entry.digest === imageDigest);
    if (at >= 0) live.splice(at, 1);
    if (live.length) echoes[regionIndex]!.set(itemKey, live);
    else echoes[regionIndex]!.delete(itemKey);
    return at >= 0;
  };

  const shardLoop = async (source: number, table: string, streamArn: string, shardId: string) => {
    const { streams } = clients[source]!;
    const shardKey = `${clients[source]!.region}|${streamArn}|${shardId}`;
    let lastRead: string | undefined = checkpoints[shardKey];
    const iteratorAfter = async (sequence: string | undefined) =>
      (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(sequence ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequence } : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        )
      ).ShardIterator;
    let iterator: string | undefined;
    while (!stopped) {
      try {
        iterator ??= await iteratorAfter(lastRead);
        if (!iterator) break;
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        iterator = page.NextShardIterator;
        const records = page.Records ?? [];
        for (const record of records) {
          lastRead = record.dynamodb?.SequenceNumber ?? lastRead;
          read(source, table, record, shardKey);
        }
        caughtUp.set(shardKey, records.length === 0);
        if (!iterator) break;
        if (records.length === 0) await sleep(POLL_MS);
      } catch (error) {
        const name = (error as Error).name;
        // DynamoDB Local 3.3: an iterator taken on a shard that was still empty goes stale once records arrive (local/streams.ts).
        if (name === 'TrimmedDataAccessException' || name === 'ExpiredIteratorException') {
          iterator = undefined;
          continue;
        }
        // The region does not answer: what it wrote and was not yet applied elsewhere is lost with it.
        const dropped = queues[source]!.length;
        if (dropped) {
          stats.droppedWithRegion += dropped;
          queues[source]!.length = 0;
          options.onError?.(`replicator: ${clients[source]!.region} does not answer; ${dropped} change(s) it made were not replicated`, error);
        }
        caughtUp.set(shardKey, true);
        iterator = undefined;
        await sleep(1_000);
      }
    }
    caughtUp.set(shardKey, true);
  };

  const read = (source: number, table: string, record: StreamRecord, shardKey: string) => {
    const sequence = record.dynamodb?.SequenceNumber;
    const keys = record.dynamodb?.Keys as Image | undefined;
    const passOver = () => queues[source]!.push({ table, itemKey: '', keys: {}, writtenAt: 0, readAt: Date.now(), shardKey, ...(sequence ? { sequence } : {}), skip: true });
    if (!keys) {
      passOver();
      return;
    }
    const itemKey = `${table}|${canonical(keys)}`;
    const image = record.dynamodb?.NewImage ? (withEmptyMaps(record.dynamodb.NewImage) as Image) : undefined;
    // When the write was made: DynamoDB Local rounds ApproximateCreationDateTime down to the minute, so the time
    // the replicator read the record stands for it (each stream is polled every POLL_MS).
    const writtenAt = Date.now();
    if (isEcho(source, itemKey, image ? digest(image) : 'REMOVE')) {
      stats.echoes += 1;
      passOver();
      return;
    }
    const own = ownWrites[source]!;
    own.set(itemKey, Math.max(own.get(itemKey) ?? 0, writtenAt));
    queues[source]!.push({ table, itemKey, keys, image, writtenAt, readAt: Date.now(), shardKey, ...(sequence ? { sequence } : {}) });
  };

  /** Applies the source's changes to the other region once their lag is over, in order. */
  const applyLoop = async (source: number) => {
    const target = 1 - source;
    const queue = queues[source]!;
    const direction = `${clients[source]!.region}->${clients[target]!.region}`;
    while (!stopped) {
      const change = queue[0];
      if (!change) {
        await sleep(POLL_MS / 2);
        continue;
      }
      if (change.skip) {
        queue.shift();
        passed(change, queue.length === 0);
        continue;
      }
      const due = change.readAt + lagMs - Date.now();
      if (due > 0) {
        await sleep(Math.min(due, POLL_MS));
        continue;
      }
      const targetsOwn = ownWrites[target]!.get(change.itemKey) ?? 0;
      // Last writer wins: the target's own newer write stays (and replicates the other way); a tie goes to the primary.
      if (targetsOwn > change.writtenAt || (targetsOwn === change.writtenAt && target === 0)) {
        stats.olderThanTarget += 1;
        queue.shift();
        passed(change, queue.length === 0);
        continue;
      }
      const expected = echoes[target]!.get(change.itemKey) ?? [];
      const entry = { digest: change.image ? digest(change.image) : 'REMOVE', until: Date.now() + ECHO_TTL_MS };
      try {
        expected.push(entry);
        echoes[target]!.set(change.itemKey, expected);
        const { dynamoDb } = clients[target]!;
        if (change.image) await dynamoDb.send(new PutItemCommand({ TableName: change.table, Item: change.image }));
        else await dynamoDb.send(new DeleteItemCommand({ TableName: change.table, Key: change.keys }));
      } catch (error) {
        expected.splice(expected.indexOf(entry), 1);
        // The source was dropped meanwhile (the queue emptied): nothing to retry.
        if (queue[0] !== change) continue;
        await sleep(500);
        continue;
      }
      if (queue[0] === change) {
        queue.shift();
        passed(change, queue.length === 0);
      }
      stats.applied[direction] = (stats.applied[direction] ?? 0) + 1;
      stats.maxLagMs = Math.max(stats.maxLagMs, Date.now() - change.writtenAt);
    }
  };

  const started = new Set<string>();
  const finished = new Set<string>();
  const discover = async () => {
    for (const [source, client] of clients.entries()) {
      for (const table of tables) {
        let streamArn: string | undefined;
        let shards;
        try {
          streamArn = (await client.dynamoDb.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn;
          if (!streamArn) throw new Error(`${table} has no stream in ${client.region}: local/tables.ts streams every global table with two regions`);
          shards = (await client.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
        } catch (error) {
          if ((error as Error).message.includes('has no stream')) throw error;
          continue; // the region does not answer now: its loops notice it too
        }
        for (const shard of shards) {
          const id = `${source}|${streamArn}|${shard.ShardId}`;
          if (started.has(id) || !shard.ShardId) continue;
          const parent = shard.ParentShardId ? `${source}|${streamArn}|${shard.ParentShardId}` : undefined;
          if (parent && started.has(parent) && !finished.has(parent)) continue;
          started.add(id);
          caughtUp.set(`${client.region}|${streamArn}|${shard.ShardId}`, false);
          loops.push(
            shardLoop(source, table, streamArn, shard.ShardId)
              .catch((error: unknown) => options.onError?.(`replicator: reading ${table} in ${client.region} failed`, error))
              .finally(() => finished.add(id)),
          );
        }
      }
    }
  };
  await discover();
  const discovery = setInterval(() => {
    if (!stopped) discover().catch((error: unknown) => options.onError?.('replicator: discovering stream shards failed', error));
  }, DISCOVER_MS);
  loops.push(applyLoop(0), applyLoop(1));

  return {
    stats,
    drain: (timeoutMs) => untilCalm(() => [...caughtUp.values()].every(Boolean) && queues.every((queue) => queue.length === 0), timeoutMs, POLL_MS),
    stop: async () => {
      stopped = true;
      clearInterval(discovery);
      await Promise.allSettled(loops);
      if (checkpointsDirty) saveCheckpoints();
      for (const client of clients) {
        client.dynamoDb.destroy();
        client.streams.destroy();
      }
    },
  };
};
