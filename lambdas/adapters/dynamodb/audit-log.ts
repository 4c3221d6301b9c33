import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  AUDIT_STRIPES,
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  type ChainId,
  chainEntry,
  parseAuditEntryId,
} from '../../domain/audit';
import { InvalidCursorError } from '../../domain/errors';
import type { AuditLog, AuditPage } from '../../ports/audit-log';
import { PUBLIC_JSON_DICTIONARY, compressPublicJson, decompressPublicJson } from './public-json-compression';
import { deployment } from '../../../platform/deployment';

/**
 * The audit log in the `audit` table (docs/decisions/0008-audit-log.md):
 *   pk = "chain#<merchant id>#<region>#<stripe>", sk = "entry#<seq, 12 digits>"  → one entry, written once
 * No index: one write unit per entry (per started KB), nothing more (docs/decisions/0040-lean-data-path.md).
 *
 * Appending puts entry seq+1 of a chain on the condition that it does not exist yet. Two concurrent appends
 * to one chain compute the same seq; one put wins. The loser learns the winner's entry from the failed
 * condition (ReturnValuesOnConditionCheckFailure) and moves to another of the merchant's AUDIT_STRIPES
 * chains, where it is unlikely to meet the same crowd: each chain stays linear with one conditional PutItem
 * per entry, and a busy merchant's appends spread over several chain ends. A chain's head comes from
 * the instance's last write to it when known (a warm function then needs no read), else from a strongly
 * consistent query of its newest entry; a remembered head that turns out stale is forgotten, not walked.
 * Only PutItem, GetItem, BatchGetItem and Query are used: no function holds UpdateItem or DeleteItem on this table.
 *
 * An entry's `at` is never earlier than its predecessor's (a writer whose clock is behind takes the
 * predecessor's time), so within a chain the list order (`at`, region, stripe, seq) is the chain's own order.
 * A page therefore reads the merchant's chains themselves (AUDIT_STRIPES per region, in parallel), each newest
 * first from the cursor on: the cursor's own chain by key (`sk < entry#<its seq>`), the others past the
 * entries later than the cursor (a filter on `at`, then the exact order here), merges them, and fetches the
 * page's entries by key. A deep page reads, in each chain, the entries newer than its cursor: reads are cheap
 * next to the index write every entry used to cost.
 *
 * Chains are per region because global tables check conditions in the writing region only: two regions
 * appending entry n+1 of one chain would both succeed, and replication would keep one (last writer wins).
 */
const SEQ_DIGITS = 12;
const MAX_APPEND_ATTEMPTS = 60;
/** Chain heads remembered per instance (the chains it wrote to last). */
const MAX_CACHED_HEADS = 2_000;
/** Entries a filtered chain read evaluates per request (past the entries later than a cursor). */
const FILTERED_READ = 250;

export const chainKey = (chain: ChainId): string => `chain#${chain.merchantId}#${chain.region}#${chain.stripe}`;
export const entrySortKey = (seq: number): string => `entry#${String(seq).padStart(SEQ_DIGITS, '0')}`;
type Position = Pick<AuditEntry, 'at' | 'region' | 'stripe' | 'seq'>;
/** The list order, newest first: by time, then region, stripe and seq (unique, so a cursor is exact). */
const newestFirst = (a: Position, b: Position): number =>
  a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.region !== b.region ? (a.region < b.region ? 1 : -1) : a.stripe !== b.stripe ? b.stripe - a.stripe : b.seq - a.seq;

/** An append lost the race for a chain end too many times in a row (pathological contention). */
export class AuditAppendContendedError extends Error {
  override readonly name = 'AuditAppendContendedError';
}

/** An entry's snapshots as stored: `z`, both deflated (public-json-compression.ts), or (older items) `before` and `after` as maps. */
const snapshotsOf = (item: Record<string, unknown>): [unknown, unknown] =>
  item.z !== undefined ? (decompressPublicJson(item.z as Uint8Array, item.zv as number) as [unknown, unknown]) : [item.before ?? null, item.after ?? null];

export const toAuditEntry = (item: Record<string, unknown>): AuditEntry => {
  const [before, after] = snapshotsOf(item);
  return {
    merchant_id: item.merchant_id as string,
    region: item.region as string,
    stripe: item.stripe as number,
    seq: item.seq as number,
    at: item.at as string,
    actor: item.actor as AuditEntry['actor'],
    action: item.action as string,
    target: item.target as AuditEntry['target'],
    request_id: item.request_id as string,
    command_id: (item.command_id ?? null) as string | null,
    before,
    after,
    prev_hash: item.prev_hash as string,
    hash: item.hash as string,
  };
};

/**
 * The stored item: the entry's fields, with its two snapshots (the object before and after, which repeat
 * most of each other's bytes) deflated into `z`, so an entry stays within one write unit (1 KB) where the
 * plain maps took two (decision record 0040). The hash covers the snapshots as JSON, not their storage.
 */
export const auditItem = (entry: AuditEntry): Record<string, unknown> => {
  const { before, after, ...rest } = entry;
  return {
    pk: chainKey({ merchantId: entry.merchant_id, region: entry.region, stripe: entry.stripe }),
    sk: entrySortKey(entry.seq),
    ...rest,
    z: compressPublicJson([before, after]),
    zv: PUBLIC_JSON_DICTIONARY,
  };
};

const randomStripe = (stripes: number, except?: number): number => {
  if (except === undefined || stripes === 1) return Math.floor(Math.random() * stripes);
  return (except + 1 + Math.floor(Math.random() * (stripes - 1))) % stripes;
};

export class DynamoDbAuditLog implements AuditLog {
  /** Appends done, races lost and head queries made by this instance (the contention benchmark reads them). */
  readonly stats = { appends: 0, conflicts: 0, headQueries: 0 };
  /** Last known head per chain key (null: known to be empty). */
  private readonly heads = new Map<string, ChainHead | null>();
  /** The stripe each merchant's last append from this instance went to. */
  private readonly preferred = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The region this instance writes in. */
    private readonly region: string,
    private readonly now: () => Date = () => new Date(),
    /** How many of the merchant's chains appends use: AUDIT_STRIPES; fewer only to measure (npm run bench:audit). */
    private readonly stripes: number = AUDIT_STRIPES,
    /** Every region that writes chains: a list reads all of them. */
    private readonly regions: readonly string[] = [deployment.primaryRegion, deployment.secondaryRegion],
  ) {}

  private async queryHead(chain: ChainId): Promise<ChainHead | null> {
    this.stats.headQueries += 1;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
        ExpressionAttributeValues: { ':pk': chainKey(chain), ':entry': 'entry#' },
        ProjectionExpression: 'seq, #hash, #at',
        ExpressionAttributeNames: { '#hash': 'hash', '#at': 'at' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const last = result.Items?.[0];
    return last ? { seq: last.seq as number, hash: last.hash as string, at: last.at as string } : null;
  }

  private remember<Value>(map: Map<string, Value>, key: string, value: Value): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_CACHED_HEADS) map.delete(map.keys().next().value as string);
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    let stripe = this.preferred.get(record.merchant_id) ?? randomStripe(this.stripes);
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      const chain: ChainId = { merchantId: record.merchant_id, region: this.region, stripe };
      const key = chainKey(chain);
      const known = this.heads.get(key);
      const head = known !== undefined ? known : await this.queryHead(chain);
      const entry = chainEntry(record, head ?? undefined, chain, this.now());
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: auditItem(entry),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.stats.appends += 1;
        this.remember(this.heads, key, { seq: entry.seq, hash: entry.hash, at: entry.at });
        this.remember(this.preferred, record.merchant_id, stripe);
        return entry;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.stats.conflicts += 1;
        // The winner's entry, in the low-level format (the document client leaves it as is). After a fresh
        // head it is most likely the chain's end now; after a remembered (stale) head, nothing is known.
        const winnerSeq = error.Item?.seq?.N;
        const winnerHash = error.Item?.hash?.S;
        const winnerAt = error.Item?.at?.S;
        if (known === undefined && winnerSeq !== undefined && winnerHash !== undefined && winnerAt !== undefined) {
          this.remember(this.heads, key, { seq: Number(winnerSeq), hash: winnerHash, at: winnerAt });
        } else {
          this.heads.delete(key);
        }
        this.preferred.delete(record.merchant_id);
        stripe = randomStripe(this.stripes, stripe);
      }
    }
    throw new AuditAppendContendedError(`Audit append for ${record.merchant_id} lost ${MAX_APPEND_ATTEMPTS} races in a row`);
  }

  async list(merchantId: string, page: { limit: number; startingAfter?: string }): Promise<AuditPage> {
    let cursor: Position | undefined;
    if (page.startingAfter !== undefined) {
      const position = parseAuditEntryId(page.startingAfter);
      const found = position
        ? await this.client.send(
            new GetCommand({
              TableName: this.tableName,
              Key: { pk: chainKey({ merchantId, ...position }), sk: entrySortKey(position.seq) },
              ProjectionExpression: '#at',
              ExpressionAttributeNames: { '#at': 'at' },
            }),
          )
        : undefined;
      if (!position || !found?.Item) throw new InvalidCursorError('starting_after', page.startingAfter);
      cursor = { ...position, at: found.Item.at as string };
    }
    // Every chain from the cursor on, newest first, up to one more than a page: the merged page is then
    // exact, and an entry beyond it means another page.
    const chains = this.regions.flatMap((region) => Array.from({ length: AUDIT_STRIPES }, (_, stripe): ChainId => ({ merchantId, region, stripe })));
    const heads = (await Promise.all(chains.map((chain) => this.chainPage(chain, page.limit + 1, cursor)))).flat();
    heads.sort(newestFirst);
    const wanted = heads.slice(0, page.limit).map((position) => ({
      pk: chainKey({ merchantId, region: position.region, stripe: position.stripe }),
      sk: entrySortKey(position.seq),
    }));
    const found = new Map<string, AuditEntry>();
    for (let offset = 0; offset < wanted.length; offset += 100) {
      let keys: Record<string, unknown>[] | undefined = wanted.slice(offset, offset + 100);
      while (keys && keys.length > 0) {
        const batch: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of batch.Responses?.[this.tableName] ?? []) found.set(`${item.pk}|${item.sk}`, toAuditEntry(item));
        keys = batch.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return { entries: wanted.flatMap(({ pk, sk }) => found.get(`${pk}|${sk}`) ?? []), hasMore: heads.length > page.limit };
  }

  /**
   * Up to `limit` positions of one chain, newest first, that come after `cursor` in the list order. In the
   * cursor's own chain those are the entries before it by key; in another, the entries not later than the
   * cursor's time (a filter: the later ones are read and dropped), then the exact order for equal times.
   */
  private async chainPage(chain: ChainId, limit: number, cursor: Position | undefined): Promise<Position[]> {
    const ownChain = cursor !== undefined && cursor.region === chain.region && cursor.stripe === chain.stripe;
    const byTime = cursor !== undefined && !ownChain;
    const positions: Position[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: ownChain ? 'pk = :pk AND sk < :before' : 'pk = :pk AND begins_with(sk, :entry)',
          ...(byTime ? { FilterExpression: '#at <= :at' } : {}),
          ExpressionAttributeValues: {
            ':pk': chainKey(chain),
            ...(ownChain ? { ':before': entrySortKey(cursor.seq) } : { ':entry': 'entry#' }),
            ...(byTime ? { ':at': cursor.at } : {}),
          },
          ProjectionExpression: 'seq, #at',
          ExpressionAttributeNames: { '#at': 'at' },
          ScanIndexForward: false,
          Limit: byTime ? Math.max(limit, FILTERED_READ) : limit,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of result.Items ?? []) {
        const position: Position = { region: chain.region, stripe: chain.stripe, seq: item.seq as number, at: item.at as string };
        if (cursor === undefined || newestFirst(cursor, position) < 0) positions.push(position);
        if (positions.length >= limit) return positions;
      }
      start = result.LastEvaluatedKey;
    } while (start);
    return positions;
  }

  async *read(chain: ChainId): AsyncIterable<AuditEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
          ExpressionAttributeValues: { ':pk': chainKey(chain), ':entry': 'entry#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield toAuditEntry(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
