import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AwaitingSaga, OverduePage, SagaStartMarkers } from '../../ports/saga-starts';
import { SAGA_STARTS_INDEX } from '../../../platform/tables';
import { itemsByKey } from './created-order';
import { objectOfItem } from './payment-repository';
import { payoutOfItem } from './payout-repository';

/**
 * The saga-start markers in the sparse `saga-starts` index (KEYS_ONLY) of the `payments` table (payments,
 * refunds) and the `payouts` table (payouts): a Query per table and shard, then one consistent GetItem per
 * hit for the object itself (its saga's input) and to see that it is still marked.
 */
type Item = Record<string, unknown>;

export class DynamoDbSagaStartMarkers implements SagaStartMarkers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: { readonly payments: string; readonly payouts: string },
  ) {}

  async overdue(shard: string, before: string, limit: number): Promise<OverduePage> {
    const awaiting: AwaitingSaga[] = [];
    let more = false;
    for (const table of [this.tables.payments, this.tables.payouts]) {
      const page = await this.overdueKeys(table, shard, before, limit);
      more ||= page.more;
      for (const key of page.keys) {
        const object = await this.stillMarked(table, key);
        if (object) awaiting.push(object);
      }
    }
    return { awaiting, more };
  }

  /**
   * Reads the shard to its end, a page of the index at a time. The index holds keys only, so each page's items are
   * read in batches (eventually consistent: the merchant of an object never changes) to keep the merchant's alone,
   * and only those are read again, strongly consistent, to see that they are still marked.
   */
  async markedOf(merchantId: string, shard: string, before: string): Promise<readonly AwaitingSaga[]> {
    const awaiting: AwaitingSaga[] = [];
    for (const table of [this.tables.payments, this.tables.payouts]) {
      let start: Item | undefined;
      do {
        const page = await this.keyPage(table, shard, before, start);
        // merchant_type is `<merchant>#<kind>[#<n>]` on payments, refunds and payouts alike.
        const mine = (await itemsByKey(this.client, table, page.Items ?? [])).filter((item) => typeof item.merchant_type === 'string' && item.merchant_type.startsWith(`${merchantId}#`));
        for (const item of mine) {
          const object = await this.stillMarked(table, { pk: item.pk, sk: item.sk });
          if (object) awaiting.push(object);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return awaiting;
  }

  /** The object at `key`, read strongly consistent, while it is still marked (the index lags its table). */
  private async stillMarked(table: string, key: { pk: unknown; sk: unknown }): Promise<AwaitingSaga | undefined> {
    const found = await this.client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const item = found.Item;
    if (!item || typeof item.saga_pending_since !== 'string') return undefined;
    const since = item.saga_pending_since;
    const object = objectOfItem(item);
    if (object) return { ...object, since } as AwaitingSaga;
    if (item.sk === 'payout') return { kind: 'payout', since, payout: payoutOfItem(item) };
    return undefined;
  }

  private async overdueKeys(table: string, shard: string, before: string, limit: number): Promise<{ keys: { pk: unknown; sk: unknown }[]; more: boolean }> {
    const keys: { pk: unknown; sk: unknown }[] = [];
    let start: Item | undefined;
    do {
      const page = await this.keyPage(table, shard, before, start, limit - keys.length);
      for (const item of page.Items ?? []) keys.push({ pk: item.pk, sk: item.sk });
      start = page.LastEvaluatedKey;
    } while (start && keys.length < limit);
    return { keys, more: start !== undefined };
  }

  /** One page of the keys the saga-starts index holds for a shard before `before`, oldest first. */
  private keyPage(table: string, shard: string, before: string, start: Item | undefined, limit?: number) {
    return this.client.send(
      new QueryCommand({
        TableName: table,
        IndexName: SAGA_STARTS_INDEX,
        KeyConditionExpression: 'saga_shard = :shard AND saga_pending_since < :before',
        ExpressionAttributeValues: { ':shard': shard, ':before': before },
        ...(limit === undefined ? {} : { Limit: limit }),
        ExclusiveStartKey: start,
      }),
    );
  }
}
