/**
 * JSON with object keys sorted (code-unit order) at every depth and no whitespace: two equal values give
 * byte-identical text whatever their key order. Used wherever a hash must not depend on how an object was
 * built (idempotency request fingerprints, audit entry hashes).
 */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, node: unknown) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );
