/**
 * DynamoDB capacity units by AWS's published billing rules, computed from item images: what a request
 * consumes in AWS, not what DynamoDB Local reports (it under-reports transactions: 1 Put + 3 Updates of
 * small items come back as 2 units or 4, AWS bills 8). Pure, no I/O; the counting proxy
 * (bench/lib/capacity-proxy.ts) obtains the images either side of each write and feeds them here.
 *
 * The rules, with the pages they come from (read 2026-12-06):
 * - Item size: the sum of attribute name lengths and value sizes; strings UTF-8 bytes, binary raw bytes,
 *   numbers 1 byte per two significant digits + 1, null and Boolean 1 byte, a list or map 3 bytes plus
 *   1 byte per element plus its elements (a map's element is its key and value), sets the sum of their
 *   members. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 * - Writes: 1 unit per started 1 KB; PutItem and UpdateItem are sized on the larger of the item before and
 *   after, DeleteItem on the deleted item; a write refused by its condition still consumes units, sized on
 *   the existing item (1 unit when there is none). Reads: per started 4 KB, eventually consistent ½,
 *   strongly consistent 1; GetItem, BatchGetItem and TransactGetItems round each item, Query and Scan
 *   round the summed size of the items they read (before any filter; a projection does not shrink it); a
 *   read that finds nothing still consumes the minimum.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 * - Transactions: 2 units per item per started KB (prepare + commit), reads 2 per started 4 KB; a
 *   ConditionCheck is billed as a transactional write of the item it reads. Index updates happen after the
 *   transaction commits ("propagated to global secondary indexes ... after the transaction completes"),
 *   so they are not doubled. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 * - Global secondary indexes: a write consumes index units only when the index's stored entry changes:
 *   joining or leaving the index 1 write of the entry, a changed index key 2 (a delete of the old entry and
 *   a put of the new one, each rounded on its own), a changed projected attribute 1 (the larger entry);
 *   entries are sized by what they hold: the table's keys, the index's keys and the projected attributes
 *   (KEYS_ONLY, INCLUDE or ALL). https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
 * - Global tables: each replica region bills the replicated write as one replicated write unit per started
 *   KB (a standard write there: a transaction is atomic only in the region that ran it), and updates its
 *   own GSIs at plain write units. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/global-tables-billing.html
 *   A regional table (`replicated: false`) is written in the serving region only.
 *
 * The index, transaction and number-size rules were cross-checked against captures of real DynamoDB
 * published by an emulator project (github.com/nubo-db/dynoxide, src/actions/index_capacity.rs and
 * src/types.rs: a transactional put of an indexed item costs table 2 and index 1; a moved index entry of
 * 1,517 bytes either side costs 4; a ConditionCheck 2).
 */

/** A DynamoDB attribute value as the wire protocol carries it (binary values base64-encoded). */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: boolean }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] }
  | { readonly L: readonly AttributeValue[] }
  | { readonly M: Readonly<Record<string, AttributeValue>> };

export type Item = Readonly<Record<string, AttributeValue>>;

export type Projection = 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: Projection;
}

/** What the calculator needs of a table: its key attribute names, its global secondary indexes, and whether it is replicated. */
export interface TableSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexSchema[];
  /** False for a regional table (platform/tables.ts `replication`): no other region bills its writes. Default true. */
  readonly replicated?: boolean;
  /** The TTL attribute (epoch seconds), if the table has one: DynamoDB deletes an item once it is past. */
  readonly timeToLiveAttribute?: string;
}

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;
/** Prepare and commit: every item of a transaction is written (or read) twice. */
export const TRANSACTION_FACTOR = 2;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Bytes of a number: 1, plus 1 per two significant digits (leading and trailing zeros do not count). The
 * digits before and after the decimal point pair up separately (1.5 is 3 bytes, not 2) and a negative
 * number costs 1 byte more: the refinement the emulator project above measured byte-exact against AWS;
 * the AWS page gives the rule as "approximately".
 */
export const numberSize = (text: string): number => {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const [coefficient = '0', exponentText = '0'] = trimmed.replace(/^[+-]/, '').toLowerCase().split('e');
  const [whole = '', fraction = ''] = coefficient.split('.');
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first < 0) return 1; // zero
  const significant = digits.slice(first).replace(/0+$/, '');
  // Where the decimal point falls in `significant`: the count of its digits before the point.
  const pointAt = whole.length - first + Number(exponentText);
  const integerDigits = Math.min(Math.max(pointAt, 0), significant.length);
  const fractionDigits = significant.length - integerDigits;
  return 1 + Math.ceil(integerDigits / 2) + Math.ceil(fractionDigits / 2) + (negative ? 1 : 0);
};

/** Bytes of an attribute value (without its name). */
export const valueSize = (value: AttributeValue): number => {
  if ('S' in value) return utf8(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return Buffer.byteLength(value.B, 'base64');
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, member) => sum + utf8(member), 0);
  if ('NS' in value) return value.NS.reduce((sum, member) => sum + numberSize(member), 0);
  if ('BS' in value) return value.BS.reduce((sum, member) => sum + Buffer.byteLength(member, 'base64'), 0);
  if ('L' in value) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + utf8(name) + 1 + valueSize(element), 0);
};

/** Bytes of an item: every attribute's name and value. An absent item is 0 bytes. */
export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0) : 0;

/** Write units of `bytes`: one per started KB, at least one. */
export const writeUnitsOf = (bytes: number): number => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));

export type ReadConsistency = 'eventual' | 'strong' | 'transactional';
const READ_FACTOR: Readonly<Record<ReadConsistency, number>> = { eventual: 0.5, strong: 1, transactional: TRANSACTION_FACTOR };

/** Read units of `bytes` read in one go: per started 4 KB, at least one, times the consistency's factor. */
export const readUnitsOf = (bytes: number, consistency: ReadConsistency): number =>
  Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * READ_FACTOR[consistency];

/** GetItem, BatchGetItem, TransactGetItems: each item (found or not) rounded on its own, then added. */
export const itemReadUnits = (items: readonly (Item | undefined)[], consistency: ReadConsistency): number =>
  items.reduce((sum, item) => sum + readUnitsOf(itemSize(item), consistency), 0);

/** Query and Scan: the sizes of every item read (index entries for an index) added, then rounded once. */
export const queryReadUnits = (items: readonly Item[], consistency: 'eventual' | 'strong'): number =>
  readUnitsOf(items.reduce((sum, item) => sum + itemSize(item), 0), consistency);

// ---- Writes ----

/** Order-insensitive for sets, so an image read back with its set members reordered compares equal. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, inner]) => {
        const member = (name === 'SS' || name === 'NS' || name === 'BS') && Array.isArray(inner) ? [...inner].sort() : inner;
        return `${JSON.stringify(name)}:${canonical(member)}`;
      })
      .join(',')}}`;
  }
  return JSON.stringify(value);
};

export const sameItem = (a: Item | undefined, b: Item | undefined): boolean => canonical(a ?? null) === canonical(b ?? null);

const isKeyValue = (value: AttributeValue | undefined): boolean => value !== undefined && ('S' in value || 'N' in value || 'B' in value);

/**
 * What `index` stores for `item`: the table's keys, the index's keys and the projected attributes; undefined
 * when the item lacks an index key attribute (a sparse index holds no entry for it).
 */
export const indexEntry = (item: Item | undefined, index: IndexSchema, table: TableSchema): Item | undefined => {
  if (!item || !isKeyValue(item[index.partitionKey]) || (index.sortKey !== undefined && !isKeyValue(item[index.sortKey]))) return undefined;
  if (index.projection === 'ALL') return item;
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...(index.projection === 'KEYS_ONLY' ? [] : index.projection.include)];
  const entry: Record<string, AttributeValue> = {};
  for (const name of names) {
    const value = name === undefined ? undefined : item[name];
    if (name !== undefined && value !== undefined) entry[name] = value;
  }
  return entry;
};

/**
 * A key attribute's value as text, to name the partition it falls in: a string as it is, a number as its
 * digits, binary as `base64:<value>` (an attribute's key type is fixed, so these cannot collide).
 */
export const partitionValueText = (value: AttributeValue | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if ('S' in value) return value.S;
  if ('N' in value) return value.N;
  if ('B' in value) return `base64:${value.B}`;
  return undefined;
};

/** Write units an index spends on one partition key value of its own. */
export interface IndexPartitionWrite {
  readonly partition: string;
  readonly units: number;
}

/**
 * Where the index write units of one item write land, by partition key value of the index: an entry
 * joining the index charges its partition, one leaving it charges the old one, a moved entry charges the
 * delete to the old value and the put to the new one, a changed projection the (unchanged) value. Empty
 * when the stored entry does not change. `itemWriteUnits` adds these up per index, so the per-index
 * totals and the per-partition breakdown cannot disagree.
 */
export const indexWriteCharges = (before: Item | undefined, after: Item | undefined, index: IndexSchema, table: TableSchema): IndexPartitionWrite[] => {
  const old = indexEntry(before, index, table);
  const next = indexEntry(after, index, table);
  const at = (entry: Item, units: number): IndexPartitionWrite => ({ partition: partitionValueText(entry[index.partitionKey]) as string, units });
  if (!old && !next) return [];
  if (!old) return [at(next as Item, writeUnitsOf(itemSize(next)))];
  if (!next) return [at(old, writeUnitsOf(itemSize(old)))];
  const key = (entry: Item) => canonical([entry[index.partitionKey], index.sortKey === undefined ? null : entry[index.sortKey]]);
  // A moved entry is a delete of the old one and a put of the new one, each rounded on its own.
  if (key(old) !== key(next)) return [at(old, writeUnitsOf(itemSize(old))), at(next, writeUnitsOf(itemSize(next)))];
  if (sameItem(old, next)) return [];
  return [at(next, Math.max(writeUnitsOf(itemSize(old)), writeUnitsOf(itemSize(next))))];
};

export type WriteKind = 'put' | 'update' | 'delete' | 'condition-check';

/** One item's write: the item before (absent if there was none) and after (absent after a delete). */
export interface ItemWrite {
  readonly kind: WriteKind;
  readonly before?: Item;
  readonly after?: Item;
}

export interface WriteUnits {
  /** The table's own units in the region serving the request (transactional items at 2×). */
  readonly table: number;
  /** Units per global secondary index, in one region (each replica region updates its own as well). */
  readonly indexes: Readonly<Record<string, number>>;
  /** Replicated write units one other replica region bills for this write (0 when nothing changed). */
  readonly replicaTable: number;
}

/**
 * Units of one successful item write. A ConditionCheck in a transaction is billed as a transactional
 * write of the item it read and changes nothing. A write that leaves the item as it was still consumes
 * the table's units, but nothing is replicated and no index entry changes.
 */
export const itemWriteUnits = (write: ItemWrite, table: TableSchema, options: { readonly transactional: boolean }): WriteUnits => {
  const factor = options.transactional ? TRANSACTION_FACTOR : 1;
  if (write.kind === 'condition-check') return { table: factor * writeUnitsOf(itemSize(write.before)), indexes: {}, replicaTable: 0 };
  const after = write.kind === 'delete' ? undefined : write.after;
  const units = writeUnitsOf(Math.max(itemSize(write.before), itemSize(after)));
  const changed = !sameItem(write.before, after);
  const indexes: Record<string, number> = {};
  for (const charge of itemIndexWrites(write, table)) indexes[charge.index] = (indexes[charge.index] ?? 0) + charge.units;
  return { table: factor * units, indexes, replicaTable: changed && table.replicated !== false ? units : 0 };
};

/**
 * Where one item write's index units land: per index, per partition key value of the index
 * (`indexWriteCharges`). `itemWriteUnits` adds these up per index. A ConditionCheck changes no index.
 */
export const itemIndexWrites = (write: ItemWrite, table: TableSchema): (IndexPartitionWrite & { readonly index: string })[] => {
  if (write.kind === 'condition-check') return [];
  const after = write.kind === 'delete' ? undefined : write.after;
  return table.indexes.flatMap((index) => indexWriteCharges(write.before, after, index, table).map((charge) => ({ index: index.name, ...charge })));
};

/** Units of a write refused by its condition: sized on the item it found, 1 when there was none. */
export const refusedWriteUnits = (existing: Item | undefined): number => writeUnitsOf(itemSize(existing));

/**
 * Estimate for one item of a cancelled transaction: AWS returns no ConsumedCapacity with the cancellation
 * and documents none; we take the prepare phase at the transactional rate on the item as it stood.
 */
export const cancelledTransactionItemUnits = (existing: Item | undefined): number => TRANSACTION_FACTOR * writeUnitsOf(itemSize(existing));

/**
 * A TransactWriteItems repeated with the ClientRequestToken of one that succeeded less than 10 minutes
 * earlier changes nothing and is billed as a transactional read of each item (transaction-apis.html,
 * "Idempotency").
 */
export const transactionReplayReadUnits = (items: readonly (Item | undefined)[]): number => itemReadUnits(items, 'transactional');

/** Sum of several items' write units (a transaction's, a batch's) per table. */
export const sumWriteUnits = (writes: readonly { readonly table: string; readonly units: WriteUnits }[]): Record<string, { table: number; index: number; replicaTable: number }> => {
  const totals: Record<string, { table: number; index: number; replicaTable: number }> = {};
  for (const { table, units } of writes) {
    const total = (totals[table] ??= { table: 0, index: 0, replicaTable: 0 });
    total.table += units.table;
    total.index += Object.values(units.indexes).reduce((sum, value) => sum + value, 0);
    total.replicaTable += units.replicaTable;
  }
  return totals;
};
