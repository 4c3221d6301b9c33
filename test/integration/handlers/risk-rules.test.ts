import { randomUUID } from 'node:crypto';
import { localOperatorArn } from '../../../local/iam/operators';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * Risk rule sets through both APIs, served by the local API Gateway emulator over real HTTP with DynamoDB
 * Local: versions, 422 naming the rule and field with the version in force kept, the operator's route
 * (ops_admin, audited), the merchant's own (audited).
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
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

const merchantCall = (key: string, method: string, path: string, body?: unknown) =>
  request(apis.merchantUrl, method, path, { key, body, idempotencyKey: method === 'POST' ? randomUUID() : undefined });

const onboard = async (name: string) => {
  const response = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name } });
  expect(response.status).toBe(201);
  return response.json as { id: string; api_key: { id: string; secret: string } };
};

const RULES = {
  rules: [
    { id: 'big_usd', when: { amount: { currency: 'USD', gte: 100_000 } }, score: 50 },
    { id: 'geo', when: { card_ip_country_mismatch: true }, score: 40 },
    { id: 'per_customer', when: { velocity: { per: 'customer', window_minutes: 60, gt: 3 } }, score: 80 },
  ],
  thresholds: { review: 50, block: 80 },
};

describe('a merchant sets its own risk rules', () => {
  it("answers the platform's defaults until it sets some, then each set is the next version", async () => {
    const merchant = await onboard('Rules Merchant');
    const initial = await merchantCall(merchant.api_key.secret, 'GET', '/v1/risk_rules');
    expect(initial.status).toBe(200);
    expect(initial.json).toMatchObject({ object: 'risk_rules', owner: 'platform', version: 1, thresholds: { review: null, block: 80 }, set_at: null });
    expect(initial.json.rules.map((rule: { id: string }) => rule.id)).toEqual(['card_velocity', 'large_amount']);

    const first = await merchantCall(merchant.api_key.secret, 'POST', '/v1/risk_rules', RULES);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ ...RULES, object: 'risk_rules', merchant_id: merchant.id, owner: 'merchant', version: 1 });
    const second = await merchantCall(merchant.api_key.secret, 'POST', '/v1/risk_rules', { ...RULES, thresholds: { block: 90 } });
    expect(second.json).toMatchObject({ owner: 'merchant', version: 2, thresholds: { review: null, block: 90 } });
    expect((await merchantCall(merchant.api_key.secret, 'GET', '/v1/risk_rules')).json).toEqual(second.json);

    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(audit.json.data[0]).toMatchObject({
      action: 'risk_rules.set',
      actor: { type: 'merchant', merchant_id: merchant.id },
      before: { version: 1, thresholds: { review: 50, block: 80 } },
      after: { version: 2, thresholds: { review: null, block: 90 } },
    });
  });

  it.each<[string, (rules: typeof RULES) => unknown, string, string]>([
    ['an unknown field', (rules) => ({ ...rules, rules: [rules.rules[0], { id: 'geo', when: { ip_cuntry: { in: ['US'] } }, score: 40 }] }), 'rules.1.when.ip_cuntry', 'rule geo: is not a recognized field'],
    ['an unknown velocity subject', (rules) => ({ ...rules, rules: [{ id: 'burst', when: { velocity: { per: 'device', window_minutes: 10, gt: 1 } }, score: 80 }] }), 'rules.0.when.velocity.per', 'rule burst: must be one of card, customer, ip'],
    ['a rule with no condition', (rules) => ({ ...rules, rules: [{ id: 'empty', when: {}, score: 10 }] }), 'rules.0.when', 'rule empty: must hold at least one condition'],
    ['a duplicate rule id', (rules) => ({ ...rules, rules: [rules.rules[0], rules.rules[0]] }), 'rules.1.id', 'rule big_usd: duplicates the id of an earlier rule'],
    ['a review threshold at the block threshold', (rules) => ({ ...rules, thresholds: { review: 80, block: 80 } }), 'thresholds.review', '`review` must be below `block`'],
    ['rules that are not a list', (rules) => ({ ...rules, rules: 'all of them' }), 'rules', 'must be a list of rules'],
    ['a version in the body (the platform numbers them)', (rules) => ({ ...rules, version: 7 }), 'version', 'is not a recognized field'],
  ])('refuses %s with 422 naming the rule and field, and keeps the version in force', async (_case, change, field, message) => {
    const merchant = await onboard('Refused Rules');
    const kept = await merchantCall(merchant.api_key.secret, 'POST', '/v1/risk_rules', RULES);
    expect(kept.json.version).toBe(1);
    const refused = await merchantCall(merchant.api_key.secret, 'POST', '/v1/risk_rules', change(RULES));
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ code: 'validation_error', errors: expect.arrayContaining([{ field, message }]) });
    expect((await merchantCall(merchant.api_key.secret, 'GET', '/v1/risk_rules')).json).toEqual(kept.json);
    const stored = await new DynamoDbMerchantRepository(db.documentClient, tableName('merchants')).getMerchant(merchant.id);
    expect(stored?.riskRules).toMatchObject({ owner: 'merchant', version: 1, thresholds: { review: 50, block: 80 } });
  });
});

describe('an operator sets a merchant risk rules', () => {
  it('ops_admin only, checked, audited; the merchant reads the same version', async () => {
    const merchant = await onboard('Operated Rules');
    const path = `/v1/merchants/${merchant.id}/risk_rules`;
    expect((await apis.asOperator('ops_viewer', 'POST', path, { body: RULES })).json).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await apis.asOperator('ops_viewer', 'GET', path)).json).toMatchObject({ owner: 'platform', version: 1 });
    expect((await apis.asOperator('ops_admin', 'POST', `/v1/merchants/mer_${'n'.repeat(24)}/risk_rules`, { body: RULES })).json).toMatchObject({ status: 404 });

    const bad = await apis.asOperator('ops_admin', 'POST', path, { body: { ...RULES, rules: [{ id: 'bins', when: { bin: { in: ['4242'] } }, score: 100 }] } });
    expect(bad.json).toMatchObject({ status: 422, errors: [{ field: 'rules.0.when.bin.in.0', message: 'rule bins: must be a BIN of 6 digits' }] });
    expect((await apis.asOperator('ops_viewer', 'GET', path)).json).toMatchObject({ owner: 'platform' });

    const set = await apis.asOperator('ops_admin', 'POST', path, { body: RULES });
    expect(set.json).toMatchObject({ ...RULES, owner: 'merchant', version: 1 });
    expect((await merchantCall(merchant.api_key.secret, 'GET', '/v1/risk_rules')).json).toEqual(set.json);
    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(audit.json.data[0]).toMatchObject({
      action: 'merchant.risk_rules',
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin') },
      target: { type: 'merchant', id: merchant.id },
      before: { owner: 'platform', version: 1 },
      after: { owner: 'merchant', version: 1 },
    });
  });
});
