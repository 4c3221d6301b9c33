import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handler as receiveChannelEvent } from '../../../lambdas/handlers/api/receive-channel-event';
import { ChannelRequestRejectedError } from '../../../lambdas/domain/channel-errors';
import { cardChannelDirectory } from '../../../lambdas/wiring/payments';
import { loadDeclaredSecrets } from '../../../lambdas/shared/secrets';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../../local/secrets-manager';
import { signWebhook } from '../../../local/simulators/card-acquirer/webhooks';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { ACQUIRER_SIGNATURE_HEADER } from '../../../lambdas/adapters/channels/acquirer-webhook-signature';
import { startTestAcquirer } from '../../support/card-acquirer';

/**
 * Secret rotation reaches warm functions: the secrets a function declares come from Secrets Manager (here
 * the local endpoint, through the AWS SDK and Powertools Parameters, the code path AWS runs) and are asked
 * for again once they are older than the max age (1 s here, SECRETS_MAX_AGE_SECONDS), never on every
 * invocation. A channel adapter built with the old API key is built again after the rotation.
 */
const MAX_AGE_SECONDS = 1;
const API_KEY_ID = 'xborder/channels/atlas/api-key';
const WEBHOOK_SECRET_ID = 'xborder/channels/atlas/webhook-secret';

let secretsManager: LocalSecretsManager;
let client: SecretsManagerClient;
let acquirer: CardAcquirerSimulator;

const pastMaxAge = () => new Promise((resolve) => setTimeout(resolve, MAX_AGE_SECONDS * 1000 + 200));

beforeAll(async () => {
  secretsManager = await startLocalSecretsManager();
  acquirer = await startTestAcquirer({ apiKey: 'sk_atlas_first' });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    SECRETS_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
    SECRET_NAMES: 'ATLAS_API_KEY,ATLAS_WEBHOOK_SECRET',
    ATLAS_API_KEY_SECRET_ID: API_KEY_ID,
    ATLAS_WEBHOOK_SECRET_SECRET_ID: WEBHOOK_SECRET_ID,
    ATLAS_URL: acquirer.url,
  });
  delete process.env.ATLAS_API_KEY;
  delete process.env.ATLAS_WEBHOOK_SECRET;
  client = new SecretsManagerClient({ endpoint: secretsManager.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
  await client.send(new CreateSecretCommand({ Name: API_KEY_ID, SecretString: 'sk_atlas_first' }));
  await client.send(new CreateSecretCommand({ Name: WEBHOOK_SECRET_ID, SecretString: 'whsec_first' }));
});

afterAll(async () => {
  client?.destroy();
  await acquirer?.stop();
  await secretsManager?.stop();
});

it('a rotated channel API key reaches a warm instance within the max age, with one GetSecretValue per secret per max age', async () => {
  await loadDeclaredSecrets();
  const first = cardChannelDirectory().channel('atlas');
  await expect(first.getAuthorization('auth_does_not_exist')).resolves.toBeUndefined();
  expect(secretsManager.requestCounts.GetSecretValue).toBe(2);

  // Warm invocations within the max age ask nobody.
  for (let invocation = 0; invocation < 5; invocation += 1) await loadDeclaredSecrets();
  expect(secretsManager.requestCounts.GetSecretValue).toBe(2);
  expect(cardChannelDirectory().channel('atlas')).toBe(first);

  // Rotation: the acquirer accepts both keys while the new one is stored, then retires the old one.
  acquirer.rollApiKey('sk_atlas_second');
  await client.send(new PutSecretValueCommand({ SecretId: API_KEY_ID, SecretString: 'sk_atlas_second' }));
  await loadDeclaredSecrets();
  expect(cardChannelDirectory().channel('atlas')).toBe(first); // still cached: within the max age
  await pastMaxAge();
  await loadDeclaredSecrets();
  expect(secretsManager.requestCounts.GetSecretValue).toBe(4);
  acquirer.retireCurrentApiKey();

  const second = cardChannelDirectory().channel('atlas');
  expect(second).not.toBe(first);
  await expect(second.getAuthorization('auth_does_not_exist')).resolves.toBeUndefined();
  // The adapter built with the retired key is refused by the acquirer: without the rebuild, calls would fail.
  await expect(first.getAuthorization('auth_does_not_exist')).rejects.toBeInstanceOf(ChannelRequestRejectedError);
});

const channelEvent = (secret: string): APIGatewayProxyEvent => {
  const body = '{"not":"an event"}';
  return {
    body,
    isBase64Encoded: false,
    headers: { [ACQUIRER_SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)) },
    pathParameters: { channel: 'atlas' },
    requestContext: { requestId: `req-${Date.now()}` },
  } as unknown as APIGatewayProxyEvent;
};

const context = { functionName: 'receiveChannelEvent', awsRequestId: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const statusFor = async (secret: string): Promise<number> =>
  ((await receiveChannelEvent(channelEvent(secret), context)) as APIGatewayProxyResult).statusCode;

it('the channel webhook receiver verifies with the rotated secret once it is past the max age', async () => {
  // Verified (then refused as not an event: 400) with the current secret; 401 with an unknown one.
  expect(await statusFor('whsec_first')).toBe(400);
  expect(await statusFor('whsec_second')).toBe(401);

  // The acquirer signs with either secret during its rotation window: both are stored, new first.
  await client.send(new PutSecretValueCommand({ SecretId: WEBHOOK_SECRET_ID, SecretString: 'whsec_second,whsec_first' }));
  await pastMaxAge();
  expect(await statusFor('whsec_second')).toBe(400);
  expect(await statusFor('whsec_first')).toBe(400);

  await client.send(new PutSecretValueCommand({ SecretId: WEBHOOK_SECRET_ID, SecretString: 'whsec_second' }));
  await pastMaxAge();
  expect(await statusFor('whsec_second')).toBe(400);
  expect(await statusFor('whsec_first')).toBe(401);
});
