import {
  type Item,
  type ItemWrite,
  type TableSchema,
  cancelledTransactionItemUnits,
  indexWriteCharges,
  itemIndexWrites,
  itemReadUnits,
  itemSize,
  itemWriteUnits,
  numberSize,
  partitionValueText,
  queryReadUnits,
  refusedWriteUnits,
  sumWriteUnits,
  transactionReplayReadUnits,
} from '../../../bench/lib/capacity-units';

/**
 * DynamoDB units by AWS's billing rules (bench/lib/capacity-units.ts). Every expected figure is worked out
 * by hand from the rules the module cites; the comment on each case shows the arithmetic.
 */

/** A payments-like table: an ALL list index and a sparse KEYS_ONLY marker index (platform/tables.ts). */
const payments: TableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'merchant-objects', partitionKey: 'merchant_type', sortKey: 'created_key', projection: 'ALL' },
    { name: 'saga-starts', partitionKey: 'saga_shard', sortKey: 'saga_pending_since', projection: 'KEYS_ONLY' },
  ],
};
const plain: TableSchema = { partitionKey: 'pk', sortKey: 'sk', indexes: [] };

/** { pk: 'p1', sk: 'item' }: 2 + 2 + 2 + 4 = 10 bytes. */
const key = (pk = 'p1'): Item => ({ pk: { S: pk }, sk: { S: 'item' } });
/** An item of exactly `bytes` bytes: `base` plus `pad` (3 bytes of name) holding the rest. */
const sized = (bytes: number, base: Item = key()): Item => ({ ...base, pad: { S: 'x'.repeat(bytes - itemSize(base) - 3) } });
/** In both indexes: merchant_type (13 + 11) + created_key (11 + 20) + saga_shard (10 + 1) + saga_pending_since (18 + 20) = 104 bytes. */
const indexed = { merchant_type: { S: 'mer_1#payment' }, created_key: { S: '2026-12-06T00:00:00Z' }, saga_shard: { S: '7' }, saga_pending_since: { S: '2026-12-06T00:00:00Z' } } as const;

describe('item size', () => {
  it.each<[string, Item, number]>([
    ['a string: UTF-8 bytes of name and value', { name: { S: 'héllo' } }, 4 + 6],
    ['an integer: 1 byte per two significant digits + 1', { n: { N: '123' } }, 1 + 3],
    ['trailing and leading zeros do not count', { n: { N: '0001000' } }, 1 + 2],
    ['a negative number: 1 byte more', { n: { N: '-42' } }, 1 + 3],
    ['digits before and after the point pair up apart (1.5: 1 + 1 + 1)', { n: { N: '1.5' } }, 1 + 3],
    ['binary: raw bytes, not base64', { b: { B: Buffer.from([1, 2, 3, 4, 5]).toString('base64') } }, 1 + 5],
    ['Boolean and null: 1 byte', { ok: { BOOL: true }, no: { NULL: true } }, 3 + 3],
    ['a list: 3 bytes + 1 per element + the elements', { l: { L: [{ S: 'ab' }, { N: '1' }] } }, 1 + 3 + (1 + 2) + (1 + 2)],
    ['a map: 3 bytes + per entry its name, 1 byte and its value', { m: { M: { a: { S: 'xy' }, bb: { BOOL: false } } } }, 1 + 3 + (1 + 1 + 2) + (2 + 1 + 1)],
    ['an empty map', { m: { M: {} } }, 1 + 3],
    ['sets: the sum of their members', { ss: { SS: ['a', 'bc'] }, ns: { NS: ['1', '22'] } }, 2 + 3 + 2 + (2 + 2)],
    ['the fixtures below: a key of 10 bytes', key(), 10],
    ['a padded item hits its size exactly', sized(1024), 1024],
  ])('%s', (_what, item, bytes) => {
    // Act
    const size = itemSize(item);
    // Assess
    expect(size).toBe(bytes);
  });

  it('sizes a number written in exponent form by its significant digits', () => {
    expect(numberSize('1.5E+3')).toBe(numberSize('1500'));
    expect(numberSize('0')).toBe(1);
  });
});

describe('write units', () => {
  const put = (after: Item, before?: Item): ItemWrite => ({ kind: 'put', before, after });
  const update = (before: Item | undefined, after: Item): ItemWrite => ({ kind: 'update', before, after });

  it.each<[string, ItemWrite, TableSchema, boolean, { table: number; indexes: Record<string, number>; replicaTable: number }]>([
    ['a new item just under 1 KB: 1', put(sized(1023)), plain, false, { table: 1, indexes: {}, replicaTable: 1 }],
    ['a new item of exactly 1 KB: 1', put(sized(1024)), plain, false, { table: 1, indexes: {}, replicaTable: 1 }],
    ['a new item just over 1 KB: 2', put(sized(1025)), plain, false, { table: 2, indexes: {}, replicaTable: 2 }],
    ['a put replacing a larger item: sized on the larger (2,100 B): 3', put(sized(300), sized(2100)), plain, false, { table: 3, indexes: {}, replicaTable: 3 }],
    ['a new item in a regional table: billed here, replicated nowhere', put(sized(1025)), { ...plain, replicated: false }, false, { table: 2, indexes: {}, replicaTable: 0 }],
    ['an update whose after-image crosses 1 KB (1,000 → 1,100 B): 2', update(sized(1000), sized(1100)), plain, false, { table: 2, indexes: {}, replicaTable: 2 }],
    ['an update shrinking an item (1,100 → 900 B): still 2', update(sized(1100), sized(900)), plain, false, { table: 2, indexes: {}, replicaTable: 2 }],
    ['a delete: the deleted item (2,500 B): 3', { kind: 'delete', before: sized(2500) }, plain, false, { table: 3, indexes: {}, replicaTable: 3 }],
    ['a delete of nothing: the 1-unit minimum, nothing replicated', { kind: 'delete' }, plain, false, { table: 1, indexes: {}, replicaTable: 0 }],
    ['rewriting an item unchanged: the table unit, no index, no replica', put(sized(500, { ...key(), ...indexed }), sized(500, { ...key(), ...indexed })), payments, false, { table: 1, indexes: {}, replicaTable: 0 }],
    ['a transactional put: 2 per KB on the table, the index not doubled', put(sized(400, { ...key(), ...indexed })), payments, true, { table: 2, indexes: { 'merchant-objects': 1, 'saga-starts': 1 }, replicaTable: 1 }],
    ['a ConditionCheck in a transaction (500 B): 2, nothing else', { kind: 'condition-check', before: sized(500) }, plain, true, { table: 2, indexes: {}, replicaTable: 0 }],
    // 3,000 B item: the ALL entry is the whole item (3 units); the KEYS_ONLY entry is pk, sk and the two
    // saga keys: 10 + (10 + 1) + (18 + 20) = 59 bytes (1 unit).
    ['KEYS_ONLY vs ALL: a 3,000 B item in both indexes', put(sized(3000, { ...key(), ...indexed })), payments, false, { table: 3, indexes: { 'merchant-objects': 3, 'saga-starts': 1 }, replicaTable: 3 }],
    // A changed attribute outside the index keys: the ALL entry changes (1 unit, 600 B), the KEYS_ONLY one does not.
    [
      'a non-key change: the ALL index rewrites its entry, the KEYS_ONLY index nothing',
      update(sized(600, { ...key(), ...indexed, status: { S: 'processing' } }), sized(600, { ...key(), ...indexed, status: { S: 'succeeded!' } })),
      payments,
      false,
      { table: 1, indexes: { 'merchant-objects': 1 }, replicaTable: 1 },
    ],
    // created_key changes: the old entry is deleted and the new one put, each 1,500 B rounded on its own (2 + 2).
    [
      'an index key change: a delete plus a put in the index',
      update(sized(1500, { ...key(), ...indexed }), sized(1500, { ...key(), ...indexed, created_key: { S: '2026-12-07T00:00:00Z' } })),
      payments,
      false,
      { table: 2, indexes: { 'merchant-objects': 4 }, replicaTable: 2 },
    ],
    // saga_shard removed: the sparse index deletes its 59 B entry (1); the ALL entry changes in place (1).
    [
      'leaving a sparse index: one delete of the old entry',
      update(sized(700, { ...key(), ...indexed }), (() => {
        const { saga_shard: _shard, saga_pending_since: _since, ...rest } = sized(700, { ...key(), ...indexed });
        return rest;
      })()),
      payments,
      false,
      { table: 1, indexes: { 'merchant-objects': 1, 'saga-starts': 1 }, replicaTable: 1 },
    ],
  ])('%s', (_what, write, schema, transactional, expected) => {
    // Act
    const units = itemWriteUnits(write, schema, { transactional });
    // Assess
    expect(units).toEqual(expected);
  });

  it.each<[string, { table: string; write: ItemWrite }[], Record<string, { table: number; index: number; replicaTable: number }>]>([
    // The two cases DynamoDB Local gets wrong (it reports 2 for each): 4 items × 2 × 1 KB = 8; 2 × 2 × 1 = 4.
    [
      '1 Put + 3 Updates of small items in one transaction: 8',
      [
        { table: 'ledger', write: put(sized(200, key('txn'))) },
        { table: 'ledger', write: update(sized(150, key('shard#1')), sized(160, key('shard#1'))) },
        { table: 'ledger', write: update(sized(150, key('shard#2')), sized(160, key('shard#2'))) },
        { table: 'ledger', write: update(sized(150, key('position')), sized(170, key('position'))) },
      ],
      { ledger: { table: 8, index: 0, replicaTable: 4 } },
    ],
    ['2 Puts in one transaction: 4', [{ table: 'audit', write: put(sized(300, key('a'))) }, { table: 'audit', write: put(sized(300, key('b'))) }], { audit: { table: 4, index: 0, replicaTable: 2 } }],
    // Rounding is per item before the factor: two 600 B items are 2 × 2 × 1, not 2 × ceil(1,200 / 1,024).
    ['two 600 B items across two tables: each rounded alone', [{ table: 'a', write: put(sized(600)) }, { table: 'b', write: put(sized(600)) }], { a: { table: 2, index: 0, replicaTable: 1 }, b: { table: 2, index: 0, replicaTable: 1 } }],
  ])('%s', (_what, writes, expected) => {
    // Act
    const totals = sumWriteUnits(writes.map(({ table, write }) => ({ table, units: itemWriteUnits(write, plain, { transactional: true }) })));
    // Assess
    expect(totals).toEqual(expected);
  });

  it.each<[string, number, number]>([
    ['a conditional write refused on a 2,100 B item: 3', refusedWriteUnits(sized(2100)), 3],
    ['a conditional write refused with no item there: 1', refusedWriteUnits(undefined), 1],
    ['an item of a cancelled transaction (1,500 B), estimated: 2 × 2', cancelledTransactionItemUnits(sized(1500)), 4],
  ])('%s', (_what, units, expected) => {
    expect(units).toBe(expected);
  });
});

describe('index writes per partition key value', () => {
  const index = payments.indexes[0] as (typeof payments.indexes)[number];
  const listedBy = (merchantType: string, bytes = 600): Item => sized(bytes, { ...key(), ...indexed, merchant_type: { S: merchantType } });

  it.each<[string, Item | undefined, Item | undefined, { partition: string; units: number }[]]>([
    ['joining the index: the new entry on its value', undefined, listedBy('mer_1#payment#0'), [{ partition: 'mer_1#payment#0', units: 1 }]],
    ['leaving it: the old entry on its value', listedBy('mer_1#payment#0'), undefined, [{ partition: 'mer_1#payment#0', units: 1 }]],
    // 1,500 B either side: the delete (2) on the old value, the put (2) on the new one.
    ['a moved entry: the delete on the old value, the put on the new', listedBy('mer_1#payment#0', 1500), listedBy('mer_1#payment#3', 1500), [{ partition: 'mer_1#payment#0', units: 2 }, { partition: 'mer_1#payment#3', units: 2 }]],
    ['a changed projection in place: the larger entry on its value', listedBy('mer_1#payment#0', 900), listedBy('mer_1#payment#0', 1100), [{ partition: 'mer_1#payment#0', units: 2 }]],
    ['an unchanged entry: nothing', listedBy('mer_1#payment#0'), listedBy('mer_1#payment#0'), []],
  ])('%s', (_what, before, after, expected) => {
    expect(indexWriteCharges(before, after, index, payments)).toEqual(expected);
  });

  it('adds up, index by index, to what itemWriteUnits charges the index, for every write', () => {
    // Prepare: a put, an in-place change, a move between index partitions, leaving the sparse index, a delete.
    const writes: ItemWrite[] = [
      { kind: 'put', after: listedBy('mer_1#payment#0', 3000) },
      { kind: 'update', before: listedBy('mer_1#payment#0', 900), after: listedBy('mer_1#payment#0', 1100) },
      { kind: 'update', before: listedBy('mer_1#payment#0', 1500), after: listedBy('mer_1#payment#3', 1500) },
      { kind: 'update', before: listedBy('mer_1#payment#0'), after: sized(600, { ...key(), merchant_type: { S: 'mer_1#payment#0' }, created_key: indexed.created_key }) },
      { kind: 'delete', before: listedBy('mer_1#payment#2', 2500) },
      { kind: 'condition-check', before: listedBy('mer_1#payment#2') },
    ];
    for (const write of writes) {
      // Act
      const byIndex: Record<string, number> = {};
      for (const charge of itemIndexWrites(write, payments)) byIndex[charge.index] = (byIndex[charge.index] ?? 0) + charge.units;
      // Assess
      expect(byIndex).toEqual(itemWriteUnits(write, payments, { transactional: false }).indexes);
    }
  });

  it.each<[string, Parameters<typeof partitionValueText>[0], string | undefined]>([
    ['a string as it is', { S: 'bal#mer_1' }, 'bal#mer_1'],
    ['a number as its digits', { N: '42' }, '42'],
    ['binary, marked as base64', { B: 'AAE=' }, 'base64:AAE='],
    ['no value: none', undefined, undefined],
  ])('names a partition key value: %s', (_what, value, text) => {
    expect(partitionValueText(value)).toBe(text);
  });
});

describe('read units', () => {
  it.each<[string, number, number]>([
    ['GetItem, eventually consistent, 3,500 B: ½', itemReadUnits([sized(3500)], 'eventual'), 0.5],
    ['GetItem, strongly consistent, 3,500 B: 1', itemReadUnits([sized(3500)], 'strong'), 1],
    ['GetItem, strongly consistent, 4,097 B: 2', itemReadUnits([sized(4097)], 'strong'), 2],
    ['GetItem of a missing item: the minimum ½', itemReadUnits([undefined], 'eventual'), 0.5],
    // 3 × 1,500 B = 4,500 B read in one go: ceil(4,500 / 4,096) = 2 units, ½ each eventually consistent.
    ['a Query over three 1,500 B items sums past 4 KB: 2 × ½', queryReadUnits([sized(1500), sized(1500), sized(1500)], 'eventual'), 1],
    ['the same Query strongly consistent: 2', queryReadUnits([sized(1500), sized(1500), sized(1500)], 'strong'), 2],
    ['the same three items by BatchGetItem: rounded per item, 3 × ½', itemReadUnits([sized(1500), sized(1500), sized(1500)], 'eventual'), 1.5],
    ['a Query that finds nothing: the minimum ½', queryReadUnits([], 'eventual'), 0.5],
    ['TransactGetItems of two small items: 2 each', itemReadUnits([sized(100), sized(200)], 'transactional'), 4],
    ['a transaction replayed with its token: a transactional read per item', transactionReplayReadUnits([sized(900), sized(5000)]), 2 + 4],
  ])('%s', (_what, units, expected) => {
    expect(units).toBe(expected);
  });
});
