/**
 * A value per key read at most once every `ttlMs` per function instance: the merchant's profile for
 * screening, its pricing for a capture's posting (decision 0055). An absent value (undefined) is kept like
 * any other: a merchant without its own settings reads them again only after `ttlMs`, as one whose settings
 * change does. Not shared between instances, so a change applies everywhere within `ttlMs`.
 */
export interface TtlCache<V> {
  get(key: string): Promise<V>;
  forget(key: string): void;
}

export const ttlCache = <V>(read: (key: string) => Promise<V>, ttlMs: number, clock: () => number = Date.now): TtlCache<V> => {
  const entries = new Map<string, { readonly value: V; readonly readAt: number }>();
  return {
    get: async (key) => {
      const cached = entries.get(key);
      if (cached && clock() - cached.readAt < ttlMs) return cached.value;
      const value = await read(key);
      entries.set(key, { value, readAt: clock() });
      return value;
    },
    forget: (key) => {
      entries.delete(key);
    },
  };
};
