import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LambdaHost } from '../../../local/lambda-host';
import { dynamoDbDocumentClient } from '../../../lambdas/shared/clients';
import { tableName } from '../../../platform/tables';
import type { ProbeCall } from '../../fixtures/local-iam/probe';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * IAM enforced locally (docs/decisions/0023): through the real LambdaHost, the platform's client factory and
 * DynamoDB Local / the local KMS, a function's SDK call that its declaration (platform/functions.ts) does not
 * grant fails with AccessDeniedException before it reaches the service, and a granted one goes through. The
 * handler modules are stand-ins (test/fixtures/local-iam) at getPayment's and createPayment's entry paths.
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let host: LambdaHost;
const paymentId = 'pay_localiamprobe0000000000000';

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  host = new LambdaHost(join(import.meta.dirname, '..', '..', 'fixtures', 'local-iam'));
  await db.documentClient.send(new PutCommand({ TableName: tableName('payments'), Item: { pk: paymentId, sk: 'payment', status: 'succeeded' } }));
});

afterAll(async () => {
  await kms.stop();
});

const stored = async () => (await db.documentClient.send(new GetCommand({ TableName: tableName('payments'), Key: { pk: paymentId, sk: 'payment' }, ConsistentRead: true }))).Item;

it('lets a function make the DynamoDB call its declaration grants', async () => {
  await expect(host.invoke('getPayment', { call: 'GetItem', table: 'payments', id: paymentId } satisfies ProbeCall)).resolves.toMatchObject({ pk: paymentId, status: 'succeeded' });
});

it.each([
  ['an action it is not granted on a declared table', { call: 'UpdateItem', table: 'payments', id: paymentId }, 'dynamodb:UpdateItem', 'table/xborder-payments'],
  ['any action on a table it does not declare', { call: 'GetItem', table: 'ledger', id: paymentId }, 'dynamodb:GetItem', 'table/xborder-ledger'],
] as const)('refuses %s with AccessDeniedException, and the table is untouched', async (_case, call, action, resource) => {
  const before = await stored();
  await expect(host.invoke('getPayment', call satisfies ProbeCall)).rejects.toMatchObject({
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 400 },
    message: expect.stringMatching(new RegExp(`xborder-get-payment is not authorized to perform: ${action} on resource: arn:aws:dynamodb:[^ ]*${resource}`)),
  });
  expect(await stored()).toEqual(before);
  expect(host.stats.errors.getPayment).toBeGreaterThan(0);
});

it('checks KMS calls against the declared purposes: createPayment may make data keys for cards, not for bank accounts', async () => {
  await expect(host.invoke('createPayment', { call: 'GenerateDataKey', purpose: 'card', merchantId: 'mer_probe' } satisfies ProbeCall)).resolves.toBe(
    process.env.DATA_KEY_ARN,
  );
  await expect(host.invoke('createPayment', { call: 'GenerateDataKey', purpose: 'bank-account', merchantId: 'mer_probe' } satisfies ProbeCall)).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: expect.stringContaining('xborder-create-payment is not authorized to perform: kms:GenerateDataKey'),
  });
  // getPayment declares no KMS use at all.
  await expect(host.invoke('getPayment', { call: 'GenerateDataKey', purpose: 'card', merchantId: 'mer_probe' } satisfies ProbeCall)).rejects.toMatchObject({
    name: 'AccessDeniedException',
  });
});

it('does not check calls made outside an invocation (runtime seeding, test setup)', async () => {
  // The same client the stand-ins use, called from test code: no function's identity, no check.
  await dynamoDbDocumentClient().send(new PutCommand({ TableName: tableName('ledger'), Item: { pk: 'probe', sk: 'outside' } }));
  expect((await db.documentClient.send(new GetCommand({ TableName: tableName('ledger'), Key: { pk: 'probe', sk: 'outside' } }))).Item).toBeDefined();
});
