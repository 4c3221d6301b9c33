/**
 * Which of `count` shards a key falls in: FNV-1a over the key's UTF-16 code units, modulo `count`.
 * Deterministic (the same key always lands in the same shard, in every region and every release), fast, and
 * even over our derived ids. Used wherever one logical partition is spread over several DynamoDB
 * partitions so that no burst makes one of them hot (saga-start markers, a merchant's payment list).
 */
export const shardOf = (key: string, count: number): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
};
