import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEntry, type AuditRecord, type ChainHead, chainEntry } from '../../domain/audit';
import type { AuditLog, AuditPage } from '../../ports/audit-log';

/**
 * The audit log in the `audit` table (docs/decisions/0008-audit-log.md):
 *   pk = "chain#<merchant id>#<region>", sk = "entry#<seq, 12 digits>"  → one entry, written once
 *
 * Appending reads the chain's last entry (strongly consistent, newest first, one item) and puts entry
 * seq+1 on the condition that it does not exist yet. Two concurrent appends compute the same seq; one put
 * wins, the other fails its condition, rereads and links after the winner: the chain stays linear with one
 * conditional PutItem per entry and no item that every append must update. Only PutItem and Query are
 * ever used: the functions' IAM permissions hold no UpdateItem or DeleteItem on this table.
 *
 * A chain per region because global tables check conditions in the writing region only: two regions
 * appending entry n+1 of one chain would both succeed, and replication would keep one (last writer wins).
 */
const SEQ_DIGITS = 12;
const MAX_APPEND_ATTEMPTS = 40;
const BASE_DELAY_MS = 4;
const MAX_DELAY_MS = 100;

export const chainKey = (merchantId: string, region: string): string => `chain#${merchantId}#${region}`;
export const entrySortKey = (seq: number): string => `entry#${String(seq).padStart(SEQ_DIGITS, '0')}`;

/** An append lost the race for the next position too many times in a row (a pathological hot chain). */
export class AuditAppendContendedError extends Error {
  override readonly name = 'AuditAppendContendedError';
}

export const toAuditEntry = (item: Record<string, unknown>): AuditEntry => ({
  merchant_id: item.merchant_id as string,
  region: item.region as string,
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

export class DynamoDbAuditLog implements AuditLog {
  /** Appends done and races lost by this instance (the contention benchmark reads them). */
  readonly stats = { appends: 0, conflicts: 0 };

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The region this instance writes in: its chains are `<merchant>#<region>`. */
    private readonly region: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async head(merchantId: string): Promise<ChainHead | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
        ExpressionAttributeValues: { ':pk': chainKey(merchantId, this.region), ':entry': 'entry#' },
        ProjectionExpression: 'seq, #hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const last = result.Items?.[0];
    return last ? { seq: last.seq as number, hash: last.hash as string } : undefined;
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      const entry = chainEntry(record, await this.head(record.merchant_id), this.region, this.now());
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: chainKey(entry.merchant_id, entry.region), sk: entrySortKey(entry.seq), ...entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        this.stats.appends += 1;
        return entry;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.stats.conflicts += 1;
        // Full jitter: losers spread out instead of colliding again on the next position.
        await new Promise((wait) => setTimeout(wait, Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt)));
      }
    }
    throw new AuditAppendContendedError(`Audit append for ${record.merchant_id} lost ${MAX_APPEND_ATTEMPTS} races in a row`);
  }

  async list(merchantId: string, region: string, page: { limit: number; beforeSeq?: number }): Promise<AuditPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: page.beforeSeq === undefined ? 'pk = :pk AND begins_with(sk, :entry)' : 'pk = :pk AND sk BETWEEN :entry AND :before',
        ExpressionAttributeValues: {
          ':pk': chainKey(merchantId, region),
          ':entry': 'entry#',
          ...(page.beforeSeq === undefined ? {} : { ':before': entrySortKey(page.beforeSeq - 1) }),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: page.limit + 1,
      }),
    );
    const items = result.Items ?? [];
    return { entries: items.slice(0, page.limit).map(toAuditEntry), hasMore: items.length > page.limit };
  }

  async *read(merchantId: string, region: string): AsyncIterable<AuditEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
          ExpressionAttributeValues: { ':pk': chainKey(merchantId, region), ':entry': 'entry#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield toAuditEntry(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
