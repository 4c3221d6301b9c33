import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbAuditLog } from '../../../lambdas/adapters/dynamodb/audit-log';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { authenticateMerchant } from '../../../lambdas/use-cases/authenticate-merchant';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { verifyAuditChains } from '../../../lambdas/use-cases/audit-trail';
import { type DynamoDbFaultProxy, dynamoDbErrors, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { deployment } from '../../../platform/deployment';
import { type TableKey, tableKeys, tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * Key rotation on the merchant API (POST/GET /v1/api_keys, POST /v1/api_keys/{id}/revoke) against DynamoDB
 * Local through the fault proxy, and the audit hook: an entry per effect, none for replays or refusals,
 * and still one after a failed append is retried.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

let proxy: DynamoDbFaultProxy;
let db: IsolatedDynamoDb;
let merchants: DynamoDbMerchantRepository;
let audit: DynamoDbAuditLog;
let createKey: Handler;
let listKeys: Handler;
let revokeKey: Handler;

interface Caller {
  readonly merchantId: string;
  readonly keyId: string;
  readonly secret: string;
}

const withKey = (caller: Caller, event: ReturnType<typeof apiGatewayEvent>) => ({
  ...event,
  requestContext: { ...event.requestContext, authorizer: { ...event.requestContext.authorizer, keyId: caller.keyId } },
});

const create = (caller: Caller, idempotencyKey = randomUUID()) =>
  createKey(
    withKey(caller, apiGatewayEvent({ method: 'POST', resource: '/v1/api_keys', merchantId: caller.merchantId, headers: { 'Idempotency-Key': idempotencyKey }, body: {} })),
    lambdaContext('xborder-create-api-key'),
  );
const list = (caller: Caller) =>
  listKeys(withKey(caller, apiGatewayEvent({ method: 'GET', resource: '/v1/api_keys', merchantId: caller.merchantId })), lambdaContext('xborder-list-api-keys'));
const revoke = (caller: Caller, id: string, idempotencyKey = randomUUID()) =>
  revokeKey(
    withKey(
      caller,
      apiGatewayEvent({
        method: 'POST',
        resource: '/v1/api_keys/{id}/revoke',
        path: `/v1/api_keys/${id}/revoke`,
        pathParameters: { id },
        merchantId: caller.merchantId,
        headers: { 'Idempotency-Key': idempotencyKey },
        body: {},
      }),
    ),
    lambdaContext('xborder-revoke-api-key'),
  );

const onboard = async (): Promise<Caller> => {
  const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name: 'Rotator' });
  return { merchantId: onboarded.merchant.id, keyId: onboarded.key.keyId, secret: onboarded.secretKey };
};
const entries = async (merchantId: string) => (await audit.list(merchantId, { limit: 100 })).entries;
const authenticates = async (secret: string) => (await authenticateMerchant({ merchants }, secret)) !== undefined;
const everything = async () => {
  const items = [];
  for (const table of tableKeys as TableKey[]) items.push(...((await db.documentClient.send(new ScanCommand({ TableName: tableName(table) }))).Items ?? []));
  return JSON.stringify(items);
};

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
  db = await useIsolatedDynamoDb(proxy.endpoint);
  merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  audit = new DynamoDbAuditLog(db.documentClient, tableName('audit'), deployment.primaryRegion);
  ({ handler: createKey } = (await import('../../../lambdas/handlers/api/create-api-key')) as { handler: Handler });
  ({ handler: listKeys } = (await import('../../../lambdas/handlers/api/list-api-keys')) as { handler: Handler });
  ({ handler: revokeKey } = (await import('../../../lambdas/handlers/api/revoke-api-key')) as { handler: Handler });
});

afterEach(() => proxy.clear());
afterAll(() => proxy.stop());

describe('POST /v1/api_keys', () => {
  it('issues a second active key whose secret is in this response only, and records the creation', async () => {
    const caller = await onboard();
    const response = await create(caller);
    expect(response.statusCode).toBe(201);
    const key = JSON.parse(response.body);
    expect(key).toEqual({
      id: expect.stringMatching(/^key_[a-z2-7]{16}$/),
      object: 'api_key',
      status: 'active',
      restricted: false,
      scopes: null,
      redacted_key: `sk_test_${key.id.slice(4)}_********`,
      created_at: expect.any(String),
      revoked_at: null,
      livemode: false,
      secret: expect.stringMatching(new RegExp(`^sk_test_${key.id.slice(4)}_[a-z2-7]{32}$`)),
    });
    expect(await authenticates(key.secret)).toBe(true);
    expect(await authenticates(caller.secret)).toBe(true);
    expect(await everything()).not.toContain(key.secret);
    const [entry] = await entries(caller.merchantId);
    expect(entry).toMatchObject({
      action: 'api_key.create',
      actor: { type: 'merchant', merchant_id: caller.merchantId, api_key: `key_${caller.keyId}` },
      target: { type: 'api_key', id: key.id },
      before: null,
      after: { id: key.id, status: 'active' },
    });
    expect(JSON.stringify(entry)).not.toContain(key.secret);
  });

  it('replays the creation without the secret (it is stored nowhere) and records nothing more', async () => {
    const caller = await onboard();
    const idempotencyKey = randomUUID();
    const first = JSON.parse((await create(caller, idempotencyKey)).body);
    const replay = await create(caller, idempotencyKey);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true');
    const { secret: _secret, ...withoutSecret } = first;
    expect(JSON.parse(replay.body)).toEqual(withoutSecret);
    expect(await entries(caller.merchantId)).toHaveLength(1);
  });

  it('refuses a third active key (409 api_key_limit_reached) and records nothing', async () => {
    const caller = await onboard();
    expect((await create(caller)).statusCode).toBe(201);
    const third = await create(caller);
    expect(third.statusCode).toBe(409);
    expect(JSON.parse(third.body)).toMatchObject({ code: 'api_key_limit_reached' });
    expect(JSON.parse((await list(caller)).body).data.filter((key: { status: string }) => key.status === 'active')).toHaveLength(2);
    expect(await entries(caller.merchantId)).toHaveLength(1);
  });

  it('still records the creation once when the audit append fails and the merchant retries, without a second key', async () => {
    const caller = await onboard();
    const idempotencyKey = randomUUID();
    proxy.inject({ operation: 'PutItem', when: (request) => request.TableName === tableName('audit'), error: dynamoDbErrors.internal(), times: 10 });
    const failed = await create(caller, idempotencyKey);
    expect(failed.statusCode).toBe(500);
    proxy.clear();
    const retried = await create(caller, idempotencyKey);
    expect(retried.statusCode).toBe(201);
    const key = JSON.parse(retried.body);
    const keys = JSON.parse((await list(caller)).body).data as { id: string; status: string }[];
    expect(keys.filter((listed) => listed.status === 'active').map((listed) => listed.id).sort()).toEqual([key.id, `key_${caller.keyId}`].sort());
    expect(await authenticates(key.secret)).toBe(true);
    expect((await entries(caller.merchantId)).map((entry) => [entry.action, entry.target.id])).toEqual([['api_key.create', key.id]]);
  });
});

describe('GET /v1/api_keys', () => {
  it('lists the merchant\'s keys newest first, redacted: no secret, no hash', async () => {
    const caller = await onboard();
    const second = JSON.parse((await create(caller)).body);
    const response = await list(caller);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ object: 'list', url: '/v1/api_keys', has_more: false });
    expect(body.data.map((key: { id: string }) => key.id)).toEqual([second.id, `key_${caller.keyId}`]);
    expect(response.body).not.toContain(caller.secret);
    expect(response.body).not.toContain(second.secret);
    expect(response.body).not.toMatch(/secret|hash/i);
  });
});

describe('POST /v1/api_keys/{id}/revoke', () => {
  it('revokes the old key once the new one exists (even the key making the request), and records before and after', async () => {
    const caller = await onboard();
    const successor = JSON.parse((await create(caller)).body);
    const idempotencyKey = randomUUID();
    const response = await revoke(caller, `key_${caller.keyId}`, idempotencyKey);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ id: `key_${caller.keyId}`, status: 'revoked', revoked_at: expect.any(String) });
    expect(await authenticates(caller.secret)).toBe(false);
    expect(await authenticates(successor.secret)).toBe(true);
    const [entry] = await entries(caller.merchantId);
    expect(entry).toMatchObject({
      action: 'api_key.revoke',
      target: { type: 'api_key', id: `key_${caller.keyId}` },
      before: { status: 'active', revoked_at: null },
      after: { status: 'revoked', revoked_at: expect.any(String) },
    });
    // A replay and a second revocation (another Idempotency-Key) change and record nothing.
    expect((await revoke(caller, `key_${caller.keyId}`, idempotencyKey)).headers?.['Idempotent-Replayed']).toBe('true');
    const again = await revoke({ ...caller, keyId: successor.id.slice(4) }, `key_${caller.keyId}`);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'revoked' });
    expect((await entries(caller.merchantId)).map((recorded) => recorded.action)).toEqual(['api_key.revoke', 'api_key.create']);
  });

  it('refuses to revoke the last active key (409 last_active_api_key): the merchant cannot lock itself out', async () => {
    const caller = await onboard();
    const response = await revoke(caller, `key_${caller.keyId}`);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'last_active_api_key' });
    expect(await authenticates(caller.secret)).toBe(true);
    expect(await entries(caller.merchantId)).toHaveLength(0);
  });

  it('answers 404 for a well-shaped key id that names no key of the merchant', async () => {
    const caller = await onboard();
    const response = await revoke(caller, 'key_doesnotexist2345');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'resource_not_found' });
  });

  it('answers 422 naming the path parameter for something that is not a key id', async () => {
    const caller = await onboard();
    const response = await revoke(caller, 'not-a-key-id');
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'validation_error', errors: [{ field: 'id', message: expect.stringContaining('"key_"') }] });
  });

  it('leaves every chain intact', async () => {
    const caller = await onboard();
    await create(caller);
    await revoke(caller, `key_${caller.keyId}`);
    const reports = await verifyAuditChains({ audit }, { merchantId: caller.merchantId, regions: [deployment.primaryRegion] });
    expect(reports.every((report) => report.broken === null)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.entries, 0)).toBe(2);
  });
});
