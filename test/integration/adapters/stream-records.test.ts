import { type AttributeValue, CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { lambdaStreamRecord } from '../../../local/streams';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * A stream record as the local runtime hands it to a function must be what Lambda's event carries. DynamoDB
 * Local writes an empty map as `{}` in its stream records (DynamoDB writes `{"M": {}}`); an item with one (a
 * payout created without metadata) made the events builder's unmarshall throw, and its whole batch was
 * skipped after ten attempts: the payouts' events were lost (found by the late_retry drill).
 */
let db: IsolatedDynamoDb;
beforeAll(async () => {
  db = await useIsolatedDynamoDb();
});

it('hands over empty maps, at any depth, as {"M": {}}, and the image unmarshalls to the item written', async () => {
  const table = 'stream-records-check';
  const created = await db.client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const item: Record<string, AttributeValue> = {
    pk: { S: 'po_1' },
    metadata: { M: {} },
    nested: { M: { inner: { M: {} }, kept: { S: 'x' } } },
    list: { L: [{ M: {} }, { N: '1' }] },
    ids: { SS: ['a', 'b'] },
    blob: { B: Uint8Array.from([1, 2, 3]) },
  };
  await db.client.send(new PutItemCommand({ TableName: table, Item: item }));
  const streams = new DynamoDBStreamsClient({ endpoint: db.endpoint });
  const arn = created.TableDescription?.LatestStreamArn as string;
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards?.[0]?.ShardId;
  const iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const [record] = (await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records ?? [];
  // What DynamoDB Local gives (the defect this covers): the empty map has no type.
  expect(record?.dynamodb?.NewImage?.metadata).toEqual({});

  const handed = lambdaStreamRecord(record as NonNullable<typeof record>, arn);
  const image = handed.dynamodb.NewImage as Record<string, unknown>;
  expect(image.metadata).toEqual({ M: {} });
  expect(image.nested).toEqual({ M: { inner: { M: {} }, kept: { S: 'x' } } });
  expect(image.list).toEqual({ L: [{ M: {} }, { N: '1' }] });
  expect(image.blob).toEqual({ B: Buffer.from([1, 2, 3]).toString('base64') });
  const native = unmarshall({ ...(image as Record<string, AttributeValue>), blob: { B: Uint8Array.from([1, 2, 3]) } });
  expect(native).toEqual({ pk: 'po_1', metadata: {}, nested: { inner: {}, kept: 'x' }, list: [{}, 1], ids: new Set(['a', 'b']), blob: Uint8Array.from([1, 2, 3]) });
});
