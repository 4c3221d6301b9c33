import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { GenerateDataKeyCommandOutput, KMS } from '@aws-sdk/client-kms';
import { ensureTables } from '../../../local/tables';
import { deployment } from '../../../platform/deployment';
import { kmsKeys } from '../../../platform/keys';
import { tableName } from '../../../platform/tables';
import { type TestKms, useLocalKms } from '../../support/kms';

/**
 * The local signer (local/local-signer.ts, docs/decisions/0061): the platform's one client factory signs with
 * the SDK's SigV4 until the local runtime registers the signer, and with a zero signature after, while DynamoDB
 * Local still files each call under the credential's key and region and the local KMS still answers as the
 * credential's region. This file imports no LambdaHost (which registers the signer when it loads): it registers
 * the signer itself, between two fresh copies of lambdas/shared/clients.ts.
 */
type Clients = typeof import('../../../lambdas/shared/clients');
const CLIENTS = '../../../lambdas/shared/clients.ts';
/** A fresh module instance (jest keys its ESM registry by URL, query included): new client singletons. */
const freshClients = async (copy: string): Promise<Clients> => (await import(`${CLIENTS}?${copy}`)) as Clients;

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** The Authorization header of every request a client sends, as it leaves (the deserialize step runs after signing). */
const recordAuthorization = (client: { middlewareStack: DynamoDBClient['middlewareStack'] }): string[] => {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.push(String((args.request as { headers: Record<string, string> }).headers.authorization));
      return next(args);
    },
    { step: 'deserialize', name: 'recordAuthorization', priority: 'high' },
  );
  return seen;
};

const accessKeyId = `T${randomBytes(9).toString('hex').toUpperCase()}`;
const region = deployment.primaryRegion;
const itemKey = { pk: { S: 'signer-probe' }, sk: { S: 'payment' } };
let kms: TestKms;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'test',
    // The suite's DynamoDB Local (global setup); not through test/support/dynamodb.ts, which loads LambdaHost.
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT,
  });
  // Set up with the SDK's own signing, in this file's namespace (its access key).
  const setup = new DynamoDBClient({});
  await ensureTables(setup);
  await setup.send(new PutItemCommand({ TableName: tableName('payments'), Item: { ...itemKey, status: { S: 'succeeded' } } }));
  kms = await useLocalKms();
});

afterAll(async () => {
  await kms.stop();
});

const generateDataKey = (client: KMS): Promise<GenerateDataKeyCommandOutput> => {
  const arn = process.env[kmsKeys.data.envVar] as string;
  return client.generateDataKey({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: { merchant_id: 'mer_signer', purpose: 'card' } });
};

it('signs with SigV4 while no local signer is registered (as in AWS)', async () => {
  const { dynamoDbClient } = await freshClients('unregistered');
  const client = dynamoDbClient();
  const seen = recordAuthorization(client);

  const { Item } = await client.send(new GetItemCommand({ TableName: tableName('payments'), Key: itemKey }));

  expect(Item?.status).toEqual({ S: 'succeeded' });
  const [, key, , scopeRegion, service, , signature] = SIGV4.exec(seen[0] ?? '') ?? [];
  expect({ key, scopeRegion, service }).toEqual({ key: accessKeyId, scopeRegion: region, service: 'dynamodb' });
  expect(signature).not.toBe('0'.repeat(64));
});

it('sends a zero signature once the local signer is registered, and DynamoDB Local and the local KMS still answer in the credential namespace', async () => {
  const { installLocalSigner } = await import('../../../local/local-signer');
  installLocalSigner();
  const { dynamoDbClient, dynamoDbDocumentClientIn, kmsClient } = await freshClients('registered');
  const client = dynamoDbClient();
  const seen = recordAuthorization(client);
  const replica = dynamoDbDocumentClientIn(region);
  const seenByReplica = recordAuthorization(replica);
  const keys = kmsClient(region);
  const seenByKms = recordAuthorization(keys as unknown as DynamoDBClient);

  // The item the SDK-signed setup wrote: found only if DynamoDB Local reads the same key and region.
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName('payments'), Key: itemKey }));
  const { Item: replicaItem } = await replica.send(new GetItemCommand({ TableName: tableName('payments'), Key: itemKey }));
  const dataKey = await generateDataKey(keys);

  expect(Item?.status).toEqual({ S: 'succeeded' });
  expect(replicaItem?.status).toEqual({ S: 'succeeded' });
  expect(dataKey.KeyId).toBe(process.env[kmsKeys.data.envVar]);
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  for (const [header, service] of [
    [seen[0], 'dynamodb'],
    [seenByReplica[0], 'dynamodb'],
    [seenByKms[0], 'kms'],
  ] as const) {
    const [, key, date, scopeRegion, scopeService, signedHeaders, signature] = SIGV4.exec(header ?? '') ?? [];
    expect({ key, date, scopeRegion, scopeService, signedHeaders, signature }).toEqual({
      key: accessKeyId,
      date: today,
      scopeRegion: region,
      scopeService: service,
      signedHeaders: 'host;x-amz-date',
      signature: '0'.repeat(64),
    });
  }
});
