import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleVersionError } from '../../domain/errors';
import type { Beneficiary } from '../../domain/payouts/beneficiary';
import { type Payout, type PayoutWait, awaitsReview } from '../../domain/payouts/payout';
import type { BeneficiaryPage, InsertPayoutResult, PayoutPage, PayoutRepository } from '../../ports/payout-repository';
import { MERCHANT_OBJECTS_INDEX, PAYOUTS_IN_REVIEW_INDEX } from '../../../platform/tables';
import type { ListWindow } from '../../domain/list-window';
import { itemsByKey, queryCreatedOrder } from './created-order';
import { payoutAttributes, payoutOfAttributes } from './payout-items';
import { WRITTEN_IN, flightAttributes } from './payment-repository';

/**
 * Beneficiaries and payouts in the `payouts` table (docs/data-model.md):
 *   pk = ben_..., sk = "beneficiary"                    GSI merchant-objects (`<merchant>#beneficiary`, keys only)
 *   pk = po_...,  sk = "payout"                         GSI merchant-objects (`<merchant>#payout`, keys only), versioned
 *   pk = po_...,  sk = "task#<review|confirmation>"     the task token a durable wait of the payout stored
 *   pk = rail#<channel>#<reference>, sk = "rail-reference"  → payoutId
 *   pk = payout-day#<merchant>#<currency>#<yyyy-mm-dd>, sk = "bucket#<0-1023>"  a bucket of the day's payouts: its
 *       total and the ids counted in it (a hash of the id picks the bucket); the day's total is the partition's sum
 *
 * Recovery (docs/decisions/0021-in-flight-sweep-over-list-indexes.md): a payout is in flight outside any
 * durable workflow while `inFlightSince` is set (it has a step to run). Every item names the region that
 * wrote it (`rg`); the sweeper of that region finds a payout in its creation flight through merchant-objects,
 * and one in a later flight (after a review decision, a rail message or a cancel) through the marker of the
 * sparse saga-starts index (`saga_shard`, `saga_pending_since`). Every write is a whole-item Put, so a payout
 * that waits or is done loses the marker.
 * A payout waiting for an operator's decision (`in_review`, undecided) carries the review-queue marker
 * (`review_queue`, `review_order`: GSI payouts-in-review, sparse) the same way.
 */
const BENEFICIARY = 'beneficiary';
const PAYOUT = 'payout';
const RAIL_REFERENCE = 'rail-reference';
/** A day's payouts are counted in this many buckets, a payout's chosen by a hash of its id (decision record 0057). */
export const PAYOUT_DAY_BUCKETS = 1024;
/** The sort key of a payout's bucket in its day's partition: the same for every count of the payout. */
export const dayBucketKey = (payoutId: string): string =>
  `bucket#${createHash('sha256').update(payoutId).digest().readUInt32BE(0) % PAYOUT_DAY_BUCKETS}`;
/** A day's total is kept a week past its day (`expires_at`, the table's TTL attribute), then goes. */
const DAY_TOTAL_KEPT_SECONDS = 8 * 24 * 3600;

type Item = Record<string, unknown>;

const withoutKeys = <T>(item: Item): T => {
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, saga_shard: _shard, saga_pending_since: _since, [WRITTEN_IN]: _region, review_queue: _queue, review_order: _order, ...rest } = item;
  return rest as T;
};

/** A stored payout item as its domain object (the sweeper reads items directly). */
export const payoutOfItem = (item: Item): Payout => payoutOfAttributes(item.pk as string, withoutKeys<Item>(item));

const beneficiaryKeys = (beneficiary: Beneficiary) => ({
  pk: beneficiary.id,
  sk: BENEFICIARY,
  merchant_type: `${beneficiary.merchantId}#beneficiary`,
  created_key: `${beneficiary.createdAt}#${beneficiary.id}`,
});

const payoutKeys = (payout: Payout) => ({
  pk: payout.id,
  sk: PAYOUT,
  merchant_type: payoutListPartition(payout.merchantId),
  created_key: `${payout.createdAt}#${payout.id}`,
});

const REVIEW_QUEUE = 'in_review';

const payoutMarker = (region: string, payout: Payout) => ({
  ...flightAttributes(region, payout),
  ...(awaitsReview(payout) ? { review_queue: REVIEW_QUEUE, review_order: `${payout.createdAt}#${payout.id}` } : {}),
});

/** A merchant's payouts list partition (the recovery sweeper queries it). */
export const payoutListPartition = (merchantId: string): string => `${merchantId}#payout`;

/** The merchant's payouts and beneficiaries by creation (keys only: a page's items are read by key). */
const LIST_INDEX = { indexName: MERCHANT_OBJECTS_INDEX, partitionKey: 'merchant_type', sortKey: 'created_key' } as const;

export class DynamoDbPayoutRepository implements PayoutRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The region this code runs in, named on every payout it writes (only its sweeper recovers it). */
    private readonly region: string,
  ) {}

  async insertBeneficiary(beneficiary: Beneficiary): Promise<{ created: boolean; beneficiary: Beneficiary }> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...beneficiaryKeys(beneficiary), ...beneficiary }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return { created: true, beneficiary };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getBeneficiary(beneficiary.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, beneficiary: existing };
    }
  }

  async getBeneficiary(id: string, options: { consistent?: boolean } = {}): Promise<Beneficiary | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: BENEFICIARY }, ConsistentRead: options.consistent }));
    return result.Item ? withoutKeys<Beneficiary>(result.Item) : undefined;
  }

  async listBeneficiaries(merchantId: string, window: ListWindow): Promise<BeneficiaryPage> {
    const { items, hasMore } = await this.listObjects(`${merchantId}#beneficiary`, window);
    return { beneficiaries: items.map((item) => withoutKeys<Beneficiary>(item)), hasMore };
  }

  /** One conditional Put, a quoted payout too: its quote is claimed before (decision record 0057; a transaction would bill both writes twice). */
  async insertPayout(payout: Payout): Promise<InsertPayoutResult> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...payoutKeys(payout), ...payoutMarker(this.region, payout), ...payoutAttributes(payout) }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return { created: true, payout };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getPayout(payout.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, payout: existing };
    }
  }

  async getPayout(id: string, options: { consistent?: boolean } = {}): Promise<Payout | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: PAYOUT }, ConsistentRead: options.consistent }));
    return result.Item ? payoutOfItem(result.Item) : undefined;
  }

  async listPayouts(merchantId: string, window: ListWindow): Promise<PayoutPage> {
    const { items, hasMore } = await this.listObjects(payoutListPartition(merchantId), window);
    return { payouts: items.map(payoutOfItem), hasMore };
  }

  async listPayoutsInReview(page: { limit: number; after?: Payout }): Promise<PayoutPage> {
    const { items, hasMore } = await this.listKeysThenItems(
      {
        IndexName: PAYOUTS_IN_REVIEW_INDEX,
        KeyConditionExpression: 'review_queue = :queue',
        ExpressionAttributeValues: { ':queue': REVIEW_QUEUE },
        ScanIndexForward: true,
        ExclusiveStartKey: page.after
          ? { pk: page.after.id, sk: PAYOUT, review_queue: REVIEW_QUEUE, review_order: `${page.after.createdAt}#${page.after.id}` }
          : undefined,
      },
      page.limit,
    );
    // The index is eventually consistent: a payout decided a moment ago may still be listed; its item says so.
    return { payouts: items.map(payoutOfItem).filter(awaitsReview), hasMore };
  }

  async updatePayout(next: Payout): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...payoutKeys(next), ...payoutMarker(this.region, next), ...payoutAttributes(next) },
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleVersionError(next.id, next.version - 1);
      throw error;
    }
  }

  async putRailReference(channel: string, railReference: string, payoutId: string): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `rail#${channel}#${railReference}`, sk: RAIL_REFERENCE, payoutId, channel, railReference },
          ConditionExpression: 'attribute_not_exists(pk) OR payoutId = :payout',
          ExpressionAttributeValues: { ':payout': payoutId },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new Error(`Rail reference ${channel}/${railReference} already belongs to another payout`);
      throw error;
    }
  }

  async payoutIdForRailReference(channel: string, railReference: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `rail#${channel}#${railReference}`, sk: RAIL_REFERENCE }, ConsistentRead: true }),
    );
    return result.Item?.payoutId as string | undefined;
  }

  async countPayoutDay(entry: { merchantId: string; currency: string; day: string; payoutId: string; amount: number }): Promise<number> {
    const pk = `payout-day#${entry.merchantId}#${entry.currency}#${entry.day}`;
    try {
      // The id set makes the addition idempotent: a repeated Reserve, a recovery or a concurrent duplicate adds
      // nothing. The payout's bucket (a hash of its id) holds ~1/1,024 of the day's ids, so the update stays
      // under 1 KB (1 write unit) to some 20,000 payouts a merchant, currency and day (decision record 0057).
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: dayBucketKey(entry.payoutId) },
          UpdateExpression: 'ADD #total :amount, payout_ids :ids SET expires_at = if_not_exists(expires_at, :expires)',
          ConditionExpression: 'attribute_not_exists(payout_ids) OR NOT contains(payout_ids, :id)',
          ExpressionAttributeNames: { '#total': 'total' },
          ExpressionAttributeValues: {
            ':amount': entry.amount,
            ':ids': new Set([entry.payoutId]),
            ':id': entry.payoutId,
            ':expires': Math.floor(Date.parse(`${entry.day}T00:00:00Z`) / 1000) + DAY_TOTAL_KEPT_SECONDS,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Read after the write, strongly consistent: the sum holds this payout and every payout counted before it
    // (as the single item's ADD answered), and possibly some counted concurrently after it.
    return this.payoutDayTotal(pk);
  }

  /** The day's total: every bucket of the day's partition (and a pre-0057 `total` item), one strongly consistent Query. */
  private async payoutDayTotal(pk: string): Promise<number> {
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExpressionAttributeNames: { '#total': 'total' },
          ProjectionExpression: '#total',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) total += Number(item.total ?? 0);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  async putWaitingToken(payoutId: string, wait: PayoutWait, token: string, now: Date): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: payoutId, sk: `task#${wait}`, token, updatedAt: now.toISOString() } }));
  }

  async getWaitingToken(payoutId: string, wait: PayoutWait): Promise<string | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: payoutId, sk: `task#${wait}` }, ConsistentRead: true }));
    return result.Item?.token as string | undefined;
  }

  /** A page of the merchant's objects, newest first: their keys from the keys-only index, then the items by key. */
  private async listObjects(merchantType: string, window: ListWindow): Promise<{ items: Item[]; hasMore: boolean }> {
    const keys = await queryCreatedOrder(this.client, this.tableName, LIST_INDEX, [merchantType], window);
    return { items: await itemsByKey(this.client, this.tableName, keys.items), hasMore: keys.hasMore };
  }

  /** A page of a keys-only index: the keys, then the items by key (BatchGetItem), in the index's order. */
  private async listKeysThenItems(
    query: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues' | 'ScanIndexForward' | 'ExclusiveStartKey'>,
    limit: number,
  ): Promise<{ items: Item[]; hasMore: boolean }> {
    const result = await this.client.send(new QueryCommand({ TableName: this.tableName, ...query, Limit: limit + 1 }));
    return { items: await itemsByKey(this.client, this.tableName, (result.Items ?? []).slice(0, limit)), hasMore: (result.Items ?? []).length > limit };
  }

}
