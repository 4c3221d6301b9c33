import type { RecordedRequest } from './capacity-proxy';

/** One function's requests of one operation on one table in the window, and what they consumed by AWS's rules. */
export interface CensusRow {
  readonly function: string;
  readonly table: string;
  readonly operation: string;
  readonly requests: number;
  /** Read units on the table itself (a Query on an index: `indexReadUnits`). */
  readonly readUnits: number;
  readonly indexReadUnits: number;
  /** The table's own write units, serving region (a transactional item 2 per started KB). */
  readonly writeUnits: number;
  /** Write units of its global secondary indexes, serving region. */
  readonly indexWriteUnits: number;
}

/**
 * Which function made each DynamoDB request of the window (`--census`, docs/benchmarks.md): the counting proxy's
 * recording (each request with the invocation that made it and what it consumed per table and index), grouped by
 * the invoking function, table and operation. `functionOf` names an invocation's function; a request made outside
 * any invocation is `(none)`. A transaction over two tables is one request of each. Rows sorted by function, table,
 * operation.
 */
export const dynamoDbCensus = (recorded: readonly RecordedRequest[], functionOf: (invocation: string) => string | undefined): CensusRow[] => {
  const rows = new Map<string, { -readonly [K in keyof CensusRow]: CensusRow[K] }>();
  for (const request of recorded) {
    const fn = request.invocation === undefined ? '(none)' : (functionOf(request.invocation) ?? '(unknown)');
    for (const table of request.tables) {
      const key = `${fn}\u0000${table}\u0000${request.operation}`;
      let row = rows.get(key);
      if (!row) {
        row = { function: fn, table, operation: request.operation, requests: 0, readUnits: 0, indexReadUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
        rows.set(key, row);
      }
      row.requests += 1;
      for (const charge of request.partitions) {
        if (charge.table !== table) continue;
        if (charge.index === undefined) {
          row.readUnits += charge.readUnits;
          row.writeUnits += charge.writeUnits;
        } else {
          row.indexReadUnits += charge.readUnits;
          row.indexWriteUnits += charge.writeUnits;
        }
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.function.localeCompare(b.function) || a.table.localeCompare(b.table) || a.operation.localeCompare(b.operation));
};
