import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleVersionError } from '../../domain/errors';
import type { Payment } from '../../domain/payment';
import type { PaymentEvent, Transition } from '../../domain/payment-lifecycle';
import type { Refund } from '../../domain/refund';
import { sagaStartMarker } from '../../domain/saga-start';
import type { PaymentPage, PaymentRepository, WaitingTask } from '../../ports/payment-repository';
import { type TransactItem, TransactionConditionFailedError, transactWrite } from './transactions';

/**
 * Payments, their timelines and refunds in the `payments` table (docs/data-model.md):
 *   pk = pay_..., sk = "payment"                       the payment (GSI merchant-objects: newest first)
 *   pk = pay_..., sk = "event#<version, 6 digits>"      its timeline, one event per version
 *   pk = pay_..., sk = "task#capture"                   the task token the saga waits on
 *   pk = re_...,  sk = "refund"                         a refund (GSI merchant-objects)
 *   pk = velocity#<card fingerprint>, sk = <window>     payments made with a card in a velocity window (TTL)
 *
 * A payment or refund in flight outside any durable workflow carries the recovery marker (`saga_shard`,
 * `saga_pending_since`: GSI saga-starts, sparse; docs/decisions/0011): a payment while `inFlightSince` is
 * set (from creation, or a capture or cancel request, until it ends or waits for its merchant), a refund
 * while `pending`. Every write is a whole-item Put, so an item whose object left flight loses the marker.
 */
const VELOCITY_RETENTION_SECONDS = 24 * 60 * 60;
const eventSortKey = (version: number) => `event#${String(version).padStart(6, '0')}`;

const paymentKeys = (payment: Payment) => ({
  pk: payment.id,
  sk: 'payment',
  merchant_type: `${payment.merchantId}#payment`,
  created_key: `${payment.createdAt}#${payment.id}`,
});

const refundKeys = (refund: Refund) => ({
  pk: refund.id,
  sk: 'refund',
  merchant_type: `${refund.merchantId}#refund`,
  created_key: `${refund.createdAt}#${refund.id}`,
});

/** The marker attributes (GSI saga-starts); never part of the domain object, so no Put carries them on. */
export const sagaStartAttributes = (region: string, object: { readonly id: string; readonly createdAt: string }) => {
  const marker = sagaStartMarker(region, object);
  return { saga_shard: marker.shard, saga_pending_since: marker.since };
};

const paymentMarker = (region: string, payment: Payment) =>
  payment.inFlightSince ? sagaStartAttributes(region, { id: payment.id, createdAt: payment.inFlightSince }) : {};

const refundMarker = (region: string, refund: Refund) => (refund.status === 'pending' ? sagaStartAttributes(region, refund) : {});

/** The domain object of an item: its keys, index keys and saga-start marker left out. */
export const withoutKeys = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, merchant_type: _type, created_key: _created, saga_shard: _shard, saga_pending_since: _since, ...rest } = item;
  return rest as T;
};

export class DynamoDbPaymentRepository implements PaymentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /**
     * The region this code runs in, named in the saga-start marker of what it creates (only its sweeper
     * acts on it). Lambda always sets AWS_REGION; the local runtime and the tests set the primary region.
     */
    private readonly region: string = process.env.AWS_REGION ?? '',
  ) {}

  private eventPut(event: PaymentEvent): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { pk: event.paymentId, sk: eventSortKey(event.version), ...event },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  async insert(payment: Payment, event: PaymentEvent): Promise<{ created: boolean; payment: Payment }> {
    try {
      await transactWrite(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...paymentKeys(payment), ...paymentMarker(this.region, payment), ...payment },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        this.eventPut(event),
      ]);
      return { created: true, payment };
    } catch (error) {
      if (!(error instanceof TransactionConditionFailedError)) throw error;
      const existing = await this.get(payment.id, { consistent: true });
      if (!existing) throw error;
      return { created: false, payment: existing };
    }
  }

  async get(id: string, options: { consistent?: boolean } = {}): Promise<Payment | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: 'payment' }, ConsistentRead: options.consistent }),
    );
    return result.Item ? withoutKeys<Payment>(result.Item) : undefined;
  }

  async listByMerchant(merchantId: string, page: { limit: number; after?: Payment }): Promise<PaymentPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'merchant-objects',
        KeyConditionExpression: 'merchant_type = :type',
        ExpressionAttributeValues: { ':type': `${merchantId}#payment` },
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ExclusiveStartKey: page.after ? paymentKeys(page.after) : undefined,
      }),
    );
    const items = result.Items ?? [];
    return { payments: items.slice(0, page.limit).map((item) => withoutKeys<Payment>(item)), hasMore: items.length > page.limit };
  }

  async apply(
    transition: Transition,
    also: { newRefund?: Refund; refund?: { next: Refund; previousVersion: number } } = {},
  ): Promise<void> {
    const { payment, event } = transition;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...paymentKeys(payment), ...paymentMarker(this.region, payment), ...payment },
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': payment.version - 1 },
        },
      },
      this.eventPut(event),
    ];
    if (also.newRefund) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...refundKeys(also.newRefund), ...refundMarker(this.region, also.newRefund), ...also.newRefund },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (also.refund) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...refundKeys(also.refund.next), ...refundMarker(this.region, also.refund.next), ...also.refund.next },
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': also.refund.previousVersion },
        },
      });
    }
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionConditionFailedError) throw new StaleVersionError(payment.id, payment.version - 1);
      throw error;
    }
  }

  async events(paymentId: string): Promise<readonly PaymentEvent[]> {
    const events: PaymentEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :payment AND begins_with(sk, :events)',
          ExpressionAttributeValues: { ':payment': paymentId, ':events': 'event#' },
          ExclusiveStartKey: start,
        }),
      );
      events.push(...(page.Items ?? []).map((item) => withoutKeys<PaymentEvent>(item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return events;
  }

  async saveWaitingTask(paymentId: string, task: WaitingTask): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: paymentId, sk: `task#${task.purpose}`, ...task, updatedAt: new Date().toISOString() } }),
    );
  }

  async countCardAttempt(fingerprint: string, window: string, paymentId: string): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `velocity#${fingerprint}`, sk: window },
        UpdateExpression: 'ADD payment_ids :payment SET expires_at = if_not_exists(expires_at, :expires)',
        ExpressionAttributeValues: {
          ':payment': new Set([paymentId]),
          ':expires': Math.floor(Date.parse(window) / 1000) + VELOCITY_RETENTION_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (result.Attributes?.payment_ids as Set<string> | undefined)?.size ?? 1;
  }

  async waitingTask(paymentId: string, purpose: WaitingTask['purpose']): Promise<WaitingTask | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: paymentId, sk: `task#${purpose}` }, ConsistentRead: true }),
    );
    return result.Item ? { purpose, token: result.Item.token as string } : undefined;
  }

  async getRefund(id: string, options: { consistent?: boolean } = {}): Promise<Refund | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: id, sk: 'refund' }, ConsistentRead: options.consistent }),
    );
    return result.Item ? withoutKeys<Refund>(result.Item) : undefined;
  }
}
