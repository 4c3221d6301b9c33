import { type TableDeclaration, tableKeys, tableName, tables } from '../../platform/tables';
import type { TableSchema } from './capacity-units';

/** The capacity calculator's view of a declared table: key names, each index with its projection, and whether it is replicated. */
export const tableSchemaOf = (declaration: TableDeclaration): TableSchema => ({
  replicated: (declaration.replication ?? 'global') === 'global',
  partitionKey: declaration.partitionKey.name,
  sortKey: declaration.sortKey?.name,
  indexes: declaration.indexes.map((index) => ({
    name: index.name,
    partitionKey: index.partitionKey.name,
    sortKey: index.sortKey?.name,
    projection: index.projection ?? 'ALL',
  })),
  ...(declaration.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: declaration.timeToLiveAttribute }),
});

/**
 * Every table AWS bills, by physical name, from platform/tables.ts (the one declaration of every table).
 * Local-only tables (the local Step Functions engine's store) are left out: nothing in AWS bills them.
 */
export const billedTableSchemas = (): Record<string, TableSchema> =>
  Object.fromEntries(
    tableKeys.filter((key) => !(tables[key] as TableDeclaration).localOnly).map((key) => [tableName(key), tableSchemaOf(tables[key])]),
  );
