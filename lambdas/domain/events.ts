import { createHash } from 'node:crypto';
import { deployment } from '../../platform/deployment';

/**
 * Events: every state change a merchant hears about, as the public API shows it (docs/api.md, "Events";
 * docs/decisions/0016-events-and-webhooks.md). Pure: no I/O.
 *
 * An event is built from the change itself (the item a write left, read from the table's stream: the
 * outbox is the write), carries the object as it was after the change (its public representation, never
 * card or bank data) and a `sequence`: the object's version after the change, so a receiver can drop an
 * event older than one it already applied. Events are stored in pages: one per merchant per stream batch
 * (split by day, by a minute of event time and by size), compressed, kept 30 days. An event's id names its
 * page and its place in it, so reading one event is one GetItem.
 */
export const EVENT_TYPES = [
  'payment.created',
  'payment.requires_capture',
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'payment.requires_attention',
  'payment.partially_refunded',
  'payment.refunded',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
  'payout.created',
  'payout.in_review',
  'payout.processing',
  'payout.paid',
  'payout.failed',
  'payout.returned',
  'payout.canceled',
  'balance_transaction.available',
  'conversion.created',
  'conversion.completed',
  'beneficiary.created',
  'api_key.created',
  'api_key.revoked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (value: unknown): value is EventType => (EVENT_TYPES as readonly unknown[]).includes(value);

/** The objects events are about: the part of a type before the dot. */
export const EVENT_OBJECTS = [...new Set(EVENT_TYPES.map((type) => type.slice(0, type.indexOf('.'))))];

/**
 * What a webhook endpoint subscribes to, and what `GET /v1/events?type=` filters on: an event type, every
 * type of one object (`payout.*`) or everything (`*`).
 */
export const isEventSelector = (value: string): boolean =>
  value === '*' || isEventType(value) || (value.endsWith('.*') && EVENT_OBJECTS.includes(value.slice(0, -2)));

export const selectorMatches = (selector: string, type: string): boolean =>
  selector === '*' || selector === type || (selector.endsWith('.*') && type.startsWith(selector.slice(0, -1)));

export const selectedBy = (selectors: readonly string[], type: string): boolean => selectors.some((selector) => selectorMatches(selector, type));

/** A change turned into an event, before it is placed in a page (so before it has an id). */
export interface EventDraft {
  readonly merchantId: string;
  readonly type: EventType;
  /** The object the event is about (`pay_...`, `po_...`...). */
  readonly objectId: string;
  /** The object's version after the change: increases with every change of the object. */
  readonly sequence: number;
  /** When the change happened (epoch ms): the time the object records for it. */
  readonly createdMs: number;
  /** The object after the change, exactly as the API presents it. */
  readonly object: Readonly<Record<string, unknown>>;
}

/** An event as stored in its page (its id is the page's key and its index). */
export interface StoredEvent {
  readonly type: EventType;
  readonly objectId: string;
  readonly sequence: number;
  readonly createdMs: number;
  readonly object: Readonly<Record<string, unknown>>;
}

export interface EventPage {
  readonly merchantId: string;
  /** 24 characters: the newest event's time (9) and a hash naming the page (15); with an index, an event id. */
  readonly key: string;
  /** UTC day (`2026-12-06`) of every event in the page: the page's partition. */
  readonly day: string;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly events: readonly StoredEvent[];
}

/** Events stay 30 days (the events API, redelivery). */
export const EVENT_RETENTION_DAYS = 30;
export const EVENT_RETENTION_MS = EVENT_RETENTION_DAYS * 24 * 60 * 60 * 1000;
/** A page spans at most a minute of event time, so a time range knows which pages may hold its events. */
export const PAGE_SPAN_MS = 60_000;
export const MAX_EVENTS_PER_PAGE = 100;
/** Bytes of event JSON per page before compression: far below DynamoDB's 400 KB item limit once compressed. */
export const MAX_PAGE_JSON_BYTES = 256 * 1024;

/**
 * The base32 characters of RFC 4648 (lower case), in ASCII order: '2'..'7' before 'a'..'z'. A page key's time
 * must sort as its number does, since listings read pages by key range, newest first; RFC 4648's own order
 * ('a'..'z' then '2'..'7') does not (values 26..31 would sort below 0..25), which made `GET /v1/events` miss
 * pages whenever a time character crossed from 'z' to '2' (the bench's listing found none of a window's events
 * in some runs). Ids keep the same character set and shape.
 */
const BASE32 = '234567abcdefghijklmnopqrstuvwxyz';
const TIME_CHARS = 9; // 45 bits of milliseconds: until the year 3084
const HASH_CHARS = 15;
const INDEX_CHARS = 2; // up to 1,024 events per page
export const PAGE_KEY_LENGTH = TIME_CHARS + HASH_CHARS;

/** Fixed-width base32 of a non-negative integer: ordered like the number when compared as strings. */
export const base32Time = (ms: number): string => {
  let value = BigInt(ms);
  let out = '';
  for (let index = 0; index < TIME_CHARS; index += 1) {
    out = BASE32[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
};

const fromBase32 = (text: string): number => {
  let value = 0;
  for (const char of text) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) return Number.NaN;
    value = value * 32 + digit;
  }
  return value;
};

const hashChars = (...parts: readonly string[]): string => {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < HASH_CHARS) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === HASH_CHARS) break;
  }
  return out;
};

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const eventId = (pageKey: string, index: number): string => {
  if (index < 0 || index >= 32 ** INDEX_CHARS) throw new RangeError(`event index ${index} out of range`);
  return `evt_${pageKey}${BASE32[Math.floor(index / 32)]}${BASE32[index % 32]}`;
};

/** Where an event id points: its page (key, partition day) and its index there; undefined for an id that names no page. */
export const locateEvent = (id: string): { pageKey: string; day: string; index: number; pageTimeMs: number } | undefined => {
  const match = /^evt_([a-z2-7]{24})([a-z2-7]{2})$/.exec(id);
  if (!match) return undefined;
  const pageKey = match[1] as string;
  const pageTimeMs = fromBase32(pageKey.slice(0, TIME_CHARS));
  // 2000-01-01 .. 2999-12-31: an id outside names no page (the shape is also a timeline event id's).
  if (!Number.isFinite(pageTimeMs) || pageTimeMs < 946_684_800_000 || pageTimeMs > 32_503_680_000_000) return undefined;
  return { pageKey, day: dayOf(pageTimeMs), index: fromBase32(match[2] as string), pageTimeMs };
};

export const pageTimeOf = (pageKey: string): number => fromBase32(pageKey.slice(0, TIME_CHARS));

const byTimeThenObject = (a: EventDraft, b: EventDraft): number =>
  a.createdMs - b.createdMs || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : a.sequence - b.sequence);

const jsonBytes = (event: StoredEvent): number => Buffer.byteLength(JSON.stringify(event), 'utf8');

/**
 * A stream batch's events in pages: per merchant, oldest first, a new page at a new UTC day, past a minute
 * of event time, at MAX_EVENTS_PER_PAGE events or MAX_PAGE_JSON_BYTES. `batchKey` names the batch (its
 * stream and first and last sequence numbers): the same batch, processed again after a failure, makes the
 * same pages with the same event ids, so a retry writes nothing new and re-sends the same webhook ids.
 */
export const pagesOf = (drafts: readonly EventDraft[], batchKey: string): EventPage[] => {
  const byMerchant = new Map<string, EventDraft[]>();
  for (const draft of drafts) {
    const list = byMerchant.get(draft.merchantId) ?? [];
    list.push(draft);
    byMerchant.set(draft.merchantId, list);
  }
  const pages: EventPage[] = [];
  for (const [merchantId, list] of [...byMerchant].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...list].sort(byTimeThenObject);
    let chunk: StoredEvent[] = [];
    let bytes = 0;
    let chunkIndex = 0;
    const flush = () => {
      if (chunk.length === 0) return;
      const firstMs = (chunk[0] as StoredEvent).createdMs;
      const lastMs = (chunk[chunk.length - 1] as StoredEvent).createdMs;
      const key = `${base32Time(lastMs)}${hashChars(batchKey, merchantId, String(chunkIndex))}`;
      pages.push({ merchantId, key, day: dayOf(lastMs), firstMs, lastMs, events: chunk });
      chunkIndex += 1;
      chunk = [];
      bytes = 0;
    };
    for (const draft of sorted) {
      const event: StoredEvent = { type: draft.type, objectId: draft.objectId, sequence: draft.sequence, createdMs: draft.createdMs, object: draft.object };
      const size = jsonBytes(event);
      const first = chunk[0];
      if (
        first &&
        (dayOf(first.createdMs) !== dayOf(draft.createdMs) ||
          draft.createdMs - first.createdMs >= PAGE_SPAN_MS ||
          chunk.length >= MAX_EVENTS_PER_PAGE ||
          bytes + size > MAX_PAGE_JSON_BYTES)
      ) {
        flush();
      }
      chunk.push(event);
      bytes += size;
    }
    flush();
  }
  return pages;
};

/**
 * The event as the API and webhooks show it. The same function makes the body of `GET /v1/events/{id}`
 * and of every webhook carrying the event, so what a merchant verifies is what the API returns.
 */
export const presentEvent = (id: string, event: StoredEvent) => ({
  id,
  object: 'event' as const,
  type: event.type,
  created_at: new Date(event.createdMs).toISOString(),
  sequence: event.sequence,
  data: { object: event.object },
  livemode: deployment.live,
});

export type PresentedEvent = ReturnType<typeof presentEvent>;
