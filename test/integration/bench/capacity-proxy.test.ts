import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type CapacityCounts, type CapacityProxy, type TableUsage, capacityDelta, startCapacityProxy } from '../../../bench/lib/capacity-proxy';
import { billedTableSchemas } from '../../../bench/lib/table-schemas';
import { tableName } from '../../../platform/tables';
import { suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * The counting proxy against DynamoDB Local, driven by the AWS SDK as the platform drives it: every figure
 * is what AWS would bill by its published rules (bench/lib/capacity-units.ts), worked out by hand from the
 * item sizes. All attribute values are ASCII strings, so an item's size is the length of its names and
 * values.
 */
type Plain = Record<string, string>;
const sizeOf = (item: Plain): number => Object.entries(item).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
/** `base` plus a `pad` attribute (3 bytes of name) making the item exactly `bytes` long. */
const sized = (bytes: number, base: Plain): Plain => ({ ...base, pad: 'x'.repeat(bytes - sizeOf(base) - 3) });

const payouts = tableName('payouts');
const ledger = tableName('ledger');
const audit = tableName('audit');
/**
 * In both payouts indexes, each KEYS_ONLY: merchant-objects keeps 2 + 4 + 2 + 6 + 13 + 13 + 11 + 20 = 71 bytes
 * of such an item with pk `po_1` and sk `payout` (1 unit), saga-starts 2 + 4 + 2 + 6 + 10 + 1 + 18 + 20 = 63
 * bytes (1 unit). (An ALL projection's units, the whole item's, are covered by test/unit/bench.)
 */
const listed = { merchant_type: 'mer_1#payment', created_key: '2026-12-06T00:00:00Z', saga_shard: '7', saga_pending_since: '2026-12-06T00:00:00Z' };

/**
 * Every figure twice: with shadow reads for every before image, and with the images writes left remembered
 * (`rememberImages`, as the bench runs it): the same units either way.
 */
describe.each([{ rememberImages: false }, { rememberImages: true }])('the counting proxy, by AWS billing rules (DynamoDB Local), %o', ({ rememberImages }) => {
  let proxy: CapacityProxy;
  let client: DynamoDBDocumentClient;

  /** What `act` consumed, table by table. */
  const measure = async (act: () => Promise<unknown>): Promise<CapacityCounts> => {
    const before = proxy.snapshot();
    await act();
    return capacityDelta(before, proxy.snapshot());
  };
  const units = (usage: TableUsage | undefined) => ({
    writeUnits: usage?.writeUnits ?? 0,
    indexWriteUnits: usage?.indexWriteUnits ?? 0,
    replicaWriteUnits: usage?.replicaWriteUnits ?? 0,
    refusedWriteUnits: usage?.refusedWriteUnits ?? 0,
    cancelledTransactionWriteUnits: usage?.cancelledTransactionWriteUnits ?? 0,
    readUnits: usage?.readUnits ?? 0,
    indexReadUnits: usage?.indexReadUnits ?? 0,
  });
  const none = units(undefined);

  beforeAll(async () => {
    proxy = await startCapacityProxy(suiteDynamoDbEndpoint(), { schemas: billedTableSchemas(), rememberImages });
    ({ documentClient: client } = await useIsolatedDynamoDb(proxy.endpoint));
  });
  afterAll(() => proxy.stop());

  it('counts 1 Put + 3 Updates of small items in a transaction as 8 write units, where DynamoDB Local reports fewer', async () => {
    // Prepare
    const shard = (id: string) => ({ pk: 'bal#mer_1', sk: id });
    for (const id of ['s1', 's2', 's3']) await client.send(new PutCommand({ TableName: ledger, Item: { ...shard(id), available: '100' } }));
    // Act
    const delta = await measure(() =>
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: ledger, Item: { pk: 'txn#1', sk: 'txn', kind: 'capture' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ...['s1', 's2', 's3'].map((id) => ({ Update: { TableName: ledger, Key: shard(id), UpdateExpression: 'SET available = :a', ExpressionAttributeValues: { ':a': '90' } } })),
          ],
        }),
      ),
    );
    // Assess: 4 items × 2 × 1 KB; each item changed, so each is replicated once (1 KB) to the other region.
    expect(units(delta[ledger])).toEqual({ ...none, writeUnits: 8, replicaWriteUnits: 4 });
    expect(delta[ledger]?.localReported.writeUnits).toBeGreaterThan(0);
    expect(delta[ledger]?.localReported.writeUnits).toBeLessThan(8);
  });

  it('counts a transaction of 2 Puts as 4', async () => {
    const delta = await measure(() =>
      client.send(new TransactWriteCommand({ TransactItems: ['a', 'b'].map((id) => ({ Put: { TableName: audit, Item: { pk: `entry#${id}`, sk: 'entry', body: 'x'.repeat(300) } } })) })),
    );
    expect(units(delta[audit])).toEqual({ ...none, writeUnits: 4, replicaWriteUnits: 2 });
  });

  it('sizes a put, an update across a KB step with an index key change, a refused put and a delete, and hides what it added from the caller', async () => {
    // Prepare: a 1,500 B payout in both indexes.
    const key = { pk: 'po_1', sk: 'payout' };
    const first = sized(1500, { ...key, ...listed });
    // Act + Assess: table 2; each index only the keys: 1 + 1.
    let answer: unknown;
    let delta = await measure(async () => {
      answer = await client.send(new PutCommand({ TableName: payouts, Item: first }));
    });
    expect(units(delta[payouts])).toEqual({ ...none, writeUnits: 2, indexWriteUnits: 2, replicaWriteUnits: 2 });
    expect((answer as { Attributes?: unknown }).Attributes).toBeUndefined();

    // An update to 2,100 B that moves created_key: table 3 (the larger image); merchant-objects deletes its
    // old keys entry (1) and puts the new one (1); saga-starts' entry is unchanged (0).
    const grown = 'y'.repeat((first.pad as string).length + 600);
    delta = await measure(async () => {
      answer = await client.send(
        new UpdateCommand({ TableName: payouts, Key: key, UpdateExpression: 'SET #p = :p, created_key = :c', ExpressionAttributeNames: { '#p': 'pad' }, ExpressionAttributeValues: { ':p': grown, ':c': '2026-12-07T00:00:00Z' } }),
      );
    });
    expect(units(delta[payouts])).toEqual({ ...none, writeUnits: 3, indexWriteUnits: 2, replicaWriteUnits: 3 });
    expect((answer as { Attributes?: unknown }).Attributes).toBeUndefined();

    // The caller asks for the old values of what it updated: it gets exactly those.
    delta = await measure(async () => {
      answer = await client.send(
        new UpdateCommand({ TableName: payouts, Key: key, UpdateExpression: 'SET #n = :n, merchant_type = :m', ExpressionAttributeNames: { '#n': 'note' }, ExpressionAttributeValues: { ':n': 'hi', ':m': listed.merchant_type }, ReturnValues: 'UPDATED_OLD' }),
      );
    });
    // 2,100 + 4 + 2 = 2,106 B: 3 on the table; no index key or projected attribute changed, so 0 on either index.
    expect(units(delta[payouts])).toEqual({ ...none, writeUnits: 3, indexWriteUnits: 0, replicaWriteUnits: 3 });
    expect((answer as { Attributes?: unknown }).Attributes).toEqual({ merchant_type: listed.merchant_type });

    // A put refused by its condition: sized on the 2,106 B item it found (3); nothing written anywhere.
    let refused: unknown;
    delta = await measure(() => client.send(new PutCommand({ TableName: payouts, Item: key, ConditionExpression: 'attribute_not_exists(pk)' })).catch((error: unknown) => (refused = error)));
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as { Item?: unknown }).Item).toBeUndefined();
    expect(units(delta[payouts])).toEqual({ ...none, refusedWriteUnits: 3 });
    expect(delta[payouts]).toMatchObject({ conditionalCheckFailures: 1 });

    // The delete: the deleted item (3), both index entries removed (1 + 1), replicated (3).
    delta = await measure(() => client.send(new DeleteCommand({ TableName: payouts, Key: key })));
    expect(units(delta[payouts])).toEqual({ ...none, writeUnits: 3, indexWriteUnits: 2, replicaWriteUnits: 3 });
  });

  it('bills reads on the items read, whatever the answer keeps of them', async () => {
    // Prepare: three 1,500 B entries in one partition.
    for (const id of ['1', '2', '3']) await client.send(new PutCommand({ TableName: audit, Item: sized(1500, { pk: 'chain#mer_2', sk: `entry#${id}` }) }));
    const query = { TableName: audit, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'chain#mer_2' } };
    // Act
    const whole = await measure(() => client.send(new QueryCommand(query)));
    const projected = await measure(() => client.send(new QueryCommand({ ...query, ProjectionExpression: 'sk' })));
    const filtered = await measure(() =>
      client.send(
        new QueryCommand({ ...query, FilterExpression: '#p = :none', ExpressionAttributeNames: { '#p': 'pad' }, ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':none': 'nothing' } }),
      ),
    );
    const batch = await measure(() => client.send(new BatchGetCommand({ RequestItems: { [audit]: { Keys: ['1', '2', '3'].map((id) => ({ pk: 'chain#mer_2', sk: `entry#${id}` })) } } })));
    const missing = await measure(() => client.send(new GetCommand({ TableName: audit, Key: { pk: 'nothing', sk: 'here' }, ConsistentRead: true })));
    // Assess: 4,500 B in one Query is 2 × ½; per item in a batch 3 × ½; a strongly consistent miss 1.
    expect(units(whole[audit]).readUnits).toBe(1);
    expect(units(projected[audit]).readUnits).toBe(1);
    expect(units(filtered[audit]).readUnits).toBe(1);
    expect(units(batch[audit]).readUnits).toBe(1.5);
    expect(units(missing[audit]).readUnits).toBe(1);
  });

  it('estimates a cancelled transaction, and bills a replay of a token as reads', async () => {
    // Prepare
    const item = { pk: 'quote#1', sk: 'quote', state: 'open' };
    await client.send(new PutCommand({ TableName: ledger, Item: item }));
    const claim = (token: string, condition: string) =>
      new TransactWriteCommand({
        ClientRequestToken: token,
        TransactItems: [
          { Update: { TableName: ledger, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET #s = :c', ConditionExpression: condition, ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':c': 'claimed' } } },
          { Put: { TableName: ledger, Item: { pk: 'claim#1', sk: 'claim' } } },
        ],
      });
    // Act: refused (state is not 'closed'), then the same claim accepted, then replayed with its token.
    let cancelled: unknown;
    const refused = await measure(() => client.send(claim('tok-refused', 'attribute_not_exists(pk)')).catch((error: unknown) => (cancelled = error)));
    const accepted = await measure(() => client.send(claim('tok-accepted', 'attribute_exists(pk)')));
    const replayed = await measure(() => client.send(claim('tok-accepted', 'attribute_exists(pk)')));
    // Assess: an estimate of 2 per item as it stood; then 2 + 2; then a transactional read of each item.
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect(units(refused[ledger])).toEqual({ ...none, cancelledTransactionWriteUnits: 4 });
    expect(refused[ledger]).toMatchObject({ cancelledTransactionItems: 2 });
    expect(units(accepted[ledger])).toEqual({ ...none, writeUnits: 4, replicaWriteUnits: 2 });
    expect(units(replayed[ledger])).toEqual({ ...none, readUnits: 4 });
  });

  it('breaks the units down per partition key value, and the breakdown adds up to the per-table counts', async () => {
    // Prepare: a listed payout (1,500 B) and two balance shards in one partition.
    const payout = { pk: 'po_9', sk: 'payout' };
    await client.send(new PutCommand({ TableName: payouts, Item: sized(1500, { ...payout, ...listed }) }));
    for (const id of ['s1', 's2']) await client.send(new PutCommand({ TableName: ledger, Item: { pk: 'bal#mer_9', sk: id, available: '100' } }));
    const before = proxy.snapshot();
    proxy.startRecording();
    // Act: a posting (1 Put + 2 Updates), the payout moved to another list partition, a refused put, a
    // cancelled transaction, a Query of the list partition, a batch read of both shards.
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: ledger, Item: { pk: 'txn#9', sk: 'txn' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ...['s1', 's2'].map((id) => ({ Update: { TableName: ledger, Key: { pk: 'bal#mer_9', sk: id }, UpdateExpression: 'SET available = :a', ExpressionAttributeValues: { ':a': '90' } } })),
        ],
      }),
    );
    await client.send(new UpdateCommand({ TableName: payouts, Key: payout, UpdateExpression: 'SET merchant_type = :m', ExpressionAttributeValues: { ':m': 'mer_9#payout' } }));
    await client.send(new PutCommand({ TableName: payouts, Item: payout, ConditionExpression: 'attribute_not_exists(pk)' })).catch(() => undefined);
    await client
      .send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: ledger, Item: { pk: 'txn#9', sk: 'txn' }, ConditionExpression: 'attribute_not_exists(pk)' } }, { Put: { TableName: ledger, Item: { pk: 'line#9', sk: 'line' } } }] }))
      .catch(() => undefined);
    await client.send(new QueryCommand({ TableName: payouts, IndexName: 'merchant-objects', KeyConditionExpression: 'merchant_type = :m', ExpressionAttributeValues: { ':m': 'mer_9#payout' } }));
    await client.send(new BatchGetCommand({ RequestItems: { [ledger]: { Keys: ['s1', 's2'].map((id) => ({ pk: 'bal#mer_9', sk: id })) } } }));
    const charges = proxy.stopRecording().flatMap((request) => request.partitions);
    const delta = capacityDelta(before, proxy.snapshot());
    // Assess: the moved list entry (keys only) is a delete (1) on the old value and a put (1) on the new one; the
    // posting's 2 shard updates are 2 × 2 on their one partition; the refused put 2 on the payout's.
    const on = (table: string, index: string | undefined, partition: string) =>
      charges.filter((charge) => charge.table === table && charge.index === index && charge.partition === partition).reduce((sum, charge) => ({ writeUnits: sum.writeUnits + charge.writeUnits, readUnits: sum.readUnits + charge.readUnits }), { writeUnits: 0, readUnits: 0 });
    expect(on(payouts, 'merchant-objects', listed.merchant_type)).toEqual({ writeUnits: 1, readUnits: 0 });
    expect(on(payouts, 'merchant-objects', 'mer_9#payout')).toEqual({ writeUnits: 1, readUnits: 0.5 });
    expect(on(payouts, undefined, 'po_9')).toEqual({ writeUnits: 2 + 2, readUnits: 0 });
    expect(on(ledger, undefined, 'bal#mer_9')).toEqual({ writeUnits: 4, readUnits: 1 });
    expect(on(ledger, undefined, 'txn#9')).toEqual({ writeUnits: 2 + 2, readUnits: 0 });
    expect(on(ledger, undefined, 'line#9')).toEqual({ writeUnits: 2, readUnits: 0 });
    for (const table of [payouts, ledger]) {
      const usage = delta[table] as TableUsage;
      const sum = (index: boolean, field: 'writeUnits' | 'readUnits') =>
        charges.filter((charge) => charge.table === table && (charge.index !== undefined) === index).reduce((total, charge) => total + charge[field], 0);
      expect({ table, writes: sum(false, 'writeUnits'), indexWrites: sum(true, 'writeUnits'), reads: sum(false, 'readUnits'), indexReads: sum(true, 'readUnits') }).toEqual({
        table,
        writes: usage.writeUnits + usage.refusedWriteUnits + usage.cancelledTransactionWriteUnits,
        indexWrites: usage.indexWriteUnits,
        reads: usage.readUnits,
        indexReads: usage.indexReadUnits,
      });
    }
  });

  it('sizes concurrent writes to one item on the images each of them saw', async () => {
    // Prepare: 1,100 B, of which ten 10-byte attributes a0..a9; removing them one by one walks it down to 1,000 B.
    const key = { pk: 'hot#1', sk: 'item' };
    const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`a${index}`, '12345678']));
    await client.send(new PutCommand({ TableName: ledger, Item: sized(1100, { ...key, ...attributes }) }));
    const shadowReadsBefore = proxy.shadowRequests();
    // Act: ten removals at once.
    const delta = await measure(() =>
      Promise.all(Array.from({ length: 10 }, (_, index) => client.send(new UpdateCommand({ TableName: ledger, Key: key, UpdateExpression: `REMOVE a${index}` })))),
    );
    // Assess: whatever the order, the removals see 1,100, 1,090 ... 1,010 B before: eight are over 1 KB (2 each), two are not.
    expect(units(delta[ledger])).toEqual({ ...none, writeUnits: 8 * 2 + 2 * 1, replicaWriteUnits: 8 * 2 + 2 * 1 });
    // Each removal's before image: read again, or the one the previous write left.
    expect(proxy.shadowRequests() - shadowReadsBefore).toBe(rememberImages ? 0 : 10);
  });

  it('reads no before image for a transaction\'s Put that must be new, unless the transaction is cancelled', async () => {
    // Prepare: a balance shard written through the proxy, and a 1,500 B item already there.
    const shard = { pk: 'bal#new_put', sk: 's1' };
    await client.send(new PutCommand({ TableName: ledger, Item: { ...shard, available: '100' } }));
    const taken = { pk: 'txn#taken', sk: 'txn' };
    await client.send(new PutCommand({ TableName: ledger, Item: sized(1500, taken) }));
    const post = (item: Plain) =>
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: ledger, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Update: { TableName: ledger, Key: shard, UpdateExpression: 'SET available = :a', ExpressionAttributeValues: { ':a': '90' } } },
        ],
      });
    // Act: a new item with the update, then the taken one (cancelled by its condition).
    const shadowReadsBefore = proxy.shadowRequests();
    const committed = await measure(() => client.send(post({ pk: 'txn#fresh', sk: 'txn', body: 'x'.repeat(300) })));
    const afterCommitted = proxy.shadowRequests();
    let cancelled: unknown;
    const refused = await measure(() => client.send(post(taken)).catch((error: unknown) => (cancelled = error)));
    // Assess: 2 items at 2 × 1 KB; the Update's before image is read only without remembered images, its after
    // image (a plain SET) and the new item's never. Cancelled: the taken item on its real size (2 × 2 KB), the shard 2 × 1.
    expect(units(committed[ledger])).toEqual({ ...none, writeUnits: 4, replicaWriteUnits: 2 });
    expect(afterCommitted - shadowReadsBefore).toBe(rememberImages ? 0 : 1);
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect(units(refused[ledger])).toEqual({ ...none, cancelledTransactionWriteUnits: 4 + 2 });
  });

  it("works out a transaction's Update after images as DynamoDB Local leaves them, and reads the ones it cannot", async () => {
    // Prepare: two balance shards written through the proxy, the second 900 B.
    const shard = (id: string): Plain => ({ pk: 'bal#applied', sk: id });
    const [a1, a2, a3] = [shard('a1'), shard('a2'), shard('a3')];
    await client.send(new PutCommand({ TableName: ledger, Item: { ...a1, pending: 5 } }));
    const { gone: _removed, ...a2Kept } = sized(900, { ...a2, since: 'then', gone: 'x' });
    await client.send(new PutCommand({ TableName: ledger, Item: { ...a2Kept, gone: 'x' } }));
    // Act: the ledger's ADDs, and SET / if_not_exists / REMOVE taking the second item to 1,099 B (applied, not read).
    const readsBefore = proxy.shadowRequests();
    const applied = await measure(() =>
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: { TableName: ledger, Key: a1, UpdateExpression: 'ADD #p :p, #a :a', ExpressionAttributeNames: { '#p': 'pending', '#a': 'available' }, ExpressionAttributeValues: { ':p': -5, ':a': 1234567 } } },
            { Update: { TableName: ledger, Key: a2, UpdateExpression: 'SET since = if_not_exists(since, :now), note = :note REMOVE gone', ExpressionAttributeValues: { ':now': 'now', ':note': 'x'.repeat(200) } } },
          ],
        }),
      ),
    );
    const appliedReads = proxy.shadowRequests() - readsBefore;
    // The next write to each sees the image the transaction left: the second, back under 1 KB, is billed on its 1,099 B before.
    const next = await measure(() =>
      Promise.all([
        client.send(new UpdateCommand({ TableName: ledger, Key: a1, UpdateExpression: 'SET touched = :t', ExpressionAttributeValues: { ':t': 'y' } })),
        client.send(new UpdateCommand({ TableName: ledger, Key: a2, UpdateExpression: 'REMOVE note' })),
      ]),
    );
    // An expression it does not apply (arithmetic in SET): the after image is read, as is the unknown before image.
    const unappliedBefore = proxy.shadowRequests();
    await client.send(new TransactWriteCommand({ TransactItems: [{ Update: { TableName: ledger, Key: a3, UpdateExpression: 'SET n = if_not_exists(n, :zero) + :one', ExpressionAttributeValues: { ':zero': 0, ':one': 1 } } }] }));
    const unappliedReads = proxy.shadowRequests() - unappliedBefore;
    // Assess: DynamoDB Local's items; a1 2 × 1 KB and a2 2 × 2 KB in the transaction, then 1 and 2.
    const { Responses } = await client.send(new BatchGetCommand({ RequestItems: { [ledger]: { Keys: [a1, a2, a3], ConsistentRead: true } } }));
    const stored = Object.fromEntries((Responses?.[ledger] ?? []).map((item) => [item.sk as string, item]));
    expect(stored.a1).toEqual({ ...a1, pending: 0, available: 1234567, touched: 'y' });
    expect(stored.a2).toEqual(a2Kept);
    expect(stored.a3).toEqual({ ...a3, n: 1 });
    expect(units(applied[ledger])).toEqual({ ...none, writeUnits: 6, replicaWriteUnits: 3 });
    expect(units(next[ledger])).toEqual({ ...none, writeUnits: 3, replicaWriteUnits: 3 });
    // Before images: remembered, or one read for the transaction; after images: none read for the applied ones.
    expect(appliedReads).toBe(rememberImages ? 0 : 1);
    expect(unappliedReads).toBe(2);
  });

  it('reads an item again whose TTL is due (DynamoDB Local may have deleted it), and one a failed request may have changed', async () => {
    // Prepare: a payments item (TTL attribute expires_at) due in 30 s, and a ledger item both written through the proxy.
    const payments = tableName('payments');
    const due = { pk: 'pay_ttl', sk: 'payment', expires_at: Math.floor(Date.now() / 1000) + 30, note: 'x' };
    await client.send(new PutCommand({ TableName: payments, Item: due }));
    const kept = { pk: 'kept#1', sk: 'item' };
    await client.send(new PutCommand({ TableName: ledger, Item: { ...kept, n: '1' } }));
    // Act: an update of each, then an update that fails validation (not by its condition) and one after it.
    const shadowReadsBefore = proxy.shadowRequests();
    await client.send(new UpdateCommand({ TableName: payments, Key: { pk: due.pk, sk: due.sk }, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': 'y' } }));
    await client.send(new UpdateCommand({ TableName: ledger, Key: kept, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': '2' } }));
    const afterValid = proxy.shadowRequests();
    await expect(
      client.send(new UpdateCommand({ TableName: ledger, Key: kept, UpdateExpression: 'SET n = :n, n = :m', ExpressionAttributeValues: { ':n': '3', ':m': '4' } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const delta = await measure(() => client.send(new UpdateCommand({ TableName: ledger, Key: kept, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': '5' } })));
    // Assess: the item due soon is read (and the kept one only without remembered images); after the request
    // DynamoDB refused (not by its condition) the kept item is read again, and billed on its real size.
    expect(afterValid - shadowReadsBefore).toBe(rememberImages ? 1 : 2);
    expect(proxy.shadowRequests() - afterValid).toBe(rememberImages ? 1 : 2);
    expect(units(delta[ledger])).toEqual({ ...none, writeUnits: 1, replicaWriteUnits: 1 });
  });
});
