import { InvalidCursorError, ResourceNotFoundError } from '../../domain/errors';
import { EVENT_RETENTION_MS, type EventPage, PAGE_SPAN_MS, type StoredEvent, eventId, locateEvent, selectorMatches } from '../../domain/events';
import { deriveId } from '../../domain/ids';
import { type AttemptResult, succeeded } from '../../domain/webhooks';
import type { EventStore } from '../../ports/event-store';
import type { DeliveryQueue } from '../../ports/webhook-delivery';
import type { WebhookEndpointRepository } from '../../ports/webhook-endpoints';

/** Reading events (`GET /v1/events`, `/v1/events/{id}`, `/v1/events/{id}/deliveries`) and redelivering one. */
export interface EventQueryDeps {
  readonly events: EventStore;
  readonly now: () => Date;
}

export interface FoundEvent {
  readonly id: string;
  readonly event: StoredEvent;
}

/** Reads a page only this far back: events are kept 30 days. */
const oldest = (now: Date) => now.getTime() - EVENT_RETENTION_MS;

const find = async (deps: EventQueryDeps, merchantId: string, id: string): Promise<{ page: EventPage; found: FoundEvent } | undefined> => {
  const location = locateEvent(id);
  if (!location || location.pageTimeMs < oldest(deps.now())) return undefined;
  const page = await deps.events.getPage(merchantId, location.pageKey);
  const event = page?.events[location.index];
  return page && event ? { page, found: { id, event } } : undefined;
};

/** One event of the merchant's; another merchant's or an unknown id is ResourceNotFoundError. */
export const getEvent = async (deps: EventQueryDeps, request: { readonly merchantId: string; readonly id: string }): Promise<FoundEvent> => {
  const located = await find(deps, request.merchantId, request.id);
  if (!located) throw new ResourceNotFoundError('event', request.id);
  return located.found;
};

export interface ListEventsRequest {
  readonly merchantId: string;
  readonly limit: number;
  /** At most one of the two cursors (the query contract refuses both). */
  readonly startingAfter?: string;
  readonly endingBefore?: string;
  /** An event type or `<object>.*`. */
  readonly type?: string;
  /** Inclusive bounds on `created_at` (epoch ms). */
  readonly createdFromMs?: number;
  readonly createdToMs?: number;
}

/** Stops a filtered listing that finds little from reading a month of pages in one request. */
export const MAX_PAGES_PER_LISTING = 400;

/** Newest first: by time, then by id (descending), the order `starting_after` continues. */
const after = (a: FoundEvent, b: FoundEvent): boolean => a.event.createdMs < b.event.createdMs || (a.event.createdMs === b.event.createdMs && a.id < b.id);

/**
 * The merchant's events newest first (`GET /v1/events`), the list conventions of every list (domain/list-window.ts).
 * 1. The window: `created` bounds, within the last 30 days; after `starting_after`, older than that event;
 *    before `ending_before`, newer than it.
 * 2. Pages that may hold events of the window (a page spans at most a minute) are read in the window's
 *    direction: newest first, or oldest first from `ending_before` (the events nearest the cursor first); each
 *    page's events in the window and of the type go to a buffer.
 * 3. A buffered event that no later page can overtake is in order: newest first, one newer than the next
 *    page's newest event; oldest first, one older than the next page's newest event less a page's span. The
 *    listing stops once it has one more than `limit` of those (`has_more`), and shows them newest first.
 */
export const listEvents = async (deps: EventQueryDeps, request: ListEventsRequest): Promise<{ events: FoundEvent[]; hasMore: boolean }> => {
  const now = deps.now();
  let fromMs = Math.max(request.createdFromMs ?? 0, oldest(now));
  let toMs = request.createdToMs ?? now.getTime() + PAGE_SPAN_MS;
  const backward = request.endingBefore !== undefined;
  let cursor: FoundEvent | undefined;
  if (request.startingAfter !== undefined) {
    const located = await find(deps, request.merchantId, request.startingAfter);
    if (!located) throw new InvalidCursorError('starting_after', request.startingAfter);
    cursor = located.found;
    toMs = Math.min(toMs, cursor.event.createdMs);
  }
  if (request.endingBefore !== undefined) {
    const located = await find(deps, request.merchantId, request.endingBefore);
    if (!located) throw new InvalidCursorError('ending_before', request.endingBefore);
    cursor = located.found;
    fromMs = Math.max(fromMs, cursor.event.createdMs);
  }
  fromMs = Math.max(fromMs, 0);
  const inWindow = (candidate: FoundEvent): boolean => !cursor || (backward ? after(cursor, candidate) : after(candidate, cursor));
  /** The reading order: newest first, or oldest first from `ending_before`. */
  const readOrder = (a: FoundEvent, b: FoundEvent): number => ((backward ? after(b, a) : after(a, b)) ? 1 : -1);
  const wanted = request.limit + 1;
  const inOrder: FoundEvent[] = [];
  let buffer: FoundEvent[] = [];
  const release = (settled: (event: FoundEvent) => boolean) => {
    buffer.sort(readOrder);
    while (buffer.length && inOrder.length < wanted && settled(buffer[0] as FoundEvent)) inOrder.push(buffer.shift() as FoundEvent);
  };
  const range = { fromMs, toMs: toMs + PAGE_SPAN_MS };
  const pages = backward ? deps.events.pagesOldestFirst(request.merchantId, range) : deps.events.pagesNewestFirst(request.merchantId, range);
  let pagesRead = 0;
  let exhausted = true;
  for await (const page of pages) {
    // Later pages hold events no newer than this page's newest (newest first), or newer than its newest less a span (oldest first).
    release(backward ? (found) => found.event.createdMs < page.lastMs - PAGE_SPAN_MS : (found) => found.event.createdMs > page.lastMs);
    if (inOrder.length >= wanted) {
      exhausted = false;
      break;
    }
    if ((pagesRead += 1) > MAX_PAGES_PER_LISTING) {
      exhausted = false;
      break;
    }
    page.events.forEach((event, index) => {
      const candidate = { id: eventId(page.key, index), event };
      if (event.createdMs < fromMs || event.createdMs > toMs) return;
      if (request.type && !selectorMatches(request.type, event.type)) return;
      if (!inWindow(candidate)) return;
      buffer.push(candidate);
    });
  }
  if (exhausted) release(() => true);
  buffer = [];
  const taken = inOrder.slice(0, request.limit);
  return { events: backward ? taken.reverse() : taken, hasMore: inOrder.length > request.limit || !exhausted };
};

export interface EventDelivery {
  readonly endpointId: string;
  readonly attempt: number;
  readonly kind: 'webhook' | 'redelivery';
  readonly attemptedAt: string;
  readonly result: AttemptResult;
  readonly succeeded: boolean;
  readonly nextAttemptAt: string | null;
}

/** Every attempt to deliver one event, oldest first (`GET /v1/events/{id}/deliveries`). */
export const listEventDeliveries = async (deps: EventQueryDeps, request: { readonly merchantId: string; readonly id: string }): Promise<EventDelivery[]> => {
  const location = locateEvent(request.id);
  const located = await find(deps, request.merchantId, request.id);
  if (!located || !location) throw new ResourceNotFoundError('event', request.id);
  const records = await deps.events.deliveryRecords(request.merchantId, location.pageKey);
  return records
    .flatMap((record) =>
      record.results
        .filter((entry) => entry.index === location.index)
        .map((entry) => ({
          endpointId: record.endpointId,
          attempt: record.attempt,
          kind: record.kind,
          attemptedAt: record.attemptedAt,
          result: entry.result,
          succeeded: succeeded(entry.result),
          nextAttemptAt: succeeded(entry.result) ? null : record.nextAttemptAt,
        })),
    )
    .sort((a, b) => (a.attemptedAt < b.attemptedAt ? -1 : a.attemptedAt > b.attemptedAt ? 1 : a.attempt - b.attempt));
};

/**
 * Send an event again (`POST /v1/events/{id}/redeliver`), to one endpoint of the merchant's or to every
 * enabled endpoint subscribed to its type. A redelivery is attempted once, at once, even to a disabled
 * endpoint named explicitly (how a merchant checks its fix); its attempt shows in the deliveries.
 * Returns the endpoints it was queued for.
 */
export const redeliverEvent = async (
  deps: EventQueryDeps & { readonly endpoints: WebhookEndpointRepository; readonly queue: DeliveryQueue },
  request: { readonly merchantId: string; readonly id: string; readonly endpointId?: string; readonly commandId: string },
): Promise<{ event: FoundEvent; endpointIds: string[] }> => {
  const location = locateEvent(request.id);
  const located = await find(deps, request.merchantId, request.id);
  if (!located || !location) throw new ResourceNotFoundError('event', request.id);
  let endpointIds: string[];
  if (request.endpointId !== undefined) {
    const endpoint = await deps.endpoints.get(request.merchantId, request.endpointId, { consistent: true });
    if (!endpoint) throw new ResourceNotFoundError('webhook_endpoint', request.endpointId);
    endpointIds = [endpoint.id];
  } else {
    endpointIds = (await deps.endpoints.list(request.merchantId))
      .filter((endpoint) => endpoint.status === 'enabled' && endpoint.enabledEvents.some((selector) => selectorMatches(selector, located.found.event.type)))
      .map((endpoint) => endpoint.id);
  }
  const redeliveryId = `r${deriveId('evt', request.commandId).slice(4, 12)}`;
  const now = deps.now().getTime();
  await deps.queue.enqueue(
    endpointIds.map((endpointId) => ({
      task: {
        merchantId: request.merchantId,
        endpointId,
        pageKey: location.pageKey,
        indexes: [location.index],
        attempt: 1,
        kind: 'redelivery' as const,
        dueMs: now,
        source: 'redelivery',
        redeliveryId,
      },
      delaySeconds: 0,
    })),
  );
  return { event: located.found, endpointIds };
};
