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

/**
 * The audit log in the `audit` table (docs/decisions/0008-audit-log.md):
 *   pk = "chain#<merchant id>#<region>#<stripe>", sk = "entry#<seq, 12 digits>"  → one entry, written once
 *   GSI merchant-entry-shards (KEYS_ONLY): entry_shard = "<merchant id>#<stripe mod LIST_SHARDS>",
 *     entry_order = "<at>#<region>#<stripe>#<seq>"
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
 * The list index is spread over LIST_SHARDS partitions per merchant (by stripe, itself random), so a busy
 * merchant's appends are not one hot index partition; it projects keys only, so an entry's index write is one
 * unit whatever its before/after snapshots weigh. A page reads every shard from the cursor on, merges them by
 * entry_order (unique, so the order is total and a cursor exact), and fetches the page's entries by key.
 *
 * Chains are per region because global tables check conditions in the writing region only: two regions
 * appending entry n+1 of one chain would both succeed, and replication would keep one (last writer wins).
 */
const SEQ_DIGITS = 12;
const MAX_APPEND_ATTEMPTS = 60;
/** Chain heads remembered per instance (the chains it wrote to last). */
const MAX_CACHED_HEADS = 2_000;
export const MERCHANT_ENTRIES_INDEX = 'merchant-entry-shards';
/** Index partitions per merchant; the stripe of an entry picks its partition. */
export const LIST_SHARDS = 4;
export const listShardKey = (merchantId: string, shard: number): string => `${merchantId}#${shard}`;

export const chainKey = (chain: ChainId): string => `chain#${chain.merchantId}#${chain.region}#${chain.stripe}`;
export const entrySortKey = (seq: number): string => `entry#${String(seq).padStart(SEQ_DIGITS, '0')}`;
const entryOrder = (entry: Pick<AuditEntry, 'at' | 'region' | 'stripe' | 'seq'>) =>
  `${entry.at}#${entry.region}#${entry.stripe}#${String(entry.seq).padStart(SEQ_DIGITS, '0')}`;

/** An append lost the race for a chain end too many times in a row (pathological contention). */
export class AuditAppendContendedError extends Error {
  override readonly name = 'AuditAppendContendedError';
}

export const toAuditEntry = (item: Record<string, unknown>): AuditEntry => ({
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
  before: item.before ?? null,
  after: item.after ?? null,
  prev_hash: item.prev_hash as string,
  hash: item.hash as string,
});

const itemOf = (entry: AuditEntry) => ({
  pk: chainKey({ merchantId: entry.merchant_id, region: entry.region, stripe: entry.stripe }),
  sk: entrySortKey(entry.seq),
  entry_shard: listShardKey(entry.merchant_id, entry.stripe % LIST_SHARDS),
  entry_order: entryOrder(entry),
  ...entry,
});

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
  ) {}

  private async queryHead(chain: ChainId): Promise<ChainHead | null> {
    this.stats.headQueries += 1;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
        ExpressionAttributeValues: { ':pk': chainKey(chain), ':entry': 'entry#' },
        ProjectionExpression: 'seq, #hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const last = result.Items?.[0];
    return last ? { seq: last.seq as number, hash: last.hash as string } : null;
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
            Item: itemOf(entry),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.stats.appends += 1;
        this.remember(this.heads, key, { seq: entry.seq, hash: entry.hash });
        this.remember(this.preferred, record.merchant_id, stripe);
        return entry;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.stats.conflicts += 1;
        // The winner's entry, in the low-level format (the document client leaves it as is). After a fresh
        // head it is most likely the chain's end now; after a remembered (stale) head, nothing is known.
        const winnerSeq = error.Item?.seq?.N;
        const winnerHash = error.Item?.hash?.S;
        if (known === undefined && winnerSeq !== undefined && winnerHash !== undefined) {
          this.remember(this.heads, key, { seq: Number(winnerSeq), hash: winnerHash });
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
    let before: string | undefined;
    if (page.startingAfter !== undefined) {
      const position = parseAuditEntryId(page.startingAfter);
      const cursor = position
        ? await this.client.send(
            new GetCommand({
              TableName: this.tableName,
              Key: { pk: chainKey({ merchantId, ...position }), sk: entrySortKey(position.seq) },
              ProjectionExpression: 'entry_order',
            }),
          )
        : undefined;
      if (!cursor?.Item) throw new InvalidCursorError('starting_after', page.startingAfter);
      before = cursor.Item.entry_order as string;
    }
    const keyed: { pk: string; sk: string; order: string }[] = [];
    for (let shard = 0; shard < LIST_SHARDS; shard += 1) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: MERCHANT_ENTRIES_INDEX,
          KeyConditionExpression: before === undefined ? 'entry_shard = :shard' : 'entry_shard = :shard AND entry_order < :before',
          ExpressionAttributeValues: { ':shard': listShardKey(merchantId, shard), ...(before === undefined ? {} : { ':before': before }) },
          ScanIndexForward: false,
          Limit: page.limit + 1,
        }),
      );
      for (const item of result.Items ?? []) keyed.push({ pk: item.pk as string, sk: item.sk as string, order: item.entry_order as string });
    }
    keyed.sort((a, b) => (a.order < b.order ? 1 : a.order > b.order ? -1 : 0));
    const wanted = keyed.slice(0, page.limit);
    const found = new Map<string, AuditEntry>();
    for (let offset = 0; offset < wanted.length; offset += 100) {
      let keys: Record<string, unknown>[] | undefined = wanted.slice(offset, offset + 100).map(({ pk, sk }) => ({ pk, sk }));
      while (keys && keys.length > 0) {
        const batch: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of batch.Responses?.[this.tableName] ?? []) found.set(`${item.pk}|${item.sk}`, toAuditEntry(item));
        keys = batch.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return { entries: wanted.flatMap(({ pk, sk }) => found.get(`${pk}|${sk}`) ?? []), hasMore: keyed.length > page.limit };
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
