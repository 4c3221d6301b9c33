import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type BreakerTransition,
  type BucketCounts,
  type ChannelHealthRecord,
  type ChannelHealthView,
  type ChannelOutcome,
  DEFAULT_HEALTH_POLICY,
  type HealthPolicy,
  bucketIndex,
  nextBreaker,
  tally,
  unseenChannel,
  viewOf,
} from '../../domain/channel-health';
import type { ChannelHealth } from '../../ports/channel-health';

/**
 * Channel health in the regional `channelHealth` table (docs/data-model.md): one item per channel,
 *   pk = channel#<name>   n<bucket> attempts, f<bucket> failures, l<bucket> latency sum (ms),
 *                         bs breaker (closed | open), bt since (epoch ms), expires_at (TTL)
 * where <bucket> is epoch ms / bucketMs. Each function instance counts outcomes in memory and sends them
 * with one UpdateItem per channel (atomic ADDs, so instances never overwrite each other), at most every
 * `flushMs`, removing the buckets that left the window in the same write. The answer (ALL_NEW) is the
 * record as every instance's counts made it: the breaker is decided from it, and a change is written only
 * over the state it was decided from (a condition), so two instances deciding at once change it once.
 * Reads are one BatchGetItem, cached for `cacheMs`.
 */
export interface ChannelHealthStoreOptions {
  readonly policy?: HealthPolicy;
  readonly flushMs?: number;
  readonly cacheMs?: number;
  readonly now?: () => number;
  /** Told of every breaker change this instance made (for a log line and a metric). */
  readonly onTransition?: (channel: string, transition: BreakerTransition) => void;
  /** Told of a failed health write or read (never thrown: health is advisory). */
  readonly onError?: (error: unknown) => void;
}

type Item = Record<string, unknown>;

const RETENTION_SECONDS = 60 * 60;
const keyOf = (channel: string) => ({ pk: `channel#${channel}` });

export const recordOf = (channel: string, item: Item | undefined): ChannelHealthRecord => {
  if (!item) return unseenChannel(channel);
  const buckets = new Map<number, BucketCounts>();
  for (const [name, value] of Object.entries(item)) {
    const match = /^n(\d+)$/.exec(name);
    if (!match) continue;
    const index = Number(match[1]);
    buckets.set(index, { attempts: Number(value), failures: Number(item[`f${index}`] ?? 0), latencyMs: Number(item[`l${index}`] ?? 0) });
  }
  return { channel, buckets, breaker: item.bs === 'open' ? 'open' : 'closed', since: Number(item.bt ?? 0) };
};

export class DynamoDbChannelHealth implements ChannelHealth {
  private readonly policy: HealthPolicy;
  private readonly flushMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private pending = new Map<string, ChannelOutcome[]>();
  private lastFlush = 0;
  private readonly leftovers = new Map<string, number[]>();
  private readonly cache = new Map<string, { readonly record: ChannelHealthRecord; readonly readAt: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: ChannelHealthStoreOptions = {},
  ) {
    this.policy = options.policy ?? DEFAULT_HEALTH_POLICY;
    this.flushMs = options.flushMs ?? 2_000;
    this.cacheMs = options.cacheMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  async views(channels: readonly string[]): Promise<ReadonlyMap<string, ChannelHealthView>> {
    const now = this.now();
    const stale = channels.filter((channel) => {
      const cached = this.cache.get(channel);
      return !cached || now - cached.readAt >= this.cacheMs;
    });
    if (stale.length > 0) {
      try {
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: stale.map(keyOf) } } }),
        );
        const items = result.Responses?.[this.tableName] ?? [];
        for (const channel of stale) {
          const item = items.find((candidate) => candidate.pk === keyOf(channel).pk);
          this.cache.set(channel, { record: recordOf(channel, item), readAt: now });
        }
      } catch (error) {
        // Unreadable health: route on what was last read (or as if healthy), never fail the payment.
        this.options.onError?.(error);
      }
    }
    return new Map(channels.map((channel) => [channel, viewOf(this.cache.get(channel)?.record ?? unseenChannel(channel), now, this.policy)]));
  }

  record(channel: string, outcome: { readonly ok: boolean; readonly latencyMs: number }): void {
    const outcomes = this.pending.get(channel) ?? [];
    outcomes.push({ ...outcome, atMs: this.now() });
    this.pending.set(channel, outcomes);
  }

  async flush(options: { readonly force?: boolean } = {}): Promise<readonly BreakerTransition[]> {
    const now = this.now();
    if (this.pending.size === 0 || (!options.force && now - this.lastFlush < this.flushMs)) return [];
    this.lastFlush = now;
    const batches = this.pending;
    this.pending = new Map();
    const transitions: BreakerTransition[] = [];
    await Promise.all(
      [...batches].map(async ([channel, outcomes]) => {
        try {
          const record = await this.add(channel, tally(outcomes, this.policy), now);
          this.cache.set(channel, { record, readAt: now });
          const transition = nextBreaker(record, now, this.policy);
          if (transition && (await this.move(channel, transition))) {
            transitions.push(transition);
            this.cache.set(channel, { record: { ...record, breaker: transition.to, since: transition.at }, readAt: now });
            this.options.onTransition?.(channel, transition);
          }
        } catch (error) {
          this.options.onError?.(error);
        }
      }),
    );
    return transitions;
  }

  private async add(channel: string, buckets: ReadonlyMap<number, BucketCounts>, now: number): Promise<ChannelHealthRecord> {
    const newest = bucketIndex(now, this.policy);
    const oldestKept = newest - this.policy.windowBuckets + 1;
    const adds: string[] = [];
    const values: Record<string, unknown> = { ':closed': 'closed', ':now': now, ':expires': Math.floor(now / 1000) + RETENTION_SECONDS };
    for (const [index, counts] of buckets) {
      if (index < oldestKept) continue;
      values[`:n${index}`] = counts.attempts;
      values[`:f${index}`] = counts.failures;
      values[`:l${index}`] = counts.latencyMs;
      adds.push(`n${index} :n${index}`, `f${index} :f${index}`, `l${index} :l${index}`);
    }
    // The buckets that left the window in the last minute, and any older ones the last answer showed (a
    // channel idle for longer): the item keeps only the window.
    const removed = new Set(this.leftovers.get(channel) ?? []);
    for (let index = oldestKept - 1; index >= Math.max(0, oldestKept - 30); index -= 1) removed.add(index);
    const removes = [...removed].flatMap((index) => [`n${index}`, `f${index}`, `l${index}`]);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(channel),
        UpdateExpression: [
          'SET bs = if_not_exists(bs, :closed), bt = if_not_exists(bt, :now), expires_at = :expires',
          adds.length > 0 ? `ADD ${adds.join(', ')}` : '',
          `REMOVE ${removes.join(', ')}`,
        ].join(' '),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const record = recordOf(channel, result.Attributes);
    this.leftovers.set(channel, [...record.buckets.keys()].filter((index) => index < oldestKept).slice(0, 30));
    return record;
  }

  private async move(channel: string, transition: BreakerTransition): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(channel),
          UpdateExpression: 'SET bs = :to, bt = :at',
          ConditionExpression: 'bs = :from AND bt = :since',
          ExpressionAttributeValues: { ':to': transition.to, ':at': transition.at, ':from': transition.from.breaker, ':since': transition.from.since },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
