import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { itemSize, writeUnitsOf } from '../../../bench/lib/capacity-units';
import { DynamoDbPayoutRepository } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { StaleVersionError } from '../../../lambdas/domain/errors';
import { type Payout, cancel, paid, recordRailAnswer, reserved, submitted } from '../../../lambdas/domain/payouts/payout';
import { changePayout } from '../../../lambdas/use-cases/payout-saga/change-payout';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { pendingPayout } from '../../support/payouts';

/**
 * The payouts table as the payout workflow writes it (DynamoDB Local): compact items (docs/data-model.md,
 * "payouts"), each version of a paid payout one write unit, and a step's change decided from the payout the
 * step already read, never written over a newer version.
 */
describe('DynamoDbPayoutRepository (DynamoDB Local)', () => {
  let db: IsolatedDynamoDb;
  let repository: DynamoDbPayoutRepository;
  let getItems = 0;
  const table = tableName('payouts');
  const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 15, 0, second, 250));
  const rawItem = async (id: string) =>
    (await db.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: id }, sk: { S: 'payout' } }, ConsistentRead: true }))).Item as NonNullable<Parameters<typeof itemSize>[0]>;

  const payout = (id: string): Payout =>
    pendingPayout(at(0), {
      id,
      merchantId: 'mer_01JF3Q8ZK4N7P2W5X9C6V1B3DM',
      beneficiaryId: 'ben_7HQ2K9X4M1P8W3N6C5V2B7D4LT',
      reference: 'Supplier invoice 2026-1187',
      metadata: { order: 'po-2026-1187', cost_center: 'studio-north' },
      requestFingerprint: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123',
    });

  beforeAll(async () => {
    db = await useIsolatedDynamoDb();
    db.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        if ((args.input as { ConsistentRead?: boolean; Key?: { sk?: unknown } }).Key?.sk === 'payout') getItems += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countPayoutReads' },
    );
    repository = new DynamoDbPayoutRepository(db.documentClient, table, 'us-east-1');
  });

  it('stores every version of a paid payout in one write unit, and reads each back as written', async () => {
    let current = payout('po_4X9TQKR2MZP7LWN3VB8CYDQ2HT');
    await repository.insertPayout(current);
    const changes = [
      (p: Payout) => reserved(p, { outcome: 'clear' }, at(1)),
      (p: Payout) => submitted(p, 'KS-20261207-4X9TQKR2MZ', at(2)),
      (p: Payout) => recordRailAnswer(p, { status: 'received' }, at(3)),
      (p: Payout) => recordRailAnswer(p, { status: 'paid' }, at(4)),
      (p: Payout) => paid(p, at(5)),
    ];
    for (const change of changes) {
      await expect(repository.getPayout(current.id, { consistent: true })).resolves.toEqual(current);
      expect(writeUnitsOf(itemSize(await rawItem(current.id)))).toBe(1);
      current = change(current);
      await repository.updatePayout(current);
    }
    await expect(repository.getPayout(current.id, { consistent: true })).resolves.toEqual(current);
    const stored = (await rawItem(current.id)) ?? {};
    expect(writeUnitsOf(itemSize(stored))).toBe(1);
    expect(Object.values(stored).some((value) => 'NULL' in value)).toBe(false);
    expect(stored.requestFingerprint).toEqual({ B: expect.any(Uint8Array) });
  });

  it('reads a payout item written whole before (nulls, history maps, hex fingerprint) and rewrites it compact', async () => {
    const before = payout('po_WHOLEITEMWRITTENBEFORE00001');
    await db.documentClient.send(
      new PutCommand({
        TableName: table,
        Item: { pk: before.id, sk: 'payout', merchant_type: `${before.merchantId}#payout`, created_key: `${before.createdAt}#${before.id}`, rg: 'us-east-1', ...before },
      }),
    );
    await expect(repository.getPayout(before.id, { consistent: true })).resolves.toEqual(before);
    const next = reserved(before, { outcome: 'clear' }, at(1));
    await repository.updatePayout(next);
    await expect(repository.getPayout(before.id, { consistent: true })).resolves.toEqual(next);
    const item = (await db.documentClient.send(new GetCommand({ TableName: table, Key: { pk: before.id, sk: 'payout' }, ConsistentRead: true }))).Item;
    expect(item).not.toHaveProperty('description');
    expect(item).not.toHaveProperty('id');
  });

  it('changes a payout from the read a step holds, without reading it again', async () => {
    const created = payout('po_CHANGEDFROMTHESTEPSREAD0001');
    await repository.insertPayout(created);
    getItems = 0;
    const changed = await changePayout(repository, created.id, (p) => reserved(p, { outcome: 'clear' }, at(1)), created);
    expect(getItems).toBe(0);
    expect(changed.version).toBe(2);
    await expect(repository.getPayout(created.id, { consistent: true })).resolves.toEqual(changed);
  });

  it('decides again from the stored payout when the one the step holds is stale: a cancel that came first wins', async () => {
    const created = payout('po_STALEREADDECIDEDAGAIN000001');
    await repository.insertPayout(created);
    const canceled = cancel(created, at(1));
    await repository.updatePayout(canceled);
    await expect(repository.updatePayout(reserved(created, { outcome: 'clear' }, at(2)))).rejects.toBeInstanceOf(StaleVersionError);
    getItems = 0;
    const decidedFrom: Payout[] = [];
    const changed = await changePayout(
      repository,
      created.id,
      (p) => {
        decidedFrom.push(p);
        return reserved(p, { outcome: 'clear' }, at(2));
      },
      created,
    );
    expect(decidedFrom.map((p) => p.version)).toEqual([1, 2]);
    expect(getItems).toBe(1);
    expect(changed).toMatchObject({ status: 'canceled', funds: 'reserved', version: 3 });
    await expect(repository.getPayout(created.id, { consistent: true })).resolves.toEqual(changed);
  });
});
