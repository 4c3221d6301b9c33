import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SweepWindow } from '../../domain/saga-start';
import type { AwaitingSaga, MerchantFlights, RecentObjects } from '../../ports/saga-starts';
import { MERCHANT_OBJECTS_INDEX } from '../../../platform/tables';
import { WRITTEN_IN, listPartitions, objectOfItem, refundInFlightSince } from './payment-repository';
import { payoutListPartition, payoutOfItem } from './payout-repository';

/**
 * Creation flights found without a write on the payment path (docs/decisions/0021-in-flight-sweep-over-list-indexes.md):
 * 1. the merchants, from the profiles in the (small) `merchants` table: one Scan;
 * 2. per merchant, the keys of its payments and refunds (`payments` table, index merchant-objects, 4 partitions
 *    each) and payouts (`payouts` table, merchant-objects) created in the window: a Query per partition;
 * 3. those items, read with BatchGetItem (eventually consistent: half a read unit each), kept when written in
 *    this region and in flight since before the cutoff;
 * 4. each kept one read again with a strongly consistent GetItem, so a flight that just ended does not count.
 */
type Item = Record<string, unknown>;
type Key = { readonly pk: unknown; readonly sk: unknown };

const PROFILE = 'profile';
const MERCHANT_PREFIX = 'merchant#';
/** Queries (and batches of reads) in flight at once. */
const CONCURRENCY = 8;

/** The object an item holds, and since when it is in flight (null: not in flight). */
const inFlight = (item: Item): { object: AwaitingSaga; since: string } | undefined => {
  const object = objectOfItem(item);
  if (object?.kind === 'payment') return object.payment.inFlightSince ? { object: { ...object, since: object.payment.inFlightSince }, since: object.payment.inFlightSince } : undefined;
  if (object?.kind === 'refund') {
    const since = refundInFlightSince(object.refund);
    return since ? { object: { ...object, since }, since } : undefined;
  }
  if (item.sk === 'payout') {
    const payout = payoutOfItem(item);
    return payout.inFlightSince ? { object: { kind: 'payout', since: payout.inFlightSince, payout }, since: payout.inFlightSince } : undefined;
  }
  return undefined;
};

const overdueHere = (item: Item | undefined, region: string, before: string): AwaitingSaga | undefined => {
  if (!item || item[WRITTEN_IN] !== region) return undefined;
  const found = inFlight(item);
  return found && found.since < before ? found.object : undefined;
};

const inGroups = async <T, R>(values: readonly T[], size: number, each: (value: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let offset = 0; offset < values.length; offset += size) results.push(...(await Promise.all(values.slice(offset, offset + size).map(each))));
  return results;
};

export class DynamoDbRecentObjects implements RecentObjects, MerchantFlights {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    /** `merchants` only for `inFlight` (every merchant); `inFlightOf` is given its merchant. */
    private readonly tables: { readonly merchants?: string; readonly payments: string; readonly payouts: string },
  ) {}

  async inFlight(window: SweepWindow, before: string, region: string): Promise<readonly AwaitingSaga[]> {
    if (window.from >= window.to) return [];
    return this.inFlightAmong(await this.merchantIds(), window, (item) => overdueHere(item, region, before));
  }

  async inFlightOf(merchantId: string, window: SweepWindow): Promise<readonly AwaitingSaga[]> {
    if (window.from >= window.to) return [];
    return this.inFlightAmong([merchantId], window, (item) => (item ? inFlight(item)?.object : undefined));
  }

  /** Steps 2 to 4 for these merchants, keeping the objects `keep` answers (on the listed read, then on the consistent one). */
  private async inFlightAmong(merchants: readonly string[], window: SweepWindow, keep: (item: Item | undefined) => AwaitingSaga | undefined): Promise<readonly AwaitingSaga[]> {
    const partitions = merchants.flatMap((merchantId) => [
      ...[...listPartitions(merchantId, 'payment'), ...listPartitions(merchantId, 'refund')].map((partition) => ({ table: this.tables.payments, partition })),
      { table: this.tables.payouts, partition: payoutListPartition(merchantId) },
    ]);
    const keyed = (await inGroups(partitions, CONCURRENCY, ({ table, partition }) => this.createdIn(table, partition, window))).flat();
    const byTable = new Map<string, Key[]>();
    for (const { table, key } of keyed) byTable.set(table, [...(byTable.get(table) ?? []), key]);
    const candidates: { table: string; key: Key }[] = [];
    for (const [table, keys] of byTable) {
      const groups = Array.from({ length: Math.ceil(keys.length / 100) }, (_, index) => keys.slice(index * 100, index * 100 + 100));
      for (const items of await inGroups(groups, CONCURRENCY, (group) => this.batchGet(table, group))) {
        for (const item of items) if (keep(item)) candidates.push({ table, key: { pk: item.pk, sk: item.sk } });
      }
    }
    const confirmed = await inGroups(candidates, CONCURRENCY, async ({ table, key }) => {
      const found = await this.client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      return keep(found.Item);
    });
    return confirmed.filter((object): object is AwaitingSaga => object !== undefined);
  }

  private async merchantIds(): Promise<string[]> {
    if (!this.tables.merchants) throw new Error('DynamoDbRecentObjects: the merchants table is needed to list every merchant');
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tables.merchants,
          FilterExpression: 'sk = :profile AND begins_with(pk, :merchant)',
          ExpressionAttributeValues: { ':profile': PROFILE, ':merchant': MERCHANT_PREFIX },
          ProjectionExpression: 'pk',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) ids.push(String(item.pk).slice(MERCHANT_PREFIX.length));
      start = page.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  private async createdIn(table: string, partition: string, window: SweepWindow): Promise<{ table: string; key: Key }[]> {
    const keys: { table: string; key: Key }[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: table,
          IndexName: MERCHANT_OBJECTS_INDEX,
          // created_key = <created at>#<id>: [from, to) in creation time.
          KeyConditionExpression: 'merchant_type = :partition AND created_key BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':partition': partition, ':from': window.from, ':to': window.to },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push({ table, key: { pk: item.pk, sk: item.sk } });
      start = page.LastEvaluatedKey;
    } while (start);
    return keys;
  }

  private async batchGet(table: string, keys: readonly Key[]): Promise<Item[]> {
    const items: Item[] = [];
    let pending: Item[] | undefined = [...keys] as Item[];
    for (let attempt = 0; pending && pending.length > 0; attempt += 1) {
      // Unprocessed keys (throttling): back off a little before asking for them again.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const result = await this.client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      items.push(...((result.Responses?.[table] ?? []) as Item[]));
      pending = result.UnprocessedKeys?.[table]?.Keys as Item[] | undefined;
    }
    return items;
  }
}
