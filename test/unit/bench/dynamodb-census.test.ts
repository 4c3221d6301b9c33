import type { RecordedRequest } from '../../../bench/lib/capacity-proxy';
import { dynamoDbCensus } from '../../../bench/lib/dynamodb-census';

/**
 * The census (bench/lib/dynamodb-census.ts, `npm run bench -- --census`): the counting proxy's recorded requests
 * grouped by the function whose invocation made them, table and operation, with the units each consumed.
 */
const payouts = 'xborder-payouts';
const fx = 'xborder-fx';
const functions: Record<string, string> = { i1: 'createPayout', i2: 'createPayout', i3: 'submitPayout' };

const request = (operation: string, invocation: string | undefined, partitions: RecordedRequest['partitions']): RecordedRequest => ({
  operation,
  tables: [...new Set(partitions.map((charge) => charge.table))],
  body: '{}',
  ...(invocation === undefined ? {} : { invocation }),
  partitions,
});

describe('dynamoDbCensus', () => {
  it('adds up each function’s requests and units per table and operation, index units apart', () => {
    // Prepare: two invocations of createPayout (a Put with its list-index entry each, one GetItem), one of submitPayout.
    const recorded = [
      request('PutItem', 'i1', [
        { table: payouts, partition: 'po_1', writeUnits: 1, readUnits: 0 },
        { table: payouts, index: 'merchant-objects', partition: 'mer_1#payout', writeUnits: 1, readUnits: 0 },
      ]),
      request('PutItem', 'i2', [
        { table: payouts, partition: 'po_2', writeUnits: 2, readUnits: 0 },
        { table: payouts, index: 'merchant-objects', partition: 'mer_1#payout', writeUnits: 1, readUnits: 0 },
      ]),
      request('GetItem', 'i1', [{ table: payouts, partition: 'po_1', writeUnits: 0, readUnits: 1 }]),
      request('PutItem', 'i3', [{ table: payouts, partition: 'po_1', writeUnits: 1, readUnits: 0 }]),
    ];

    // Act
    const rows = dynamoDbCensus(recorded, (invocation) => functions[invocation]);

    // Assess
    expect(rows).toEqual([
      { function: 'createPayout', table: payouts, operation: 'GetItem', requests: 1, readUnits: 1, indexReadUnits: 0, writeUnits: 0, indexWriteUnits: 0 },
      { function: 'createPayout', table: payouts, operation: 'PutItem', requests: 2, readUnits: 0, indexReadUnits: 0, writeUnits: 3, indexWriteUnits: 2 },
      { function: 'submitPayout', table: payouts, operation: 'PutItem', requests: 1, readUnits: 0, indexReadUnits: 0, writeUnits: 1, indexWriteUnits: 0 },
    ]);
  });

  it('counts a transaction over two tables once on each, with that table’s units only', () => {
    // Prepare: a quoted payout's insert (2 units on the payout, 2 on the quote's claim).
    const recorded = [
      request('TransactWriteItems', 'i1', [
        { table: payouts, partition: 'po_1', writeUnits: 2, readUnits: 0 },
        { table: fx, partition: 'qt_1', writeUnits: 2, readUnits: 0 },
      ]),
    ];

    // Act
    const rows = dynamoDbCensus(recorded, (invocation) => functions[invocation]);

    // Assess
    expect(rows.map((row) => [row.table, row.requests, row.writeUnits])).toEqual([
      [fx, 1, 2],
      [payouts, 1, 2],
    ]);
  });

  it('names requests made outside any invocation `(none)`, and an invocation it cannot name `(unknown)`', () => {
    // Prepare
    const recorded = [
      request('Query', undefined, [{ table: payouts, partition: 'mer_1#payout', writeUnits: 0, readUnits: 0.5 }]),
      request('GetItem', 'i9', [{ table: payouts, partition: 'po_9', writeUnits: 0, readUnits: 1 }]),
    ];

    // Act
    const rows = dynamoDbCensus(recorded, (invocation) => functions[invocation]);

    // Assess
    expect(rows.map((row) => [row.function, row.operation, row.readUnits])).toEqual([
      ['(none)', 'Query', 0.5],
      ['(unknown)', 'GetItem', 1],
    ]);
  });
});
