import { type CreatedOrderIndex, createdOrderPage, createdOrderQuery } from '../../../lambdas/adapters/dynamodb/created-order';
import { type ListPosition, type ListWindow, newestFirst, pageInMemory } from '../../../lambdas/domain/list-window';

/**
 * The key conditions a list window becomes. The Queries themselves run against DynamoDB Local in
 * test/integration/handlers/list-conventions.test.ts; here each planned condition is also evaluated as
 * DynamoDB defines it (sort key compared as UTF-8 bytes: ASCII here) over a sorted partition, and the page
 * must be the one the in-memory reference gives, for many windows.
 */
const index: CreatedOrderIndex = { indexName: 'merchant-objects', partitionKey: 'merchant_type', sortKey: 'created_key' };
const base = Date.parse('2026-12-06T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

describe('createdOrderQuery', () => {
  it('reads the partition newest first, limit + 1, with no sort key condition when nothing bounds it', () => {
    expect(createdOrderQuery(index, 'mer_1#payment#0', { limit: 10 })).toEqual({
      query: {
        IndexName: 'merchant-objects',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'merchant_type' },
        ExpressionAttributeValues: { ':p': 'mer_1#payment#0' },
        ScanIndexForward: false,
        Limit: 11,
      },
      skip: [],
    });
  });

  it('continues after starting_after with "<" and reads oldest first from ending_before with ">"', () => {
    const cursor = { createdAt: at(base), id: 'pay_a' };
    const after = createdOrderQuery(index, 'p', { limit: 5, after: cursor })?.query;
    const before = createdOrderQuery(index, 'p', { limit: 5, before: cursor })?.query;
    expect([after?.KeyConditionExpression, after?.ExpressionAttributeValues[':hi'], after?.ScanIndexForward]).toEqual(['#p = :p AND #s < :hi', `${at(base)}#pay_a`, false]);
    expect([before?.KeyConditionExpression, before?.ExpressionAttributeValues[':lo'], before?.ScanIndexForward]).toEqual(['#p = :p AND #s > :lo', `${at(base)}#pay_a`, true]);
  });

  it('puts created bounds in a BETWEEN (no key equals a bare time) and a cursor at its end is read once more and skipped', () => {
    const bounded = createdOrderQuery(index, 'p', { limit: 5, createdFromMs: base, createdToMs: base + 999 });
    expect(bounded).toMatchObject({
      query: { KeyConditionExpression: '#p = :p AND #s BETWEEN :lo AND :hi', ExpressionAttributeValues: { ':lo': at(base), ':hi': at(base + 1000) }, Limit: 6 },
      skip: [],
    });
    const cursor = { createdAt: at(base + 500), id: 'pay_b' };
    const withCursor = createdOrderQuery(index, 'p', { limit: 5, createdFromMs: base, after: cursor });
    expect(withCursor).toMatchObject({ query: { ExpressionAttributeValues: { ':lo': at(base), ':hi': `${at(base + 500)}#pay_b` }, Limit: 7 }, skip: [`${at(base + 500)}#pay_b`] });
  });

  it('keeps a prefixed list inside its prefix', () => {
    const keys = createdOrderQuery({ partitionKey: 'pk', sortKey: 'sk', prefix: 'apikey#' }, 'merchant#m', { limit: 3 });
    expect(keys?.query).toMatchObject({ KeyConditionExpression: '#p = :p AND #s BETWEEN :lo AND :hi', ExpressionAttributeValues: { ':p': 'merchant#m', ':lo': 'apikey#', ':hi': 'apikey$' }, Limit: 4 });
  });

  it.each([
    ['crossed created bounds', { limit: 5, createdFromMs: base + 1, createdToMs: base }],
    ['a cursor older than the lower bound', { limit: 5, createdFromMs: base, after: { createdAt: at(base - 1), id: 'x' } }],
    ['a cursor newer than the upper bound', { limit: 5, createdToMs: base, before: { createdAt: at(base + 1), id: 'x' } }],
  ])('sends no Query for %s (DynamoDB refuses a BETWEEN whose ends cross)', (_name, window) => {
    expect(createdOrderQuery(index, 'p', window)).toBeUndefined();
  });
});

/** DynamoDB's evaluation of the planned key condition over one partition, in the planned direction, up to Limit. */
const evaluate = (partition: readonly string[], planned: NonNullable<ReturnType<typeof createdOrderQuery>>): Record<string, unknown>[] => {
  const { KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: forward, Limit: limit } = planned.query;
  const lo = values[':lo'] as string;
  const hi = values[':hi'] as string;
  const test: (key: string) => boolean = condition.endsWith('BETWEEN :lo AND :hi')
    ? (key) => key >= lo && key <= hi
    : condition.endsWith('>= :lo')
      ? (key) => key >= lo
      : condition.endsWith('> :lo')
        ? (key) => key > lo
        : condition.endsWith('<= :hi')
          ? (key) => key <= hi
          : condition.endsWith('< :hi')
            ? (key) => key < hi
            : () => true;
  const ascending = [...partition].sort();
  return (forward ? ascending : ascending.reverse()).filter(test).slice(0, limit).map((key) => ({ created_key: key }));
};

it.each([1, 4])('gives the in-memory reference page for every window over a list in %i partition(s) (cursors, bounds, ties)', (partitions) => {
  // Prepare: 40 objects, some created in the same millisecond.
  const objects: ListPosition[] = Array.from({ length: 40 }, (_, n) => ({ createdAt: at(base + Math.floor(n / 3) * 250), id: `pay_${String(n).padStart(2, '0')}` })).sort(newestFirst);
  const shards = Array.from({ length: partitions }, (_, shard) => objects.filter((_, n) => n % partitions === shard).map((object) => `${object.createdAt}#${object.id}`));
  const windows: ListWindow[] = [];
  for (const limit of [1, 3, 10, 50])
    for (const cursor of [undefined, 0, 7, 20, 39])
      for (const direction of ['after', 'before'] as const)
        for (const [from, to] of [[undefined, undefined], [base + 1000, undefined], [undefined, base + 2250], [base + 500, base + 2999], [base + 2000, base + 2000]])
          windows.push({
            limit,
            ...(cursor === undefined ? {} : { [direction]: objects[cursor] }),
            ...(from === undefined ? {} : { createdFromMs: from }),
            ...(to === undefined ? {} : { createdToMs: to }),
          });
  for (const window of windows) {
    // Act
    const answers = shards.map((partition) => {
      const planned = createdOrderQuery(index, 'p', window);
      return planned ? { items: evaluate(partition, planned), skip: planned.skip } : { items: [], skip: [] };
    });
    const page = createdOrderPage(index, window, answers);
    // Assess
    const reference = pageInMemory(objects, window, (object) => object);
    expect({ window, keys: page.items.map((item) => item.created_key), hasMore: page.hasMore }).toEqual({
      window,
      keys: reference.items.map((object) => `${object.createdAt}#${object.id}`),
      hasMore: reference.hasMore,
    });
  }
});
