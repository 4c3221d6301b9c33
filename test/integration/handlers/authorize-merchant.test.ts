import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { tableName } from '../../../platform/tables';
import { lambdaContext } from '../../support/api-events';
import { useIsolatedDynamoDb } from '../../support/dynamodb';

type Authorizer = (event: unknown, context: unknown) => Promise<APIGatewayAuthorizerResult>;

const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/POST/v1/payments';
const event = (authorization?: string) => ({
  type: 'REQUEST',
  methodArn,
  resource: '/v1/payments',
  path: '/v1/payments',
  httpMethod: 'POST',
  headers: authorization === undefined ? {} : { authorization },
});

let authorize: Authorizer;
let secretKey: string;
let merchantId: string;

beforeAll(async () => {
  const { documentClient } = await useIsolatedDynamoDb();
  const onboarded = await onboardMerchant(
    { merchants: new DynamoDbMerchantRepository(documentClient, tableName('merchants')), now: () => new Date() },
    { name: 'Authorizer Test Merchant' },
  );
  secretKey = onboarded.secretKey;
  merchantId = onboarded.merchant.id;
  ({ handler: authorize } = (await import('../../../lambdas/handlers/api/authorize-merchant')) as { handler: Authorizer });
});

it('allows a valid key for the whole stage and passes the merchant on as context', async () => {
  const result = await authorize(event(`Bearer ${secretKey}`), lambdaContext('xborder-authorize-merchant'));
  expect(result).toEqual({
    principalId: merchantId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/*' }],
    },
    context: { merchantId, keyId: expect.any(String), scopes: '' },
  });
});

it.each([
  ['no header', undefined],
  ['a wrong key', 'Bearer sk_test_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ['a malformed key', 'Bearer hunter2'],
  ['another scheme', 'Basic dXNlcjpwYXNz'],
])('refuses %s with "Unauthorized" (API Gateway: 401)', async (_case, header) => {
  await expect(authorize(event(header), lambdaContext('xborder-authorize-merchant'))).rejects.toThrow(/^Unauthorized$/);
});

it.each([
  ['a lowercase scheme', (key: string) => `bearer ${key}`],
  ['an uppercase scheme', (key: string) => `BEARER ${key}`],
  ['two spaces', (key: string) => `Bearer  ${key}`],
  ['a tab', (key: string) => `Bearer\t${key}`],
  ['trailing whitespace', (key: string) => `Bearer ${key} `],
])('refuses a valid key spelled with %s: one spelling, one authorizer cache entry per key', async (_case, spell) => {
  await expect(authorize(event(spell(secretKey)), lambdaContext('xborder-authorize-merchant'))).rejects.toThrow(/^Unauthorized$/);
});

it('refuses the key with one character changed', async () => {
  const tampered = `${secretKey.slice(0, -1)}${secretKey.endsWith('a') ? 'b' : 'a'}`;
  await expect(authorize(event(`Bearer ${tampered}`), lambdaContext('xborder-authorize-merchant'))).rejects.toThrow('Unauthorized');
});
