import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Puts items with BatchWriteItem, 25 per request, a few requests in flight: a history of 40 events
 * costs 2 requests instead of 40, which keeps DynamoDB Local from capping local throughput.
 *
 * A later put of the same key replaces a pending one (last write wins, as with PutItem) and waits
 * while an earlier one is in flight, because one BatchWriteItem may not carry a key twice and two
 * requests in flight may land in any order.
 */
type Item = Record<string, unknown>;

interface Pending {
  item: Item;
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

const BATCH_SIZE = 25;
const MAX_IN_FLIGHT = 4;
const MAX_UNPROCESSED_ROUNDS = 8;

export class BatchWriter {
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<string>();
  private requests = 0;
  private scheduled = false;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly keyOf: (item: Item) => string,
  ) {}

  put(item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = this.keyOf(item);
      const existing = this.pending.get(key);
      if (existing) {
        existing.item = item;
        existing.waiters.push({ resolve, reject });
      } else {
        this.pending.set(key, { item, waiters: [{ resolve, reject }] });
      }
      this.schedule();
    });
  }

  /** Pump once the current burst of puts is queued, so that it leaves in as few requests as possible. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Resolves once everything put so far is written (or has failed). */
  drained(): Promise<void> {
    if (this.pending.size === 0 && this.requests === 0 && !this.scheduled) return Promise.resolve();
    if (!this.idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  private pump(): void {
    while (this.requests < MAX_IN_FLIGHT) {
      const batch: [string, Pending][] = [];
      for (const [key, entry] of this.pending) {
        if (this.inFlight.has(key)) continue;
        batch.push([key, entry]);
        if (batch.length === BATCH_SIZE) break;
      }
      if (batch.length === 0) break;
      for (const [key] of batch) {
        this.pending.delete(key);
        this.inFlight.add(key);
      }
      this.requests += 1;
      void this.write(batch).finally(() => {
        this.requests -= 1;
        for (const [key] of batch) this.inFlight.delete(key);
        this.pump();
        if (this.pending.size === 0 && this.requests === 0 && this.idle) {
          this.idle.resolve();
          this.idle = undefined;
        }
      });
    }
  }

  private async write(batch: readonly [string, Pending][]): Promise<void> {
    let requests = batch.map(([, entry]) => ({ PutRequest: { Item: entry.item } }));
    try {
      for (let round = 0; requests.length > 0; round += 1) {
        if (round === MAX_UNPROCESSED_ROUNDS) throw new Error(`DynamoDB left ${requests.length} items unprocessed ${round} times`);
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
        const response = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (response.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
      for (const [, entry] of batch) for (const waiter of entry.waiters) waiter.resolve();
    } catch (error) {
      for (const [, entry] of batch) for (const waiter of entry.waiters) waiter.reject(error);
    }
  }
}
