import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type ListWindow, type Page, createdRange, pageFromReadOrder, positionKey, readsOldestFirst } from '../../domain/list-window';

/**
 * A list window (domain/list-window.ts) as a DynamoDB Query on an index ordered by creation: one partition per
 * list (or per list shard) and a sort key `<prefix><created at>#<id>`. The cursors and the `created` bounds
 * all become the sort key's condition, so a Query reads only the objects it may return: `limit + 1` keys per
 * partition (one more when a cursor is an end of a BETWEEN and the cursor itself is read and dropped), never
 * a filtered superset. Every list of the merchant API that reads an index goes through here.
 */
type Item = Record<string, unknown>;

export interface CreatedOrderIndex {
  /** The index (a GSI), or none for the table's own key. */
  readonly indexName?: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** What every sort key of the list starts with when the partition holds other items too (`apikey#`). */
  readonly prefix?: string;
}

export type CreatedOrderQuery = Required<Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ScanIndexForward' | 'Limit'>> &
  Pick<QueryCommandInput, 'IndexName'>;

interface Bound {
  readonly key: string;
  readonly inclusive: boolean;
}

/** The text right after every text that starts with `prefix` (its last character moved up by one). */
const afterPrefix = (prefix: string): string => `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;

const tighter = (bounds: readonly (Bound | undefined)[], lower: boolean): Bound | undefined =>
  bounds.reduce<Bound | undefined>((best, bound) => {
    if (!bound) return best;
    if (!best || (lower ? bound.key > best.key : bound.key < best.key)) return bound;
    return bound.key === best.key && !bound.inclusive ? bound : best;
  }, undefined);

/**
 * The Query of one partition for a window, or undefined when the window holds nothing (a BETWEEN whose ends
 * cross is an error in DynamoDB, so it is never sent). `skip` is the key a BETWEEN includes but the window
 * excludes (the cursor): `createdOrderPage` drops it.
 */
export const createdOrderQuery = (index: CreatedOrderIndex, partition: string, window: ListWindow): { query: CreatedOrderQuery; skip: readonly string[] } | undefined => {
  const range = createdRange(window);
  if (!range) return undefined;
  const prefix = index.prefix ?? '';
  // Time bounds are bare times: no key equals one (every key goes on with `#<id>`), so an exclusive one (the
  // upper) may be sent as inclusive; only a cursor, which is a key, needs excluding.
  const lower = tighter(
    [
      prefix ? { key: prefix, inclusive: true } : undefined,
      range.from !== undefined ? { key: `${prefix}${range.from}`, inclusive: true } : undefined,
      window.before ? { key: `${prefix}${positionKey(window.before)}`, inclusive: false } : undefined,
    ],
    true,
  );
  const upper = tighter(
    [
      prefix ? { key: afterPrefix(prefix), inclusive: true } : undefined,
      range.to !== undefined ? { key: `${prefix}${range.to}`, inclusive: true } : undefined,
      window.after ? { key: `${prefix}${positionKey(window.after)}`, inclusive: false } : undefined,
    ],
    false,
  );
  let condition = '#p = :p';
  const values: Item = { ':p': partition };
  const skip: string[] = [];
  if (lower && upper) {
    if (lower.key > upper.key || (lower.key === upper.key && !(lower.inclusive && upper.inclusive))) return undefined;
    condition += ' AND #s BETWEEN :lo AND :hi';
    Object.assign(values, { ':lo': lower.key, ':hi': upper.key });
    for (const bound of [lower, upper]) if (!bound.inclusive) skip.push(bound.key);
  } else if (lower) {
    condition += ` AND #s ${lower.inclusive ? '>=' : '>'} :lo`;
    values[':lo'] = lower.key;
  } else if (upper) {
    condition += ` AND #s ${upper.inclusive ? '<=' : '<'} :hi`;
    values[':hi'] = upper.key;
  }
  return {
    query: {
      ...(index.indexName ? { IndexName: index.indexName } : {}),
      KeyConditionExpression: condition,
      // DynamoDB refuses a name the expression does not use.
      ExpressionAttributeNames: { '#p': index.partitionKey, ...(lower || upper ? { '#s': index.sortKey } : {}) },
      ExpressionAttributeValues: values,
      ScanIndexForward: readsOldestFirst(window),
      Limit: window.limit + 1 + skip.length,
    },
    skip,
  };
};

/**
 * The page from what the Queries of a list's partitions returned (one answer per partition, each in the
 * window's reading direction): the skipped keys dropped, the answers merged in that direction, `limit` taken,
 * shown newest first.
 */
export const createdOrderPage = (index: CreatedOrderIndex, window: ListWindow, answers: readonly { readonly items: readonly Item[]; readonly skip: readonly string[] }[]): Page<Item> => {
  const oldestFirst = readsOldestFirst(window);
  const merged = answers
    .flatMap((answer) => answer.items.filter((item) => !answer.skip.includes(String(item[index.sortKey]))))
    .sort((a, b) => {
      const left = String(a[index.sortKey]);
      const right = String(b[index.sortKey]);
      const order = left < right ? -1 : left > right ? 1 : 0;
      return oldestFirst ? order : -order;
    });
  return pageFromReadOrder(window, merged);
};

/**
 * One page of a list spread over `partitions` (the list's shards; one for most lists): a Query per partition,
 * in parallel, merged. `consistent` for a table's own key only (an index reads eventually consistent).
 */
export const queryCreatedOrder = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  index: CreatedOrderIndex,
  partitions: readonly string[],
  window: ListWindow,
  options: { readonly consistent?: boolean } = {},
): Promise<Page<Item>> => {
  const answers = await Promise.all(
    partitions.map(async (partition) => {
      const planned = createdOrderQuery(index, partition, window);
      if (!planned) return { items: [], skip: [] };
      const result = await client.send(new QueryCommand({ TableName: tableName, ...planned.query, ...(options.consistent ? { ConsistentRead: true } : {}) }));
      return { items: result.Items ?? [], skip: planned.skip };
    }),
  );
  return createdOrderPage(index, window, answers);
};

/**
 * The items of a keys-only index's entries (BatchGetItem, 100 keys a request), in the entries' order; an entry
 * whose item is gone is left out. Keys left unprocessed (throttling) are asked again after a short, growing pause.
 */
export const itemsByKey = async (client: DynamoDBDocumentClient, tableName: string, entries: readonly Item[]): Promise<Item[]> => {
  const keys = entries.map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
  const found = new Map<string, Item>();
  for (let offset = 0; offset < keys.length; offset += 100) {
    for (let pending = keys.slice(offset, offset + 100), attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
      const batch = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
      for (const item of batch.Responses?.[tableName] ?? []) found.set(`${item.pk as string}#${item.sk as string}`, item);
      pending = (batch.UnprocessedKeys?.[tableName]?.Keys ?? []) as { pk: string; sk: string }[];
    }
  }
  return keys.flatMap((key): Item[] => {
    const item = found.get(`${key.pk}#${key.sk}`);
    return item ? [item] : [];
  });
};
