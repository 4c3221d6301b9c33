import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';
import { type LocalReplicator, startReplicator } from '../../../local/replicator';
import { ensureTables } from '../../../local/tables';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';

/**
 * The local stand-in for global tables (local/replicator.ts, decision 0036) between two real DynamoDB Locals, read
 * from their Streams API: changes reach the other region both ways after the lag, deletions too; its own writes
 * are not sent back; the later of two concurrent writes wins in both regions; regional tables stay put; a region
 * that stops answering loses the changes it had not yet replicated.
 */
const primary = deployment.primaryRegion;
const secondary = deployment.secondaryRegion;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const LAG_MS = 1_500;
let east: DynamoDbLocal;
let west: DynamoDbLocal;
let eastDb: DynamoDBDocumentClient;
let westDb: DynamoDBDocumentClient;
let replicator: LocalReplicator;

const documentClient = (endpoint: string, region: string) => DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region, credentials }));
const merchants = tableName('merchants');
const get = async (db: DynamoDBDocumentClient, id: string, table = merchants) => (await db.send(new GetCommand({ TableName: table, Key: { pk: id, sk: id }, ConsistentRead: true }))).Item;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  [east, west] = await Promise.all([startDynamoDbLocal(), startDynamoDbLocal()]);
  for (const [local, region] of [[east, primary], [west, secondary]] as const) {
    const client = new DynamoDBClient({ endpoint: local.endpoint, region, credentials });
    await ensureTables(client, undefined, { streamGlobalTables: true });
    client.destroy();
  }
  eastDb = documentClient(east.endpoint, primary);
  westDb = documentClient(west.endpoint, secondary);
  replicator = await startReplicator({
    regions: [
      { region: primary, endpoint: east.endpoint },
      { region: secondary, endpoint: west.endpoint },
    ],
    lagMs: LAG_MS,
  });
}, 120_000);
afterAll(async () => {
  await replicator?.stop();
  await Promise.all([east?.stop(), west?.stop()]);
});

it('replicates both ways after the lag, deletions too, and does not send its own writes back', async () => {
  await eastDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_both', sk: 'mer_both', name: 'written east', nested: { empty: {} } } }));
  await sleep(LAG_MS / 3);
  expect(await get(westDb, 'mer_both')).toBeUndefined(); // not before the lag
  expect(await replicator.drain(30_000)).toBe(true);
  expect(await get(westDb, 'mer_both')).toEqual({ pk: 'mer_both', sk: 'mer_both', name: 'written east', nested: { empty: {} } });

  await westDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_both', sk: 'mer_both', name: 'changed west' } }));
  await sleep(1_100); // a later second than the first write (ApproximateCreationDateTime)
  expect(await replicator.drain(30_000)).toBe(true);
  expect(await get(eastDb, 'mer_both')).toEqual({ pk: 'mer_both', sk: 'mer_both', name: 'changed west' });

  await eastDb.send(new DeleteCommand({ TableName: merchants, Key: { pk: 'mer_both', sk: 'mer_both' } }));
  expect(await replicator.drain(30_000)).toBe(true);
  expect(await get(westDb, 'mer_both')).toBeUndefined();

  // Settled: the echoes of its own writes were recognised, nothing keeps bouncing.
  const applied = { ...replicator.stats.applied };
  await sleep(LAG_MS + 1_000);
  expect(replicator.stats.applied).toEqual(applied);
  expect(replicator.stats.echoes).toBeGreaterThanOrEqual(3);
}, 120_000);

it('keeps the later of two concurrent writes in both regions (last writer wins)', async () => {
  await eastDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_race', sk: 'mer_race', name: 'earlier, east' } }));
  await sleep(1_100); // still inside the lag: neither region has the other's write yet
  await westDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_race', sk: 'mer_race', name: 'later, west' } }));
  const skipped = replicator.stats.olderThanTarget;
  expect(await replicator.drain(30_000)).toBe(true);
  expect(await get(eastDb, 'mer_race')).toMatchObject({ name: 'later, west' });
  expect(await get(westDb, 'mer_race')).toMatchObject({ name: 'later, west' });
  expect(replicator.stats.olderThanTarget).toBe(skipped + 1);
}, 60_000);

it('leaves regional tables in their region', async () => {
  const idempotency = tableName('idempotency');
  await eastDb.send(new PutCommand({ TableName: idempotency, Item: { id: 'mer_x#key-1', status: 'COMPLETED' } }));
  await sleep(LAG_MS + 500);
  expect(await replicator.drain(30_000)).toBe(true);
  const key = { TableName: idempotency, Key: { id: 'mer_x#key-1' }, ConsistentRead: true };
  expect((await eastDb.send(new GetCommand(key))).Item).toBeDefined();
  expect((await westDb.send(new GetCommand(key))).Item).toBeUndefined();
}, 60_000);

// Review of 0036 (defect, not fixed). Interleaving: the replicator reads a change from the primary's stream and saves
// its checkpoint past it (shardLoop saves on read), then stops before the lag is over (the parent process of
// `npm start -- --regions 2` restarted or killed, both regions and their DynamoDB Locals alive). The queue of
// changes waiting out the lag is only in memory; the restarted replicator resumes after the checkpoint, so the
// change is never applied in the other region, while both regions stay up. Global tables lose no write while
// both regions answer; here a ledger posting, a payment or a home-region marker written just before a restart is
// missing in the replica for good, and a later failover or forced move works from that hole.
it('a change read but not yet applied when the replicator restarts still reaches the other region', async () => {
  const [eastAgain, westAgain] = await Promise.all([startDynamoDbLocal(), startDynamoDbLocal()]);
  const dir = mkdtempSync(join(tmpdir(), 'replicator-restart-'));
  const options = {
    regions: [
      { region: primary, endpoint: eastAgain.endpoint },
      { region: secondary, endpoint: westAgain.endpoint },
    ] as const,
    lagMs: 3_000,
    tables: ['merchants'] as const,
    checkpointFile: join(dir, 'replication-checkpoints.json'),
  };
  let restarted: LocalReplicator | undefined;
  try {
    for (const [local, region] of [[eastAgain, primary], [westAgain, secondary]] as const) {
      const client = new DynamoDBClient({ endpoint: local.endpoint, region, credentials });
      await ensureTables(client, undefined, { streamGlobalTables: true });
      client.destroy();
    }
    const eastAgainDb = documentClient(eastAgain.endpoint, primary);
    const westAgainDb = documentClient(westAgain.endpoint, secondary);
    const first = await startReplicator(options);
    await eastAgainDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_restart', sk: 'mer_restart', name: 'written before the restart' } }));
    await sleep(1_000); // read (and checkpointed), still waiting out the lag
    await first.stop();
    restarted = await startReplicator(options);
    expect(await restarted.drain(30_000)).toBe(true);
    await sleep(options.lagMs + 1_000);
    expect(await get(westAgainDb, 'mer_restart')).toMatchObject({ name: 'written before the restart' });
  } finally {
    await restarted?.stop();
    await Promise.all([eastAgain.stop(), westAgain.stop()]);
  }
}, 120_000);

it("loses what a region wrote and had not replicated when it stops answering (RPO = the lag)", async () => {
  await eastDb.send(new PutCommand({ TableName: merchants, Item: { pk: 'mer_lost', sk: 'mer_lost', name: 'written just before the loss' } }));
  await sleep(300); // read by the replicator, not yet applied
  await east.stop();
  await sleep(LAG_MS + 2_000);
  expect(await get(westDb, 'mer_lost')).toBeUndefined();
  expect(replicator.stats.droppedWithRegion).toBeGreaterThanOrEqual(1);
}, 60_000);
