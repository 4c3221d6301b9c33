/** How many objects one filtered search reads at most, whatever it finds: the answer says where it stopped. */
export const SEARCH_READ_LIMIT = 500;

export interface FilteredPage<T> {
  readonly items: readonly T[];
  /** Whether objects remain unread; the next search continues after `lastRead`. */
  readonly hasMore: boolean;
  /** The last object this search read, matched or not: the next page's cursor. */
  readonly lastRead: T | undefined;
}

/**
 * Pages of a list read in order, keeping the objects that match, until `limit` are kept, the list ends or
 * SEARCH_READ_LIMIT were read (for lists whose index has no key for the filter: operators' searches).
 */
export const collectMatching = async <T>(source: {
  readonly page: (after: T | undefined, size: number) => Promise<{ readonly items: readonly T[]; readonly hasMore: boolean }>;
  readonly matches: (item: T) => boolean;
  readonly limit: number;
  readonly after?: T;
  /** Page size to read with; default `limit` (no filter) or 100. */
  readonly filtered: boolean;
}): Promise<FilteredPage<T>> => {
  const kept: T[] = [];
  let after = source.after;
  let read = 0;
  for (;;) {
    const page = await source.page(after, source.filtered ? 100 : source.limit);
    for (const [index, item] of page.items.entries()) {
      read += 1;
      after = item;
      if (source.matches(item)) kept.push(item);
      if (kept.length === source.limit || read >= SEARCH_READ_LIMIT) {
        return { items: kept, hasMore: index < page.items.length - 1 || page.hasMore, lastRead: item };
      }
    }
    if (!page.hasMore || page.items.length === 0) return { items: kept, hasMore: false, lastRead: after };
  }
};
