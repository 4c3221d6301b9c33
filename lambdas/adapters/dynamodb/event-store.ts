import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT_RETENTION_MS, type EventPage, type StoredEvent, base32Time, dayOf, pageTimeOf } from '../../domain/events';
import type { DeliveryRecord, EventStore, PageRange } from '../../ports/event-store';
import { PUBLIC_JSON_DICTIONARY, compressPublicJson, decompressPublicJson } from './public-json-compression';

/**
 * Events and delivery attempts in the `events` table (docs/data-model.md, "events"):
 *   pk = ev#<merchant>#<UTC day>, sk = p#<page key>                     a page of events (compressed)
 *   pk = evd#<merchant>#<UTC day>, sk = d#<page key>#<endpoint>#<attempt>#<part>  one delivery attempt of some of its events
 * A merchant's pages and its delivery attempts live in partitions of their own: each page is written once but
 * delivered to every subscribed endpoint, so together they would cap one merchant's events at one partition's
 * 1,000 write units a second before anything else does (bench scale_ceiling.one_merchant).
 * Pages sort by their newest event's time (the page key starts with it), so a day's pages read newest
 * first with one Query, and an event id (page key + index) is read with one GetItem. Everything expires
 * (TTL `expires_at`) 30 days after its page's newest event.
 *
 * A page's events are one JSON array, deflated with the public objects' preset dictionary
 * (public-json-compression.ts): events of one merchant and batch repeat most of their bytes, so a page of 20
 * payment events is about 1.5 KB instead of 14 KB (test/unit/adapters/event-store.test.ts measures it).
 */
export const compressEvents = (events: readonly StoredEvent[]): Uint8Array => compressPublicJson(events);

export const decompressEvents = (bytes: Uint8Array, dictionary: number): StoredEvent[] => decompressPublicJson(bytes, dictionary) as StoredEvent[];

type Item = Record<string, unknown>;

const partition = (merchantId: string, day: string) => `ev#${merchantId}#${day}`;
const deliveryPartition = (merchantId: string, day: string) => `evd#${merchantId}#${day}`;
const PAGE = 'p#';
const DELIVERY = 'd#';
const expiresAt = (pageKey: string) => Math.floor((pageTimeOf(pageKey) + EVENT_RETENTION_MS) / 1000);
const pad = (value: number, width: number) => String(value).padStart(width, '0');

const MAX_BATCH_WRITE = 25;
/** Pages per Query call: a page is a few KB, so a call reads well under DynamoDB's 1 MB. */
const PAGES_PER_QUERY = 25;

export const pageItem = (page: EventPage): Item => ({
  pk: partition(page.merchantId, page.day),
  sk: `${PAGE}${page.key}`,
  f: page.firstMs,
  n: page.events.length,
  zv: PUBLIC_JSON_DICTIONARY,
  z: compressEvents(page.events),
  expires_at: expiresAt(page.key),
});

const pageOf = (item: Item): EventPage => {
  const key = String(item.sk).slice(PAGE.length);
  const merchantAndDay = String(item.pk).slice('ev#'.length);
  const split = merchantAndDay.lastIndexOf('#');
  const events = decompressEvents(item.z as Uint8Array, item.zv as number);
  return {
    merchantId: merchantAndDay.slice(0, split),
    key,
    day: merchantAndDay.slice(split + 1),
    firstMs: item.f as number,
    lastMs: pageTimeOf(key),
    events,
  };
};

/** `<index> <status or -> <latency ms> <error or ->` per event: short, and readable in the console. */
const encodeResult = ({ index, result }: DeliveryRecord['results'][number]): string =>
  `${index} ${result.status ?? '-'} ${Math.round(result.latencyMs)} ${result.error ?? '-'}`;

const decodeResult = (text: string): DeliveryRecord['results'][number] => {
  const [index, status, latency, error] = text.split(' ');
  return { index: Number(index), result: { status: status === '-' ? null : Number(status), latencyMs: Number(latency), error: error === '-' || error === undefined ? null : error } };
};

export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putPages(pages: readonly EventPage[]): Promise<void> {
    for (let offset = 0; offset < pages.length; offset += MAX_BATCH_WRITE) {
      let requests: Item[] | undefined = pages.slice(offset, offset + MAX_BATCH_WRITE).map((page) => ({ PutRequest: { Item: pageItem(page) } }));
      for (let round = 0; requests && requests.length > 0; round += 1) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)));
        if (round > 8) throw new Error(`could not store ${requests.length} event pages (throttled)`);
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = result.UnprocessedItems?.[this.tableName] as Item[] | undefined;
      }
    }
  }

  async getPage(merchantId: string, pageKey: string): Promise<EventPage | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: partition(merchantId, dayOf(pageTimeOf(pageKey))), sk: `${PAGE}${pageKey}` }, ConsistentRead: true }),
    );
    return result.Item ? pageOf(result.Item) : undefined;
  }

  async *pagesNewestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage> {
    yield* this.pagesInOrder(merchantId, range, false);
  }

  async *pagesOldestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage> {
    yield* this.pagesInOrder(merchantId, range, true);
  }

  /** The pages of the range, day partition by day partition, each read in key (newest event time) order. */
  private async *pagesInOrder(merchantId: string, range: PageRange, oldestFirst: boolean): AsyncIterable<EventPage> {
    if (range.toMs < range.fromMs) return;
    const lowest = `${PAGE}${base32Time(Math.max(0, range.fromMs))}`;
    const highest = `${PAGE}${base32Time(range.toMs)}~`;
    const firstDay = Date.parse(`${dayOf(range.fromMs)}T00:00:00.000Z`);
    const lastDay = Date.parse(`${dayOf(range.toMs)}T00:00:00.000Z`);
    const days = Array.from({ length: Math.round((lastDay - firstDay) / 86_400_000) + 1 }, (_, index) => firstDay + index * 86_400_000);
    for (const day of oldestFirst ? days : days.reverse()) {
      let start: Item | undefined;
      do {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
            ExpressionAttributeValues: { ':pk': partition(merchantId, dayOf(day)), ':low': lowest, ':high': highest },
            ScanIndexForward: oldestFirst,
            Limit: PAGES_PER_QUERY,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of result.Items ?? []) yield pageOf(item);
        start = result.LastEvaluatedKey as Item | undefined;
      } while (start);
    }
  }

  async putDeliveryRecord(record: DeliveryRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: deliveryPartition(record.merchantId, dayOf(pageTimeOf(record.pageKey))),
          sk: `${DELIVERY}${record.pageKey}#${record.endpointId}#${pad(record.attempt, 2)}#${record.part}`,
          ...(record.kind === 'redelivery' ? { k: 'r' } : {}),
          at: Date.parse(record.attemptedAt),
          ...(record.nextAttemptAt ? { nx: Date.parse(record.nextAttemptAt) } : {}),
          r: record.results.map(encodeResult),
          expires_at: expiresAt(record.pageKey),
        },
      }),
    );
  }

  async deliveryRecords(merchantId: string, pageKey: string): Promise<readonly DeliveryRecord[]> {
    const records: DeliveryRecord[] = [];
    let start: Item | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': deliveryPartition(merchantId, dayOf(pageTimeOf(pageKey))), ':prefix': `${DELIVERY}${pageKey}#` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of result.Items ?? []) {
        const [, , endpointId, attempt, part] = String(item.sk).split('#');
        records.push({
          merchantId,
          pageKey,
          endpointId: endpointId as string,
          attempt: Number(attempt),
          kind: item.k === 'r' ? 'redelivery' : 'webhook',
          part: part as string,
          attemptedAt: new Date(item.at as number).toISOString(),
          results: ((item.r as string[] | undefined) ?? []).map(decodeResult),
          nextAttemptAt: item.nx === undefined ? null : new Date(item.nx as number).toISOString(),
        });
      }
      start = result.LastEvaluatedKey as Item | undefined;
    } while (start);
    return records;
  }
}
