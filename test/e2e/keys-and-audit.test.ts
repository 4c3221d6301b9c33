import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { auditItem, chainKey, toAuditEntry } from '../../lambdas/adapters/dynamodb/audit-log';
import { AUDIT_STRIPES } from '../../lambdas/domain/audit';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { api, testCard } from '../support/e2e';
import { E2E_AUTHORIZER_CACHE_SECONDS, repositoryRoot } from './global-setup';

/**
 * Issue 5 over HTTP against `npm start`: wrong, revoked and rotated keys; the operator CLI (`npm run ops`)
 * against the local operator API; and a tampered audit entry caught by `npm run audit:verify`.
 * Uses merchants of its own (onboarded through the CLI), never the demo merchants other tests share.
 */
const run = promisify(execFile);
const stateDir = () => process.env.E2E_STATE_DIR as string;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const cli = async (script: 'ops' | 'audit-verify', ...args: string[]): Promise<CliResult> => {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args, '--state-dir', stateDir()], {
      cwd: repositoryRoot,
      env: { ...process.env, AWS_REGION: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

const onboard = async (name: string) => {
  const result = await cli('ops', 'onboard', '--name', name);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('shown once');
  return JSON.parse(result.stdout) as { id: string; api_key: { id: string; secret: string } };
};

describe('wrong, revoked and rotated keys', () => {
  it('answers 401 to a missing, malformed, unknown or forged key, with one problem for all', async () => {
    const merchant = await onboard('Keys Wrong Ltd');
    const keyId = merchant.api_key.id.slice(4);
    const attempts = [
      undefined,
      'not-a-key',
      `sk_test_${'a'.repeat(16)}_${'b'.repeat(32)}`,
      `sk_test_${keyId}_${'b'.repeat(32)}`, // a real key id with a guessed secret
      `${merchant.api_key.secret}x`,
    ];
    const bodies = new Set<string>();
    for (const key of attempts) {
      const response = await api('GET', '/v1/payments', { key });
      expect({ key, status: response.status, code: response.json?.code }).toEqual({ key, status: 401, code: 'unauthorized' });
      const { request_id: _requestId, ...problem } = response.json;
      bodies.add(JSON.stringify(problem));
    }
    expect(bodies.size).toBe(1);
  });

  it('rotates: the successor works beside the old key, the revoked key is refused once its cached authorization expires, the last key cannot be revoked', async () => {
    const merchant = await onboard('Keys Rotation Ltd');
    const first = merchant.api_key.secret;
    const created = await api('POST', '/v1/api_keys', { key: first, idempotencyKey: randomUUID(), body: {} });
    expect(created.status).toBe(201);
    const second = created.json.secret as string;
    expect((await api('GET', '/v1/payments', { key: first })).status).toBe(200);
    expect((await api('GET', '/v1/payments', { key: second })).status).toBe(200);
    expect((await api('POST', '/v1/api_keys', { key: second, idempotencyKey: randomUUID(), body: {} })).json).toMatchObject({ status: 409, code: 'api_key_limit_reached' });

    const revoked = await api('POST', `/v1/api_keys/${merchant.api_key.id}/revoke`, { key: second, idempotencyKey: randomUUID(), body: {} });
    expect(revoked.json).toMatchObject({ id: merchant.api_key.id, status: 'revoked' });
    // API Gateway may answer from the authorizer's cached answer for this key until it expires (30 s as
    // deployed, E2E_AUTHORIZER_CACHE_SECONDS here; test/integration/handlers/authorizer-cache.test.ts); after it, refused.
    await new Promise((wait) => setTimeout(wait, E2E_AUTHORIZER_CACHE_SECONDS * 1000 + 100));
    expect((await api('GET', '/v1/payments', { key: first })).status).toBe(401);
    expect((await api('GET', '/v1/payments', { key: second })).status).toBe(200);

    const last = await api('POST', `/v1/api_keys/${created.json.id}/revoke`, { key: second, idempotencyKey: randomUUID(), body: {} });
    expect(last.json).toMatchObject({ status: 409, code: 'last_active_api_key' });
    const listed = await api('GET', '/v1/api_keys', { key: second });
    expect(listed.json.data.map((key: { id: string; status: string }) => [key.id, key.status])).toEqual([
      [created.json.id, 'active'],
      [merchant.api_key.id, 'revoked'],
    ]);
    expect(listed.text).not.toContain(second);
    expect(listed.text).not.toContain(first);
  });
});

describe('restricted keys', () => {
  it('opens only the routes of their scopes, at the gateway and behind it; a restricted key cannot mint or revoke more than it has', async () => {
    const merchant = await onboard('Keys Restricted Ltd');
    const secret = merchant.api_key.secret;
    const post = (key: string, path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });

    // A checkout server's key: take payments (and read them: write includes read), nothing else.
    const checkout = await post(secret, '/v1/api_keys', { scopes: ['payments:write'] });
    expect(checkout.status).toBe(201);
    expect(checkout.json).toMatchObject({ restricted: true, scopes: ['payments:write'], redacted_key: expect.stringMatching(/^rk_test_/) });
    const rk = checkout.json.secret as string;
    expect(rk).toMatch(/^rk_test_/);
    const payment = await post(rk, '/v1/payments', { amount: 1999, currency: 'USD', payment_method: testCard() });
    expect(payment.status).toBe(201);
    expect((await api('GET', `/v1/payments/${payment.json.id}`, { key: rk })).status).toBe(200);
    // Refused by the authorizer's policy (API Gateway's 403), before any function runs.
    for (const [method, path] of [
      ['GET', '/v1/balances'],
      ['GET', '/v1/payouts'],
      ['POST', '/v1/payouts'],
      ['POST', '/v1/beneficiaries'],
      ['POST', '/v1/api_keys'],
      ['POST', `/v1/api_keys/${merchant.api_key.id}/revoke`],
    ] as const) {
      const refused = method === 'GET' ? await api(method, path, { key: rk }) : await post(rk, path, {});
      expect([method, path, refused.status]).toEqual([method, path, 403]);
    }

    // A key manager may hand on what it has, never more, and never touch the secret keys.
    const manager = (await post(secret, '/v1/api_keys', { scopes: ['api_keys:write', 'payments:read'] })).json.secret as string;
    const reader = await post(manager, '/v1/api_keys', { scopes: ['payments:read'] });
    expect(reader.status).toBe(201);
    expect((await post(manager, '/v1/api_keys', { scopes: ['payouts:write'] })).json).toMatchObject({ status: 403, code: 'api_key_scope' });
    expect((await post(manager, '/v1/api_keys', {})).json).toMatchObject({ status: 403, code: 'api_key_scope' });
    expect((await post(manager, `/v1/api_keys/${merchant.api_key.id}/revoke`, {})).json).toMatchObject({ status: 403, code: 'api_key_scope' });
    expect((await post(manager, `/v1/api_keys/${reader.json.id}/revoke`, {})).json).toMatchObject({ id: reader.json.id, status: 'revoked' });

    // Bad scopes: 422 naming the field, nothing created.
    const bad = await post(secret, '/v1/api_keys', { scopes: ['payments:delete'] });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('scopes');
    const listed = await api('GET', '/v1/api_keys', { key: secret });
    expect(listed.json.data.map((key: { restricted: boolean; status: string }) => `${key.restricted ? 'rk' : 'sk'}:${key.status}`).sort()).toEqual([
      'rk:active',
      'rk:active',
      'rk:revoked',
      'sk:active',
    ]);
  });
});

describe('the operator CLI', () => {
  it('looks up a merchant, rotates and revokes its keys as ops_admin, and is refused admin actions as ops_viewer', async () => {
    const merchant = await onboard('Cli Merchant');
    const shown = await cli('ops', 'merchant', merchant.id);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: merchant.id, api_keys: { data: [{ id: merchant.api_key.id, status: 'active' }] } });
    expect(shown.stdout).not.toContain(merchant.api_key.secret);

    const asViewer = await cli('ops', 'create-key', merchant.id, '--role', 'ops_viewer');
    expect(asViewer.code).toBe(1);
    expect(JSON.parse(asViewer.stdout)).toMatchObject({ status: 403, code: 'forbidden' });

    const created = await cli('ops', 'create-key', merchant.id);
    expect(created.code).toBe(0);
    const second = JSON.parse(created.stdout) as { id: string; secret: string };
    const revoked = await cli('ops', 'revoke-key', merchant.id, merchant.api_key.id);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ status: 'revoked' });
    expect((await api('GET', '/v1/payments', { key: merchant.api_key.secret })).status).toBe(401);
    expect((await api('GET', '/v1/payments', { key: second.secret })).status).toBe(200);

    const audit = await cli('ops', 'audit', merchant.id);
    expect(JSON.parse(audit.stdout).data.map((entry: { action: string }) => entry.action)).toEqual(['api_key.revoke', 'api_key.create', 'merchant.onboard']);
  });

  it('finds a payment across merchants', async () => {
    const merchant = await onboard('Cli Payments');
    const created = await api('POST', '/v1/payments', {
      key: merchant.api_key.secret,
      idempotencyKey: randomUUID(),
      body: { amount: 1000, currency: 'USD', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    const found = await cli('ops', 'payment', created.json.id);
    expect(JSON.parse(found.stdout)).toMatchObject({ id: created.json.id, merchant_id: merchant.id });
  });
});

describe('a tampered audit entry', () => {
  it('is caught by npm run audit:verify and by the operator verification, at the changed entry', async () => {
    const merchant = await onboard('Tamper Target');
    await api('POST', '/v1/payments', {
      key: merchant.api_key.secret,
      idempotencyKey: randomUUID(),
      body: { amount: 4200, currency: 'EUR', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect((await cli('audit-verify', '--merchant', merchant.id)).code).toBe(0);
    expect((await cli('ops', 'verify-audit', merchant.id)).code).toBe(0);

    // Raise the recorded payment amount directly in DynamoDB Local, as someone with table access could.
    const runtime = JSON.parse(readFileSync(join(stateDir(), 'runtime.json'), 'utf8')) as { dynamoDbEndpoint: string };
    const client = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const documentClient = DynamoDBDocumentClient.from(client);
    try {
      const Items = (
        await Promise.all(
          Array.from({ length: AUDIT_STRIPES }, (_, stripe) =>
            documentClient.send(
              new QueryCommand({ TableName: tableName('audit'), KeyConditionExpression: 'pk = :chain', ExpressionAttributeValues: { ':chain': chainKey({ merchantId: merchant.id, region: deployment.primaryRegion, stripe }) } }),
            ),
          ),
        )
      ).flatMap((result) => result.Items ?? []);
      const payment = Items.find((item) => item.action === 'payment.create') as Record<string, unknown>;
      // The snapshots are stored deflated: change the entry's `after` and store it back with its old hash.
      const entry = toAuditEntry(payment);
      await documentClient.send(new PutCommand({ TableName: tableName('audit'), Item: auditItem({ ...entry, after: { ...(entry.after as object), amount: 1 } }) }));
      const verified = await cli('audit-verify', '--merchant', merchant.id);
      expect(verified.code).toBe(1);
      expect(verified.stdout).toContain(`BROKEN ${merchant.id} ${payment.region}/${payment.stripe}: first broken link at seq ${payment.seq} (hash_mismatch)`);
      const everything = await cli('audit-verify');
      expect(everything.code).toBe(1);
      expect(everything.stdout).toContain(`BROKEN ${merchant.id}`);
      const viaApi = await cli('ops', 'verify-audit', merchant.id);
      expect(viaApi.code).toBe(1);
      expect(JSON.parse(viaApi.stdout)).toMatchObject({ ok: false });
    } finally {
      client.destroy();
    }
  });
});
