import { type AttributeValue as SdkAttributeValue, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AttributeValue, type Item, WRITE_UNIT_BYTES, itemSize, writeUnitsOf } from '../../../bench/lib/capacity-units';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The stored idempotency record of a payment create (decision records 0044 and 0048): its size by AWS's
 * item-size rules (bench/lib/capacity-units.ts, the bench's calculator), its one write and its replay. A
 * create's record is written once, with the answer (the card hold's lease guards the key while it runs):
 * while it stays within 1 KB, a create's record costs 1 write unit, whatever the response holds.
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

/** Every request the handler sends to the idempotency table, by operation (the SDK client's middleware stack). */
const idempotencyRequests: string[] = [];

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
  const { dynamoDbClient } = await import('../../../lambdas/shared/clients');
  dynamoDbClient().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      if (input.TableName === tableName('idempotency')) idempotencyRequests.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countIdempotencyRequests' },
  );
});

afterAll(async () => {
  await kms.stop();
  await sagas.stop();
});

it("stores a payment create's completed record in one write unit and replays it byte for byte", async () => {
  const before = new Set((await storedRecords()).map((item) => JSON.stringify(item.id)));
  idempotencyRequests.length = 0;
  const first = await create('size-1', benchBody(1));
  expect(first.statusCode).toBe(201);
  // One strongly consistent read before the work, one Put of the answer after: no in-progress write.
  expect(idempotencyRequests).toEqual(['GetItemCommand', 'PutItemCommand']);

  const records = (await storedRecords()).filter((item) => !before.has(JSON.stringify(item.id)));
  expect(records).toHaveLength(1);
  const [record] = records as [Item];
  expect(record.status).toEqual({ S: 'COMPLETED' });
  // The record's attributes: Powertools' defaults as its Update leaves them (id, expiration, status, validation,
  // data), less the in-progress lease, which a record written once never had.
  expect(Object.keys(record).sort()).toEqual(['data', 'expiration', 'id', 'status', 'validation']);
  const size = itemSize(record);
  expect(size).toBeLessThanOrEqual(WRITE_UNIT_BYTES);
  expect(writeUnitsOf(size)).toBe(1);

  // A replay answers what the record holds, byte for byte, marked as a replay: one read, nothing written.
  idempotencyRequests.length = 0;
  const replay = await create('size-1', benchBody(1));
  expect(idempotencyRequests).toEqual(['GetItemCommand']);
  const raw = await db.client.send(new GetItemCommand({ TableName: tableName('idempotency'), Key: { id: record.id as { S: string } }, ConsistentRead: true }));
  const stored = raw.Item?.data?.M;
  expect(stored?.statusCode?.N).toBe(String(first.statusCode));
  expect(stored?.body?.S).toBe(first.body);
  expect(replay.statusCode).toBe(first.statusCode);
  expect(Buffer.from(replay.body).equals(Buffer.from(first.body))).toBe(true);
  expect(replay.headers).toEqual({ ...first.headers, 'Idempotent-Replayed': 'true' });
  expect(Object.fromEntries(Object.entries(stored?.headers?.M ?? {}).map(([name, value]) => [name, value.S]))).toEqual(first.headers);
});

it('refuses the key for a different request with 422 and writes nothing; a record left in progress by Powertools\' own layer answers 409', async () => {
  const first = await create('size-2', benchBody(2));
  expect(first.statusCode).toBe(201);
  idempotencyRequests.length = 0;
  const other = await create('size-2', benchBody(3));
  expect(other.statusCode).toBe(422);
  expect(JSON.parse(other.body)).toMatchObject({ code: 'idempotency_key_reused' });
  // The second read: whether the record was written before the card's keyed fingerprint joined the request (0044, amended).
  expect(idempotencyRequests).toEqual(['GetItemCommand', 'GetItemCommand']);

  // A request in flight across a deployment: its record as Powertools' layer writes it before the work.
  const [record] = (await storedRecords()).filter((item) => JSON.stringify(item.data).includes(JSON.parse(first.body).id));
  if (!record) throw new Error('no record for the first create');
  await db.client.send(
    new PutItemCommand({
      TableName: tableName('idempotency'),
      Item: { id: record.id as { S: string }, status: { S: 'INPROGRESS' }, expiration: record.expiration as { N: string }, in_progress_expiration: { N: String(Date.now() + 60_000) }, validation: record.validation as { S: string } },
    }),
  );
  const duplicate = await create('size-2', benchBody(2));
  expect(duplicate.statusCode).toBe(409);
  expect(JSON.parse(duplicate.body)).toMatchObject({ code: 'idempotency_in_progress' });
});
