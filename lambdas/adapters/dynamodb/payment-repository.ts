import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StaleVersionError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import { type PaymentEvent, type Transition, awaitsRiskReview } from '../../domain/payment-lifecycle';
import { timelineOf } from '../../domain/payment-timeline';
import type { Refund } from '../../domain/refund';
import { sagaStartMarker } from '../../domain/saga-start';
import { shardOf } from '../../domain/shards';
import type { PaymentPage, PaymentRepository, RefundPage, WaitingTask } from '../../ports/payment-repository';
import { MERCHANT_OBJECTS_INDEX, PAYMENTS_IN_REVIEW_INDEX } from '../../../platform/tables';
import type { ListWindow } from '../../domain/list-window';
import { queryCreatedOrder } from './created-order';
import { paymentAttributes, paymentOf, refundAttributes, refundOf } from './payment-items';
import { type TransactItem, TransactionConditionFailedError, transactWrite } from './transactions';

/**
 * Payments and refunds in the `payments` table (docs/data-model.md):
 *   pk = pay_..., sk = "payment"                 the payment, its timeline inside (payment-items.ts)
 *   pk = pay_..., sk = "task#capture"            the task token its capture window waits on
 *   pk = re_...,  sk = "refund"                  a refund
 *
 * A payment's change is one conditional write of one item (over the version read), not a transaction:
 * the timeline entry is part of the item. A refund's creation and completion change the refund and its
 * payment together: those are the only transactions.
 *
 * Index merchant-objects (KEYS_ONLY) lists a merchant's payments newest first, and its refunds (GET
 * /v1/refunds and the recovery sweeper); its keys never change, so it is written once per object, and spread over LIST_SHARDS
 * partitions per merchant and kind so one merchant's list is not one hot partition (a list reads every
 * shard and merges them).
 *
 * Recovery (docs/decisions/0021-in-flight-sweep-over-list-indexes.md): every item names the region that wrote
 * it (`rg`); the sweeper of that region finds an object in its creation flight through the list index. A
 * payment in a later flight (a capture or cancel request, until it ends) also carries the marker of the sparse
 * saga-starts index (`saga_shard`, `saga_pending_since`). Every write is a whole-item Put, so an item whose
 * object left flight loses the marker.
 */
export const LIST_SHARDS = 4;
const PAYMENT = 'payment';
/** The one partition of the sparse payments-in-review index (reviews are rare: one partition holds them all). */
const RISK_REVIEW_QUEUE = 'risk_review';
const REFUND = 'refund';

/** Which of a merchant's list partitions a payment is in. */
const listShard = (id: string): number => shardOf(id, LIST_SHARDS);

const listPartition = (merchantId: string, shard: number, kind: 'payment' | 'refund' = PAYMENT) => `${merchantId}#${kind}#${shard}`;
/** The list index: per merchant and kind, LIST_SHARDS partitions ordered by `created_key`. */
const LIST_INDEX = { indexName: MERCHANT_OBJECTS_INDEX, partitionKey: 'merchant_type', sortKey: 'created_key' } as const;
const createdKey = (payment: { readonly createdAt: string; readonly id: string }) => `${payment.createdAt}#${payment.id}`;

/** A merchant's list partitions of one kind (the recovery sweeper queries them all). */
export const listPartitions = (merchantId: string, kind: 'payment' | 'refund'): string[] =>
  Array.from({ length: LIST_SHARDS }, (_, shard) => listPartition(merchantId, shard, kind));

/**
 * The recovery attributes of an object's item: the region whose write this is (`rg`: only that region's
 * sweeper recovers it) and, in a later flight only, the marker of the sparse saga-starts index.
 */
export const flightAttributes = (region: string, object: { readonly id: string; readonly createdAt: string; readonly inFlightSince: string | null }) => {
  const marker = sagaStartMarker(region, object);
  return { ...(region ? { [WRITTEN_IN]: region } : {}), ...(marker ? { saga_shard: marker.shard, saga_pending_since: marker.since } : {}) };
};

/** The attribute naming the region that wrote an item (`rg`). */
export const WRITTEN_IN = 'rg';

/** When a refund is in flight: while pending, since its creation (it has no later flight). */
export const refundInFlightSince = (refund: Refund): string | null => (refund.status === 'pending' ? refund.createdAt : null);

type Item = Record<string, unknown>;

export class DynamoDbPaymentRepository implements PaymentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /**
     * The region this code runs in, named in the recovery marker of what it puts in flight (only its
     * sweeper acts on it). Lambda always sets AWS_REGION; the local runtime and the tests set the primary region.
     */
    private readonly region: string,
  ) {}

  private paymentItem(payment: Payment): Item {
    return {
      pk: payment.id,
      sk: PAYMENT,
      merchant_type: listPartition(payment.merchantId, listShard(payment.id)),
      created_key: createdKey(payment),
      ...flightAttributes(this.region, payment),
      ...(awaitsRiskReview(payment) ? { review_queue: RISK_REVIEW_QUEUE, review_order: createdKey(payment) } : {}),
      ...paymentAttributes(payment),
    };
  }

  private refundItem(refund: Refund): Item {
    return {
      pk: refund.id,
      sk: REFUND,
      merchant_type: listPartition(refund.merchantId, listShard(refund.id), REFUND),
      created_key: createdKey(refund),
      ...flightAttributes(this.region, { id: refund.id, createdAt: refund.createdAt, inFlightSince: refundInFlightSince(refund) }),
      ...refundAttributes(refund),
    };
  }

  async insert(payment: Payment): Promise<{ created: boolean; payment: Payment }> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: this.paymentItem(payment), ConditionExpression: 'attribute_not_exists(pk)' }));
      return { created: true, payment };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(payment.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, payment: existing };
    }
  }

  async get(id: string, options: { consistent?: boolean } = {}): Promise<Payment | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: PAYMENT }, ConsistentRead: options.consistent }));
    return result.Item ? paymentOf(id, result.Item) : undefined;
  }

  async listByMerchant(merchantId: string, window: ListWindow): Promise<PaymentPage> {
    const page = await this.listObjects(listPartitions(merchantId, PAYMENT), window, PAYMENT);
    return { payments: page.items.map((item) => paymentOf(item.pk as string, item)), hasMore: page.hasMore };
  }

  async listRefunds(merchantId: string, window: ListWindow): Promise<RefundPage> {
    const page = await this.listObjects(listPartitions(merchantId, REFUND), window, REFUND);
    return { refunds: page.items.map((item) => refundOf(item.pk as string, item)), hasMore: page.hasMore };
  }

  async listInRiskReview(page: { limit: number; after?: Payment }): Promise<PaymentPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PAYMENTS_IN_REVIEW_INDEX,
        KeyConditionExpression: 'review_queue = :queue',
        ExpressionAttributeValues: { ':queue': RISK_REVIEW_QUEUE },
        ScanIndexForward: true,
        Limit: page.limit + 1,
        ExclusiveStartKey: page.after ? { pk: page.after.id, sk: PAYMENT, review_queue: RISK_REVIEW_QUEUE, review_order: createdKey(page.after) } : undefined,
      }),
    );
    const entries = (result.Items ?? []).slice(0, page.limit);
    const items = await this.itemsByIds(entries.map((entry) => entry.pk as string), PAYMENT);
    // The index is eventually consistent: a payment decided a moment ago may still be listed; its item says so.
    const payments = items.map((item) => paymentOf(item.pk as string, item)).filter(awaitsRiskReview);
    return { payments, hasMore: (result.Items ?? []).length > page.limit };
  }

  /** A page of one kind of the merchant's objects: the keys from its list shards (merged), then the items by key. */
  private async listObjects(partitions: readonly string[], window: ListWindow, sk: string): Promise<{ items: Item[]; hasMore: boolean }> {
    const keys = await queryCreatedOrder(this.client, this.tableName, LIST_INDEX, partitions, window);
    return { items: await this.itemsByIds(keys.items.map((key) => key.pk as string), sk), hasMore: keys.hasMore };
  }

  /** Items by id (BatchGetItem, 100 at a time), in the ids' order; an id with no item is left out. */
  private async itemsByIds(ids: readonly string[], sk: string): Promise<Item[]> {
    const found = new Map<string, Item>();
    for (let offset = 0; offset < ids.length; offset += 100) {
      let pending: Item[] | undefined = ids.slice(offset, offset + 100).map((pk) => ({ pk, sk }));
      while (pending && pending.length > 0) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(item.pk as string, item as Item);
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return ids.flatMap((id): Item[] => {
      const item = found.get(id);
      return item ? [item] : [];
    });
  }

  async apply(transition: Transition, also: { newRefund?: Refund; refund?: { next: Refund; previousVersion: number } } = {}): Promise<void> {
    const { payment } = transition;
    const put = {
      TableName: this.tableName,
      Item: this.paymentItem(payment),
      ConditionExpression: 'v = :previous',
      ExpressionAttributeValues: { ':previous': transition.from },
    };
    if (!also.newRefund && !also.refund) {
      try {
        await this.client.send(new PutCommand(put));
        return;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleVersionError(payment.id, transition.from);
        throw error;
      }
    }
    const items: TransactItem[] = [{ Put: put }];
    if (also.newRefund) {
      items.push({ Put: { TableName: this.tableName, Item: this.refundItem(also.newRefund), ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    if (also.refund) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: this.refundItem(also.refund.next),
          ConditionExpression: 'v = :previous',
          ExpressionAttributeValues: { ':previous': also.refund.previousVersion },
        },
      });
    }
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionConditionFailedError) throw new StaleVersionError(payment.id, transition.from);
      throw error;
    }
  }

  async events(paymentId: string): Promise<readonly PaymentEvent[]> {
    const payment = await this.get(paymentId, { consistent: true });
    return payment ? timelineOf(payment) : [];
  }

  async saveWaitingTask(paymentId: string, task: WaitingTask): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: paymentId, sk: `task#${task.purpose}`, token: task.token } }));
  }

  async waitingTask(paymentId: string, purpose: WaitingTask['purpose']): Promise<WaitingTask | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: paymentId, sk: `task#${purpose}` }, ConsistentRead: true }));
    return result.Item ? { purpose, token: result.Item.token as string } : undefined;
  }

  async getRefund(id: string, options: { consistent?: boolean } = {}): Promise<Refund | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: REFUND }, ConsistentRead: options.consistent }));
    return result.Item ? refundOf(id, result.Item) : undefined;
  }
}

/** A stored payment or refund item as its domain object (the sweeper reads items directly). */
export const objectOfItem = (item: Item): { kind: 'payment'; payment: Payment } | { kind: 'refund'; refund: Refund } | undefined => {
  if (item.sk === PAYMENT) return { kind: 'payment', payment: paymentOf(item.pk as string, item) };
  if (item.sk === REFUND) return { kind: 'refund', refund: refundOf(item.pk as string, item) };
  return undefined;
};
