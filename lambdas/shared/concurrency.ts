/**
 * Run `work` over `items`, at most `limit` at a time (a settlement report's lines, a bank statement's entries,
 * an acquirer webhook's events). Rejects with the first failure, as Promise.all does; `work` that must not stop
 * the others catches its own errors.
 */
export const forEachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
};
