import { type AttributeValue as SdkAttributeValue, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AttributeValue, type Item, WRITE_UNIT_BYTES, itemSize, writeUnitsOf } from '../../../bench/lib/capacity-units';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The stored idempotency record of a payment create (decision record 0044): its size by AWS's item-size
 * rules (bench/lib/capacity-units.ts, the bench's calculator) and its replay. The completed record is what
 * the record's UpdateItem is billed on (the larger image); while it stays within 1 KB, a POST's record costs
 * 2 write units (the in-progress Put and that Update), whatever the response holds.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

let db: IsolatedDynamoDb;
let kms: TestKms;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let createPayment: Handler;

/** The bench's default create (bench/lib/mix.ts `createPayment`): an automatic card payment with one metadata key. */
const benchBody = (sequence: number) => ({
  amount: 123_456,
  currency: 'BRL',
  payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } },
  metadata: { bench_sequence: String(sequence) },
});

const create = (key: string, body: unknown) =>
  createPayment(
    apiGatewayEvent({ method: 'POST', resource: '/v1/payments', merchantId: 'mer_record_size', headers: { 'Idempotency-Key': key }, body }),
    lambdaContext('xborder-create-payment'),
  );

/** An item as the SDK returns it, in the wire form the calculator sizes (binary as base64). */
const wire = (value: SdkAttributeValue): AttributeValue => {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([name, inner]) => [name, wire(inner)])) };
  if (value.L !== undefined) return { L: value.L.map(wire) };
  return value as AttributeValue;
};
const wireItem = (item: Record<string, SdkAttributeValue>): Item => Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wire(value)]));

const storedRecords = async (): Promise<Item[]> =>
  ((await db.client.send(new ScanCommand({ TableName: tableName('idempotency') }))).Items ?? []).map(wireItem);

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  ({ handler: createPayment } = (await import('../../../lambdas/handlers/api/create-payment')) as { handler: Handler });
});

afterAll(async () => {
  await kms.stop();
  await sagas.stop();
});

it("stores a payment create's completed record in one write unit and replays it byte for byte", async () => {
  const before = new Set((await storedRecords()).map((item) => JSON.stringify(item.id)));
  const first = await create('size-1', benchBody(1));
  expect(first.statusCode).toBe(201);

  const records = (await storedRecords()).filter((item) => !before.has(JSON.stringify(item.id)));
  expect(records).toHaveLength(1);
  const [record] = records as [Item];
  expect(record.status).toEqual({ S: 'COMPLETED' });
  // The record's attributes: Powertools' defaults (id, expiration, in_progress_expiration, status, validation, data).
  expect(Object.keys(record).sort()).toEqual(['data', 'expiration', 'id', 'in_progress_expiration', 'status', 'validation']);
  const size = itemSize(record);
  expect(size).toBeLessThanOrEqual(WRITE_UNIT_BYTES);
  expect(writeUnitsOf(size)).toBe(1);

  // A replay answers what the record holds, byte for byte, marked as a replay.
  const replay = await create('size-1', benchBody(1));
  const raw = await db.client.send(new GetItemCommand({ TableName: tableName('idempotency'), Key: { id: record.id as { S: string } }, ConsistentRead: true }));
  const stored = raw.Item?.data?.M;
  expect(stored?.statusCode?.N).toBe(String(first.statusCode));
  expect(stored?.body?.S).toBe(first.body);
  expect(replay.statusCode).toBe(first.statusCode);
  expect(Buffer.from(replay.body).equals(Buffer.from(first.body))).toBe(true);
  expect(replay.headers).toEqual({ ...first.headers, 'Idempotent-Replayed': 'true' });
  expect(Object.fromEntries(Object.entries(stored?.headers?.M ?? {}).map(([name, value]) => [name, value.S]))).toEqual(first.headers);
});
