import type { EventPage } from '../domain/events';
import type { AttemptResult } from '../domain/webhooks';

/** Where events and delivery attempts are kept (lambdas/adapters/dynamodb/event-store.ts). */
export interface DeliveryRecord {
  readonly merchantId: string;
  readonly pageKey: string;
  readonly endpointId: string;
  /** 1-based attempt number of these events at this endpoint (redeliveries count on). */
  readonly attempt: number;
  /** `webhook` (the first send and its retries) or `redelivery` (asked for by the merchant). */
  readonly kind: 'webhook' | 'redelivery';
  /**
   * Names the message within the attempt (its first event index; a redelivery's own id), so a message
   * processed twice overwrites its own record and never another's.
   */
  readonly part: string;
  readonly attemptedAt: string;
  /** Per event index of the page, what the attempt got. */
  readonly results: readonly { readonly index: number; readonly result: AttemptResult }[];
  /** When the failed ones are tried again; null when none failed, or none will be. */
  readonly nextAttemptAt: string | null;
}

export interface PageRange {
  /** Inclusive bounds on the pages' newest event time (epoch ms). */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface EventStore {
  /** Stores pages (a page written again is overwritten with the same content). */
  putPages(pages: readonly EventPage[]): Promise<void>;
  getPage(merchantId: string, pageKey: string): Promise<EventPage | undefined>;
  /** The merchant's pages whose newest event falls in the range, newest first, lazily (each read as it is needed). */
  pagesNewestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage>;
  /** The same pages oldest first (`ending_before` reads toward newer events). */
  pagesOldestFirst(merchantId: string, range: PageRange): AsyncIterable<EventPage>;
  putDeliveryRecord(record: DeliveryRecord): Promise<void>;
  deliveryRecords(merchantId: string, pageKey: string): Promise<readonly DeliveryRecord[]>;
}
