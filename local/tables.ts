import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { streamedTableKeys } from '../platform/functions';
import { type TableDeclaration, type TableKey, replicationOf, tableKeys, tableName, tables } from '../platform/tables';

/**
 * The tables a `stream` function subscribes to get a stream locally (NEW_AND_OLD_IMAGES, as every table
 * has in AWS) that local/streams.ts reads. The others get none here: nothing reads them, and DynamoDB Local
 * is the narrowest resource of the local runtime.
 */
const streamed = (name: string, options: EnsureTablesOptions = {}) =>
  streamedTableKeys().some((key) => tableName(key) === name) ||
  (options.streamGlobalTables === true && tableKeys.some((key) => tableName(key) === name && replicationOf(key) === 'global'));

export interface EnsureTablesOptions {
  /** Every global table gets a stream too (the two-region platform's replicator reads them: local/replicator.ts). */
  readonly streamGlobalTables?: boolean;
}

/** CreateTable input for one declared table: the same keys, indexes and TTL as the CDK TableV2. */
export const createTableInput = (name: string, table: TableDeclaration, options: EnsureTablesOptions = {}): CreateTableCommandInput => {
  const attributes = new Map<string, AttributeDefinition>();
  const keys = [table.partitionKey, table.sortKey, ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  for (const key of keys) {
    if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  const keySchema = (partition: { name: string }, sort?: { name: string }) => [
    { AttributeName: partition.name, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    GlobalSecondaryIndexes: table.indexes.length
      ? table.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: index.projection ?? 'ALL' },
        }))
      : undefined,
    ...(streamed(name, options) ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } } : {}),
  };
};

/**
 * Add the declared indexes a table kept from an older declaration lacks (a state dir from before an index
 * was declared); DynamoDB Local backfills them from the items already there.
 */
const addMissingIndexes = async (client: DynamoDBClient, name: string, declaration: TableDeclaration): Promise<void> => {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const wanted = createTableInput(name, declaration);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
  }
};

/** A table kept from before its stream was declared gets one (records start from now). */
const addMissingStream = async (client: DynamoDBClient, name: string, options: EnsureTablesOptions): Promise<void> => {
  if (!streamed(name, options)) return;
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  if (described.Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
};

/** Create every declared table that does not exist yet (data already there is kept; missing indexes are added). */
export const ensureTables = async (client: DynamoDBClient, keys: readonly TableKey[] = tableKeys, options: EnsureTablesOptions = {}): Promise<void> => {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  for (const key of keys) {
    const declaration: TableDeclaration = tables[key];
    const name = tableName(key);
    if (existing.has(name)) {
      await addMissingIndexes(client, name, declaration);
      await addMissingStream(client, name, options);
      continue;
    }
    await client.send(new CreateTableCommand(createTableInput(name, declaration, options)));
    if (declaration.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: declaration.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
};
