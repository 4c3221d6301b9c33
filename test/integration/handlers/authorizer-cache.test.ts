import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { revokeApiKey } from '../../../lambdas/use-cases/revoke-api-key';
import { MERCHANT_AUTHORIZER_CACHE_SECONDS } from '../../../platform/routes';
import { tableName } from '../../../platform/tables';
import { useIsolatedDynamoDb } from '../../support/dynamodb';
import { request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';

/**
 * The local gateway caches the merchant authorizer's answer per Authorization value for the deployed TTL,
 * as API Gateway does (lib/constructs/merchant-api.ts `resultsCacheTtl`): one authorizer call and one key
 * lookup per key and TTL, not per request; a revoked key keeps working until its cached answer expires; a
 * refused spelling is not cached.
 */
let merchants: DynamoDbMerchantRepository;
let kms: TestKms;
const started: LocalApis[] = [];

const onboard = async (name: string) => {
  const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name });
  return { id: onboarded.merchant.id, secret: onboarded.secretKey, keyId: onboarded.key.keyId };
};
const apisWith = async (authorizerCacheSeconds?: number) => {
  const apis = await startLocalApis({ authorizerCacheSeconds });
  started.push(apis);
  return apis;
};
const list = (apis: LocalApis, authorization: string) => request(apis.merchantUrl, 'GET', '/v1/payments', { headers: { Authorization: authorization } });
const authorizerCalls = (apis: LocalApis) => apis.lambdas.stats.invocations.authorizeMerchant ?? 0;
const revoke = async (merchant: Awaited<ReturnType<typeof onboard>>) => {
  await revokeApiKey({ merchants, now: () => new Date() }, { merchantId: merchant.id, keyId: merchant.keyId, commandId: 'cmd_revoke', keepOneActive: false });
};

beforeAll(async () => {
  const db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
});

afterAll(async () => {
  for (const apis of started) await apis.stop();
  await kms.stop();
});

it('calls the authorizer once per key within the deployed TTL, and again for a key it has not seen', async () => {
  const apis = await apisWith();
  const [first, second] = [await onboard('Cache One'), await onboard('Cache Two')];
  for (let index = 0; index < 3; index += 1) expect((await list(apis, `Bearer ${first.secret}`)).status).toBe(200);
  expect(authorizerCalls(apis)).toBe(1);
  expect((await list(apis, `Bearer ${second.secret}`)).status).toBe(200);
  expect(authorizerCalls(apis)).toBe(2);
  expect(MERCHANT_AUTHORIZER_CACHE_SECONDS).toBe(30);
});

it('does not cache a refusal: every refused spelling reaches the authorizer', async () => {
  const apis = await apisWith();
  const merchant = await onboard('Cache Spelling');
  for (let index = 0; index < 2; index += 1) expect((await list(apis, `bearer ${merchant.secret}`)).status).toBe(401);
  expect(authorizerCalls(apis)).toBe(2);
});

it('keeps a revoked key working until its cached answer expires, then refuses it', async () => {
  const apis = await apisWith(5);
  const merchant = await onboard('Cache Revoked');
  expect((await list(apis, `Bearer ${merchant.secret}`)).status).toBe(200);
  await revoke(merchant);
  expect((await list(apis, `Bearer ${merchant.secret}`)).status).toBe(200);
  await new Promise((wait) => setTimeout(wait, 5_100));
  expect((await list(apis, `Bearer ${merchant.secret}`)).status).toBe(401);
});

it('refuses a revoked key at once with the cache off', async () => {
  const apis = await apisWith(0);
  const merchant = await onboard('Cache Off');
  expect((await list(apis, `Bearer ${merchant.secret}`)).status).toBe(200);
  await revoke(merchant);
  expect((await list(apis, `Bearer ${merchant.secret}`)).status).toBe(401);
  expect(authorizerCalls(apis)).toBe(2);
});
