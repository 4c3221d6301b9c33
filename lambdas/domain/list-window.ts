/**
 * Stripe's list conventions, once for every list of the merchant API (docs/api.md, "Lists"):
 * - a list is newest first: by creation time, then by id, both descending;
 * - `starting_after=<id>`: the page of objects right after (older than) that object;
 * - `ending_before=<id>`: the page of objects right before (newer than) that object, still shown newest
 *   first; `has_more` then says whether more objects come before that page (newer still);
 * - `created[gte|gt|lte|lt]`: bounds on the creation time (milliseconds), held here as one inclusive range.
 * At most one of the two cursors (the query contract refuses both together).
 *
 * Pure: the DynamoDB adapters turn a window into a key condition (adapters/dynamodb/created-order.ts), and
 * `pageInMemory` applies one to a list already read whole.
 */

/** Where an object sits in a list: its creation time (ISO 8601, as `Date.toISOString()` writes it) and id. */
export interface ListPosition {
  readonly createdAt: string;
  readonly id: string;
}

export interface ListWindow {
  readonly limit: number;
  /** `starting_after`: older than this object. */
  readonly after?: ListPosition;
  /** `ending_before`: newer than this object, the page nearest to it. */
  readonly before?: ListPosition;
  /** Inclusive bounds on the creation time, epoch milliseconds. */
  readonly createdFromMs?: number;
  readonly createdToMs?: number;
}

export interface Page<T> {
  /** Newest first. */
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

/** The range ISO 8601 writes with four-digit years: a bound outside it is clamped, so every bound compares as text. */
const EARLIEST_MS = 0;
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const clamp = (ms: number): number => Math.min(Math.max(ms, EARLIEST_MS), LATEST_MS);

/**
 * The window's creation bounds as ISO texts: `from` inclusive, `to` exclusive (the inclusive upper bound plus
 * one millisecond); a bound that excludes nothing is left out. Undefined when the range holds no time at all.
 */
export const createdRange = (window: Pick<ListWindow, 'createdFromMs' | 'createdToMs'>): { from?: string; to?: string } | undefined => {
  const from = window.createdFromMs === undefined || window.createdFromMs <= EARLIEST_MS ? undefined : clamp(window.createdFromMs);
  const to = window.createdToMs === undefined || window.createdToMs >= LATEST_MS ? undefined : window.createdToMs + 1;
  if (to !== undefined && to <= Math.max(from ?? EARLIEST_MS, EARLIEST_MS)) return undefined;
  return {
    ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
    ...(to === undefined ? {} : { to: new Date(to).toISOString() }),
  };
};

/** The sort key of a position in a creation-ordered list: `<created at>#<id>` (the order of every list index). */
export const positionKey = (position: ListPosition): string => `${position.createdAt}#${position.id}`;

/** Newest first: a before b. */
export const newestFirst = (a: ListPosition, b: ListPosition): number => {
  const left = positionKey(a);
  const right = positionKey(b);
  return left < right ? 1 : left > right ? -1 : 0;
};

/** Whether a position is inside the window's bounds (cursors exclusive, created bounds inclusive). */
export const inWindow = (window: ListWindow, position: ListPosition): boolean => {
  const range = createdRange(window);
  if (!range) return false;
  const key = positionKey(position);
  if (range.from !== undefined && position.createdAt < range.from) return false;
  if (range.to !== undefined && position.createdAt >= range.to) return false;
  if (window.after && key >= positionKey(window.after)) return false;
  if (window.before && key <= positionKey(window.before)) return false;
  return true;
};

/**
 * One page of candidates read in the window's reading direction: newest first normally, oldest first for
 * `ending_before` (the objects nearest the cursor come first). Takes `limit` of them, says whether more were
 * there, and shows the page newest first.
 */
export const pageFromReadOrder = <T>(window: Pick<ListWindow, 'limit' | 'before'>, inReadOrder: readonly T[]): Page<T> => {
  const taken = inReadOrder.slice(0, window.limit);
  return { items: window.before ? [...taken].reverse() : taken, hasMore: inReadOrder.length > window.limit };
};

/** Whether a window reads oldest first (`ending_before`). */
export const readsOldestFirst = (window: Pick<ListWindow, 'before'>): boolean => window.before !== undefined;

/**
 * A window applied to a list read whole and newest first (a payment's refunds, a merchant's at most 16 webhook
 * endpoints): the same page a list index would give.
 */
export const pageInMemory = <T>(newestFirstAll: readonly T[], window: ListWindow, positionOf: (item: T) => ListPosition): Page<T> => {
  const inside = newestFirstAll.filter((item) => inWindow(window, positionOf(item)));
  return pageFromReadOrder(window, readsOldestFirst(window) ? [...inside].reverse() : inside);
};
