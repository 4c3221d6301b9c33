import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { auditItem, chainKey, entrySortKey, toAuditEntry } from '../../../lambdas/adapters/dynamodb/audit-log';
import { localOperatorArn } from '../../../local/iam/operators';
import { operatorRequest } from '../../../lambdas/adapters/http/operator-client';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { DynamoDbPayoutRepository } from '../../../lambdas/adapters/dynamodb/payout-repository';
import { DynamoDbPricingRepository } from '../../../lambdas/adapters/dynamodb/pricing-repository';
import { reserved } from '../../../lambdas/domain/payouts/payout';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { checkedInSanctionsList } from '../../../lambdas/adapters/screening/checked-in-sanctions-list';
import { reservePayoutFunds } from '../../../lambdas/use-cases/payout-saga/reserve-payout-funds';
import { BENEFICIARIES } from '../../../bench/lib/treasury';
import { RecordingWorkflows } from '../../support/in-memory-repositories';
import { fundMerchant } from '../../support/funds';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { deployment } from '../../../platform/deployment';
import { tableName } from '../../../platform/tables';
import { apiGatewayEvent, lambdaContext } from '../../support/api-events';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The operator API served by the local API Gateway emulator with IAM (SigV4) authorization and the
 * ops_viewer / ops_admin route tables, over real sockets, next to the merchant API.
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;

const merchantCall = (key: string, method: string, path: string, body?: unknown) =>
  request(apis.merchantUrl, method, path, { key, body, idempotencyKey: method === 'POST' ? randomUUID() : undefined });

const onboard = async (name: string) => {
  const response = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name } });
  expect(response.status).toBe(201);
  return response.json as { id: string; api_key: { id: string; secret: string } };
};

/** The ledger as the payment saga and the acquirer's webhook post to it (the sagas are accepted, not run, here). */
const ledgerPostingDeps = () => ({
  ledger: new DynamoDbLedgerStore(db.documentClient, tableName('ledger')),
  pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
  region: deployment.primaryRegion,
  primaryRegion: deployment.primaryRegion,
  now: () => new Date(),
});

let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis();
});

afterAll(async () => {
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

describe('authentication and roles (what IAM does in AWS)', () => {
  it('refuses unsigned requests, unknown paths and undeclared methods alike: 403 missing_authentication', async () => {
    for (const [method, path] of [['GET', '/v1/merchants/mer_x'], ['GET', '/v1/nothing'], ['DELETE', '/v1/merchants/mer_x']] as const) {
      const response = await request(apis.operatorUrl, method, path);
      expect({ path, status: response.status, code: response.json?.code }).toEqual({ path, status: 403, code: 'missing_authentication' });
    }
    // A merchant key is no operator credential either.
    const merchant = await onboard('Key holder');
    expect((await request(apis.operatorUrl, 'GET', `/v1/merchants/${merchant.id}`, { key: merchant.api_key.secret })).status).toBe(403);
  });

  it('refuses a wrong secret (invalid_signature) and an unknown access key (invalid_credentials)', async () => {
    const viewer = apis.operators.find((operator) => operator.role === 'ops_viewer');
    const call = (accessKeyId: string, secretAccessKey: string) =>
      operatorRequest({ baseUrl: apis.operatorUrl, credentials: { accessKeyId, secretAccessKey }, method: 'GET', path: '/v1/merchants/mer_x' });
    expect((await call(viewer?.access_key_id as string, 'not-the-secret')).json).toMatchObject({ status: 403, code: 'invalid_signature' });
    expect((await call('ASIAUNKNOWNUNKNOWN00', 'whatever')).json).toMatchObject({ status: 403, code: 'invalid_credentials' });
  });

  it('lets ops_viewer read but not act: 403 forbidden, and nothing happens', async () => {
    const refused = await apis.asOperator('ops_viewer', 'POST', '/v1/merchants', { body: { name: 'Not allowed', id: 'mer_viewer_attempt' } });
    expect(refused.json).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/merchants/mer_viewer_attempt')).status).toBe(404);
  });

  it('refuses in the handler too when the caller is not an operator role allowed on the route', async () => {
    const { handler } = (await import('../../../lambdas/handlers/ops/onboard-merchant')) as { handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyResult> };
    const event = apiGatewayEvent({ method: 'POST', resource: '/v1/merchants', body: { name: 'Sneaky' } });
    for (const userArn of [null, localOperatorArn('ops_viewer'), 'arn:aws:sts::000000000000:assumed-role/SomeOtherRole/someone']) {
      const response = await handler({ ...event, requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, userArn } } }, lambdaContext('xborder-ops-onboard-merchant'));
      expect({ userArn, status: response.statusCode, code: JSON.parse(response.body).code }).toEqual({ userArn, status: 403, code: 'forbidden' });
    }
  });
});

describe('operator actions', () => {
  it('onboards a merchant whose first key, shown once, works on the merchant API', async () => {
    const merchant = await onboard('Aurora Games');
    expect(merchant).toMatchObject({ object: 'merchant', name: 'Aurora Games', status: 'active', api_key: { object: 'api_key', status: 'active' } });
    expect((await merchantCall(merchant.api_key.secret, 'GET', '/v1/payments')).status).toBe(200);
    const looked = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}`);
    expect(looked.status).toBe(200);
    expect(looked.json.api_keys.data).toEqual([expect.objectContaining({ id: merchant.api_key.id, status: 'active' })]);
    expect(looked.text).not.toContain(merchant.api_key.secret);
    const again = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name: 'Twice', id: merchant.id } });
    expect(again.json).toMatchObject({ status: 409, code: 'merchant_exists' });
  });

  it('rotates a merchant\'s key: a second key, the limit, then revoking even the last key takes effect at once', async () => {
    const merchant = await onboard('Rotation Ltd');
    const second = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/api_keys`, { body: {} });
    expect(second.status).toBe(201);
    expect(second.json.secret).toMatch(/^sk_test_/);
    expect((await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/api_keys`, { body: {} })).json).toMatchObject({ code: 'api_key_limit_reached' });
    for (const key of [merchant.api_key, second.json]) {
      const revoked = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/api_keys/${key.id}/revoke`, { body: {} });
      expect(revoked.json).toMatchObject({ id: key.id, status: 'revoked' });
      expect((await merchantCall(key.secret, 'GET', '/v1/payments')).status).toBe(401);
    }
    const foreign = await apis.asOperator('ops_admin', 'POST', `/v1/merchants/mer_someoneelse/api_keys/${merchant.api_key.id}/revoke`, { body: {} });
    expect(foreign.json).toMatchObject({ status: 404, code: 'resource_not_found' });
  });

  it('lists the audit log newest first with who did what, and verifies it; a tampered entry is caught', async () => {
    const merchant = await onboard('Audited Inc');
    await merchantCall(merchant.api_key.secret, 'POST', '/v1/api_keys', {});
    await apis.asOperator('ops_admin', 'POST', `/v1/merchants/${merchant.id}/api_keys/${merchant.api_key.id}/revoke`, { body: {} });
    const page = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 2 } });
    expect(page.status).toBe(200);
    expect(page.json.data.map((entry: { action: string }) => entry.action)).toEqual(['api_key.revoke', 'api_key.create']);
    expect(page.json.data[0].actor).toEqual({ type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin') });
    expect(page.json.data[1].actor).toMatchObject({ type: 'merchant', merchant_id: merchant.id, api_key: merchant.api_key.id });
    expect(page.json.has_more).toBe(true);
    const rest = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { starting_after: page.json.data[1].id } });
    expect(rest.json.data.map((entry: { action: string }) => entry.action)).toEqual(['merchant.onboard']);
    expect(JSON.stringify([page.json, rest.json])).not.toContain(merchant.api_key.secret);

    const verified = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_verification`);
    expect(verified.json).toMatchObject({ object: 'audit_verification', merchant_id: merchant.id, ok: true });

    const onboarding = rest.json.data[0] as { region: string; stripe: number; seq: number };
    // The snapshots are stored deflated: read the entry, rename the merchant in its `after`, store it back with its old hash.
    const key = { pk: chainKey({ merchantId: merchant.id, region: onboarding.region, stripe: onboarding.stripe }), sk: entrySortKey(onboarding.seq) };
    const stored = toAuditEntry((await db.documentClient.send(new GetCommand({ TableName: tableName('audit'), Key: key }))).Item as Record<string, unknown>);
    await db.documentClient.send(new PutCommand({ TableName: tableName('audit'), Item: auditItem({ ...stored, after: { ...(stored.after as object), name: 'Someone Else Inc' } }) }));
    const caught = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_verification`);
    expect(caught.json.ok).toBe(false);
    expect(caught.json.chains.filter((chain: { broken: unknown }) => chain.broken)).toEqual([
      expect.objectContaining({ region: onboarding.region, stripe: onboarding.stripe, broken: expect.objectContaining({ seq: onboarding.seq, reason: 'hash_mismatch' }) }),
    ]);
  });

  it('records the agent a request names (Operator-Agent, signed) next to the operator in the audit entry; a malformed name is 400 and changes nothing', async () => {
    const merchant = await onboard('Agent Audited Ltd');
    const revoke = `/v1/merchants/${merchant.id}/api_keys/${merchant.api_key.id}/revoke`;
    for (const agent of ['', 'two words', 'x'.repeat(65), '-leading-dash']) {
      const refused = await apis.asOperator('ops_admin', 'POST', revoke, { body: {}, headers: { 'Operator-Agent': agent } });
      expect({ agent, status: refused.status, code: refused.json?.code, field: refused.json?.errors?.[0]?.field }).toEqual({
        agent,
        status: 400,
        code: 'operator_agent_invalid',
        field: 'Operator-Agent',
      });
    }
    const before = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`);
    expect(before.json.data.map((entry: { action: string }) => entry.action)).toEqual(['merchant.onboard']);

    const revoked = await apis.asOperator('ops_admin', 'POST', revoke, { body: {}, headers: { 'Operator-Agent': 'mcp/test-agent' } });
    expect(revoked.status).toBe(200);
    const after = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(after.json.data[0]).toMatchObject({
      action: 'api_key.revoke',
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin'), agent: 'mcp/test-agent' },
    });
    // The agent is part of the hashed entry: the chain still verifies.
    expect((await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_verification`)).json.ok).toBe(true);
  });

  it('names the person behind a console session in AWS (the user pool sub of an identity-pool session) in the audit entry and the decision', async () => {
    const merchant = await onboard('Console Signed In Ltd');
    const { handler } = (await import('../../../lambdas/handlers/ops/revoke-api-key')) as { handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyResult> };
    const sub = '7f3e1c2a-94b1-4c1e-9a55-0b6a1f2d3e4c';
    const pool = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Operators1';
    const event = apiGatewayEvent({
      method: 'POST',
      resource: '/v1/merchants/{id}/api_keys/{key_id}/revoke',
      path: `/v1/merchants/${merchant.id}/api_keys/${merchant.api_key.id}/revoke`,
      pathParameters: { id: merchant.id, key_id: merchant.api_key.id },
      body: {},
    });
    const userArn = localOperatorArn('ops_admin', 'CognitoIdentityCredentials');
    const identity = { ...event.requestContext.identity, userArn, cognitoAuthenticationType: 'authenticated', cognitoAuthenticationProvider: `${pool},${pool}:CognitoSignIn:${sub}` };
    const response = await handler({ ...event, requestContext: { ...event.requestContext, identity } }, lambdaContext('xborder-ops-revoke-api-key'));
    expect(response.statusCode).toBe(200);
    const after = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(after.json.data[0]).toMatchObject({ action: 'api_key.revoke', actor: { type: 'operator', role: 'ops_admin', arn: userArn, user: sub } });
    expect((await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_verification`)).json.ok).toBe(true);
  });

  it('finds any merchant\'s payment by id, with its merchant', async () => {
    const merchant = await onboard('Payments Co');
    const created = await merchantCall(merchant.api_key.secret, 'POST', '/v1/payments', {
      amount: 1500,
      currency: 'JPY',
      payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } },
    });
    expect(created.status).toBe(201);
    const found = await apis.asOperator('ops_viewer', 'GET', `/v1/payments/${created.json.id}`);
    // Screened at create (decision 0038), though the sagas are accepted, not run, here: the operator sees the decision.
    expect(found.json).toEqual({ ...created.json, merchant_id: merchant.id, risk: { decision: 'approve', reasons: [], review: null, rules: 'platform/1', score: 0 } });
    expect((await apis.asOperator('ops_viewer', 'GET', `/v1/payments/pay_${'u'.repeat(26)}`)).json).toMatchObject({ status: 404, code: 'resource_not_found' });
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/payments/pay_unknown')).json).toMatchObject({ status: 422, errors: [{ field: 'id' }] });

    // The console's search: the merchant's payments by status, the timeline, the ledger (nothing posted: the saga is only accepted here).
    const status = created.json.status as string;
    const listed = await apis.asOperator('ops_viewer', 'GET', '/v1/payments', { query: { merchant: merchant.id, status } });
    expect(listed.json).toMatchObject({ object: 'list', has_more: false, next_starting_after: null, data: [{ ...created.json, merchant_id: merchant.id }] });
    const other = status === 'failed' ? 'succeeded' : 'failed';
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/payments', { query: { merchant: merchant.id, status: other } })).json.data).toEqual([]);
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/payments', { query: { status } })).json).toMatchObject({ status: 422, errors: [{ field: 'merchant' }] });
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/payments', { query: { merchant: merchant.id, status: 'lost' } })).json).toMatchObject({ status: 422, errors: [{ field: 'status' }] });
    const timeline = await apis.asOperator('ops_viewer', 'GET', `/v1/payments/${created.json.id}/events`);
    expect(timeline.json.data[0]).toMatchObject({ object: 'payment_event', type: 'payment.created', payment_id: created.json.id });
    expect((await apis.asOperator('ops_viewer', 'GET', `/v1/payments/${created.json.id}/ledger_transactions`)).json).toMatchObject({ object: 'list', data: [] });
    expect((await apis.asOperator('ops_viewer', 'GET', `/v1/payments/pay_${'u'.repeat(26)}/ledger_transactions`)).json).toMatchObject({ status: 404 });
  });
  it('shows a payout held for review with what matched, lets only ops_admin decide it, once, audited', async () => {
    const merchant = await onboard('Payouts Co');
    const postingDeps = ledgerPostingDeps();
    // Settled funds, as the payment saga and the acquirer's webhook post them.
    await postLedgerEvent(postingDeps, paymentCaptured, { merchantId: merchant.id, paymentId: 'pay_review_funds', channel: 'atlas', currency: 'USD', amount: 50_000, authorizedAmount: 50_000 });
    await postLedgerEvent(postingDeps, paymentSettled, { merchantId: merchant.id, paymentId: 'pay_review_funds', settlementId: 'stl_review_funds' });
    const beneficiary = await merchantCall(merchant.api_key.secret, 'POST', '/v1/beneficiaries', {
      name: 'Jose Manuel Alvarez Quintero',
      entity_type: 'individual',
      country: 'PA',
      currency: 'USD',
      bank_account: { rail: 'swift', bic: 'BOFAUS3N', account_number: '123456789012' },
    });
    expect(beneficiary.status).toBe(201);
    const created = await merchantCall(merchant.api_key.secret, 'POST', '/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 10_000, currency: 'USD', reference: 'Consulting' });
    expect(created.status).toBe(201);
    // What the workflow's Reserve step records on a sanctions hit (the workflows are accepted, not run, here).
    const payouts = new DynamoDbPayoutRepository(db.documentClient, tableName('payouts'), deployment.primaryRegion);
    const pending = (await payouts.getPayout(created.json.id, { consistent: true }))!;
    const hit = { entryId: 'XSL-0002', matchedName: 'ALVAREZ QUINTERO, Jose Manuel', score: 1, countryMatch: true, programs: ['XSL'] };
    await payouts.updatePayout(reserved(pending, { outcome: 'review', review: { reasons: ['sanctions_match'], hits: [hit], listVersion: 'test', screenedAt: new Date().toISOString() } }, new Date()));

    // The review queue lists it (every merchant's, oldest first), as the merchant's own list by status does.
    const queued = async () => ((await apis.asOperator('ops_viewer', 'GET', '/v1/payouts', { query: { limit: 100 } })).json.data as { id: string }[]).map((payout) => payout.id);
    expect(await queued()).toContain(created.json.id);
    const ofMerchant = await apis.asOperator('ops_viewer', 'GET', '/v1/payouts', { query: { merchant: merchant.id, status: 'in_review' } });
    expect(ofMerchant.json.data).toEqual([expect.objectContaining({ id: created.json.id, merchant_id: merchant.id, review: expect.objectContaining({ decision: null }) })]);
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/payouts', { query: { status: 'paid' } })).json).toMatchObject({ status: 422, errors: [{ field: 'merchant' }] });

    const shown = await apis.asOperator('ops_viewer', 'GET', `/v1/payouts/${created.json.id}`);
    expect(shown.json).toMatchObject({ id: created.json.id, merchant_id: merchant.id, status: 'in_review', review: { reasons: ['sanctions_match'], hits: [hit], decision: null } });
    // The merchant sees only `in_review`.
    const merchantView = await merchantCall(merchant.api_key.secret, 'GET', `/v1/payouts/${created.json.id}`);
    expect(merchantView.json.status).toBe('in_review');
    expect(merchantView.text).not.toContain('XSL-0002');

    expect((await apis.asOperator('ops_viewer', 'POST', `/v1/payouts/${created.json.id}/review`, { body: { decision: 'approve' } })).json).toMatchObject({ status: 403, code: 'forbidden' });
    const invalid = await apis.asOperator('ops_admin', 'POST', `/v1/payouts/${created.json.id}/review`, { body: { decision: 'maybe' } });
    expect(invalid.json).toMatchObject({ status: 422, errors: [{ field: 'decision' }] });
    expect((await payouts.getPayout(created.json.id, { consistent: true }))?.status).toBe('in_review');

    const approved = await apis.asOperator('ops_admin', 'POST', `/v1/payouts/${created.json.id}/review`, { body: { decision: 'approve', note: 'Different date of birth' } });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'pending', review: { decision: 'approve', decidedBy: expect.stringMatching(/^ops_admin\//), note: 'Different date of birth' } });
    expect(await queued()).not.toContain(created.json.id);
    const reversed = await apis.asOperator('ops_admin', 'POST', `/v1/payouts/${created.json.id}/review`, { body: { decision: 'reject' } });
    expect(reversed.json).toMatchObject({ status: 409, code: 'payout_not_in_review' });
    expect((await apis.asOperator('ops_admin', 'GET', `/v1/payouts/po_${'n'.repeat(26)}`)).json).toMatchObject({ status: 404 });

    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(audit.json.data[0]).toMatchObject({
      action: 'payout.review',
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin') },
      target: { type: 'payout', id: created.json.id },
    });
  });

  it("sets a merchant's own payout limits (ops_admin only, checked, audited) and the Reserve step screens against them", async () => {
    const merchant = await onboard('Limited Co');
    const path = `/v1/merchants/${merchant.id}/payout_limits`;
    expect((await apis.asOperator('ops_viewer', 'POST', path, { body: { currency: 'USD', review_limit: 5_000 } })).json).toMatchObject({ status: 403, code: 'forbidden' });
    for (const [body, field] of [
      [{ currency: 'XXX', review_limit: 5_000 }, 'currency'],
      [{ currency: 'USD', review_limit: -5 }, 'review_limit'],
      [{ currency: 'USD', daily_limit: 1.5 }, 'daily_limit'],
      [{ currency: 'USD', review_limit: 5_000, extra: true }, 'extra'],
    ] as const) {
      expect((await apis.asOperator('ops_admin', 'POST', path, { body })).json).toMatchObject({ status: 422, errors: [expect.objectContaining({ field })] });
    }
    expect((await apis.asOperator('ops_admin', 'POST', `/v1/merchants/mer_${'n'.repeat(24)}/payout_limits`, { body: { currency: 'USD', review_limit: 5_000 } })).json).toMatchObject({ status: 404 });
    const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
    expect((await merchants.getMerchant(merchant.id))?.payoutLimits).toBeUndefined();

    const set = await apis.asOperator('ops_admin', 'POST', path, { body: { currency: 'USD', review_limit: 5_000 } });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({
      object: 'payout_limits',
      merchant_id: merchant.id,
      currency: 'USD',
      review_limit: 5_000,
      new_beneficiary_limit: 1_000,
      daily_limit: 20_000,
      merchant_set: { review_limit: 5_000, daily_limit: null },
    });
    // A field left out keeps its value; null returns a limit to the platform's.
    const daily = await apis.asOperator('ops_admin', 'POST', path, { body: { currency: 'USD', daily_limit: 8_000 } });
    expect(daily.json).toMatchObject({ review_limit: 5_000, daily_limit: 8_000, merchant_set: { review_limit: 5_000, daily_limit: 8_000 } });
    const eur = await apis.asOperator('ops_admin', 'POST', path, { body: { currency: 'EUR', review_limit: 100 } });
    const eurCleared = await apis.asOperator('ops_admin', 'POST', path, { body: { currency: 'EUR', review_limit: null } });
    expect([eur.json.review_limit, eurCleared.json.review_limit]).toEqual([100, 4_500_000]);
    expect((await merchants.getMerchant(merchant.id))?.payoutLimits).toEqual({ USD: { review: 5_000, daily: 8_000 } });

    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 3 } });
    expect(audit.json.data[2]).toMatchObject({
      action: 'merchant.payout_limits',
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin') },
      target: { type: 'merchant', id: merchant.id },
      before: { currency: 'USD', review_limit: 5_000, daily_limit: 20_000 },
      after: { currency: 'USD', review_limit: 5_000, daily_limit: 8_000 },
    });

    // A payout of 6,000 (far under the platform's USD 5,000,000) is held for review: it is at the merchant's limit.
    const postingDeps = ledgerPostingDeps();
    await fundMerchant(postingDeps, merchant.id, 50_000, 'USD');
    const beneficiary = await merchantCall(merchant.api_key.secret, 'POST', '/v1/beneficiaries', BENEFICIARIES.swift_sg.body);
    expect(beneficiary.status).toBe(201);
    const created = await merchantCall(merchant.api_key.secret, 'POST', '/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 6_000, currency: 'USD', reference: 'Limits' });
    expect(created.status).toBe(201);
    const payouts = new DynamoDbPayoutRepository(db.documentClient, tableName('payouts'), deployment.primaryRegion);
    await reservePayoutFunds(
      { payouts, ledger: postingDeps, sanctions: checkedInSanctionsList, merchants, workflows: new RecordingWorkflows(), now: () => new Date() },
      { payoutId: created.json.id },
    );
    const held = await payouts.getPayout(created.json.id, { consistent: true });
    expect(held?.review?.reasons).toEqual(expect.arrayContaining(['amount_limit', 'new_beneficiary']));
  });
});

describe('ledger verification (the verifier of npm run ledger:verify, as an operator route)', () => {
  it('reports the ledger consistent, then names the difference when a balance item disagrees with the journal', async () => {
    const merchant = await onboard('Verified Ledger Ltd');
    await fundMerchant(ledgerPostingDeps(), merchant.id, 12_345, 'USD');
    const verified = await apis.asOperator('ops_viewer', 'GET', '/v1/ledger/verification');
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ object: 'ledger_verification', complete: true, ok: true, differences: [] });
    expect(verified.json.transactions).toBeGreaterThan(0);
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/ledger/verification', { query: { full: 'yes' } })).status).toBe(422);

    const shards = await db.documentClient.send(
      new ScanCommand({ TableName: tableName('ledger'), FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': `bal#${merchant.id}#` } }),
    );
    const shard = shards.Items?.find((item) => typeof item.available === 'number' && item.available > 0);
    expect(shard).toBeDefined();
    const nudge = (by: number) =>
      db.documentClient.send(
        new UpdateCommand({ TableName: tableName('ledger'), Key: { pk: shard?.pk, sk: shard?.sk }, UpdateExpression: 'ADD available :by', ExpressionAttributeValues: { ':by': by } }),
      );
    await nudge(1);
    try {
      const caught = await apis.asOperator('ops_viewer', 'GET', '/v1/ledger/verification');
      expect(caught.json).toMatchObject({ complete: true, ok: false });
      expect(JSON.stringify(caught.json.differences)).toContain(merchant.id);
    } finally {
      await nudge(-1);
    }
    expect((await apis.asOperator('ops_viewer', 'GET', '/v1/ledger/verification')).json.ok).toBe(true);
  });
});
