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
 * Merchant routing rules over real HTTP (docs/decisions/0027-merchant-routing-rules.md): the merchant API's
 * `GET/POST /v1/routing_rules` and the operator API's `/v1/merchants/{id}/routing_rules`, against DynamoDB
 * Local. Each accepted POST stores the next version; a refused one is 422 naming the rule and the field and
 * leaves the version in force; every change is audited.
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

const onboard = async (name: string) => {
  const response = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name } });
  expect(response.status).toBe(201);
  return response.json as { id: string; api_key: { id: string; secret: string } };
};

const merchantCall = (key: string, method: string, path: string, body?: unknown, idempotencyKey: string = randomUUID()) =>
  request(apis.merchantUrl, method, path, { key, body, idempotencyKey: method === 'POST' ? idempotencyKey : undefined });

const bigEur = { id: 'big-eur', when: { currency: ['EUR'], amount: { EUR: { min: 100_000 } } }, then: { channels: ['atlas', 'boreal'] } };
const brlSplit = { id: 'brl-split', when: { currency: ['BRL'], card_brand: ['visa', 'mastercard'] }, then: { split: [{ channel: 'atlas', weight: 3 }, { channel: 'boreal', weight: 1 }] } };

describe('the merchant API', () => {
  it('answers version 0 with no rules before any is set, then each POST is the next version', async () => {
    const merchant = await onboard('Rules Co');
    const key = merchant.api_key.secret;
    expect((await merchantCall(key, 'GET', '/v1/routing_rules')).json).toEqual({ object: 'routing_rules', merchant_id: merchant.id, version: 0, rules: [], set_at: null });

    const first = await merchantCall(key, 'POST', '/v1/routing_rules', { rules: [bigEur] });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ object: 'routing_rules', merchant_id: merchant.id, version: 1, rules: [bigEur] });
    const second = await merchantCall(key, 'POST', '/v1/routing_rules', { rules: [brlSplit, bigEur] });
    expect(second.json).toMatchObject({ version: 2, rules: [brlSplit, bigEur] });
    expect((await merchantCall(key, 'GET', '/v1/routing_rules')).json).toEqual(second.json);

    // The same Idempotency-Key and body replays the answer; no third version.
    const idempotencyKey = randomUUID();
    const third = await merchantCall(key, 'POST', '/v1/routing_rules', { rules: [] }, idempotencyKey);
    const replay = await merchantCall(key, 'POST', '/v1/routing_rules', { rules: [] }, idempotencyKey);
    expect([third.json.version, replay.json.version, replay.headers.get('idempotent-replayed')]).toEqual([3, 3, 'true']);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown channel', { rules: [{ id: 'eu', when: { currency: ['EUR'] }, then: { channels: ['atlas', 'acme'] } }] }, 'rules.0.then.channels.1', /^rule 'eu': is not a channel: 'acme'/],
    ['an unknown field', { rules: [{ id: 'geo', when: { ip_country: ['DE'] }, then: { channels: ['atlas'] } }] }, 'rules.0.when.ip_country', /^rule 'geo': is not a recognized field/],
    ['a currency routed nowhere', { rules: [bigEur, { id: 'yen', when: { currency: ['JPY'] }, then: { channels: ['atlas'] } }] }, 'rules.1.when.currency.0', /^rule 'yen': would route JPY nowhere/],
    ['a weight that is not positive', { rules: [{ id: 'w', when: { currency: ['BRL'] }, then: { split: [{ channel: 'atlas', weight: 0 }, { channel: 'boreal', weight: 1 }] } }] }, 'rules.0.then.split.0.weight', /^rule 'w': must be a positive integer/],
    ['a body that does not parse as a rule set', { rules: 'atlas first' }, 'rules', /./],
  ])('refuses %s with 422 naming the rule and field; the version in force stays', async (_case, body, field, message) => {
    const merchant = await onboard('Careful Co');
    const key = merchant.api_key.secret;
    const inForce = await merchantCall(key, 'POST', '/v1/routing_rules', { rules: [brlSplit] });
    expect(inForce.status).toBe(200);

    const refused = await merchantCall(key, 'POST', '/v1/routing_rules', body);
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.json).toMatchObject({ code: 'validation_error', errors: expect.arrayContaining([{ field, message: expect.stringMatching(message) }]) });
    expect((await merchantCall(key, 'GET', '/v1/routing_rules')).json).toEqual(inForce.json);
    const stored = await new DynamoDbMerchantRepository(db.documentClient, tableName('merchants')).getMerchant(merchant.id);
    expect(stored?.routingRules?.version).toBe(1);
  });

  it('records each change in the merchant audit chain with the rule sets before and after', async () => {
    const merchant = await onboard('Audited Rules');
    await merchantCall(merchant.api_key.secret, 'POST', '/v1/routing_rules', { rules: [bigEur] });
    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(audit.json.data[0]).toMatchObject({
      action: 'routing_rules.set',
      actor: { type: 'merchant', merchant_id: merchant.id },
      target: { type: 'routing_rules', id: merchant.id },
      before: { version: 0, rules: [] },
      after: { version: 1, rules: [bigEur] },
    });
  });
});

describe('the operator API', () => {
  it('sets (ops_admin only) and reads (ops_viewer) a merchant rules, audited as the operator', async () => {
    const merchant = await onboard('Operated Co');
    const path = `/v1/merchants/${merchant.id}/routing_rules`;
    expect((await apis.asOperator('ops_viewer', 'POST', path, { body: { rules: [bigEur] } })).json).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await apis.asOperator('ops_admin', 'POST', `/v1/merchants/mer_${'n'.repeat(24)}/routing_rules`, { body: { rules: [bigEur] } })).json).toMatchObject({ status: 404 });

    const set = await apis.asOperator('ops_admin', 'POST', path, { body: { rules: [brlSplit] } });
    expect(set.json).toMatchObject({ object: 'routing_rules', merchant_id: merchant.id, version: 1, rules: [brlSplit] });
    const refused = await apis.asOperator('ops_admin', 'POST', path, { body: { rules: [{ id: 'x', then: { channels: ['atlas'] } }] } });
    expect(refused.json).toMatchObject({ status: 422, errors: expect.arrayContaining([{ field: 'rules.0.then.channels', message: expect.stringMatching(/^rule 'x': would route .* nowhere/) }]) });
    expect((await apis.asOperator('ops_viewer', 'GET', path)).json).toEqual(set.json);
    // The merchant sees what the operator set.
    expect((await merchantCall(merchant.api_key.secret, 'GET', '/v1/routing_rules')).json).toEqual(set.json);

    const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchant.id}/audit_entries`, { query: { limit: 1 } });
    expect(audit.json.data[0]).toMatchObject({
      action: 'merchant.routing_rules',
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin') },
      target: { type: 'merchant', id: merchant.id },
      after: { version: 1 },
    });
  });
});

describe('the stored rule set (DynamoDB)', () => {
  it('replaces a version only over the version read: a concurrent change is StaleVersionError, an unknown merchant undefined', async () => {
    const merchant = await onboard('Racing Co');
    const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
    const version = (number: number) => ({ version: number, rules: [], setAt: new Date().toISOString() });
    expect(await merchants.setRoutingRules(merchant.id, version(1), 0)).toEqual({ before: undefined });
    // Two writers that both read version 1: the first stores 2, the second is refused and stores nothing.
    expect(await merchants.setRoutingRules(merchant.id, version(2), 1)).toMatchObject({ before: { version: 1 } });
    await expect(merchants.setRoutingRules(merchant.id, version(2), 1)).rejects.toMatchObject({ name: 'StaleVersionError' });
    await expect(merchants.setRoutingRules(merchant.id, version(1), 0)).rejects.toMatchObject({ name: 'StaleVersionError' });
    expect((await merchants.getMerchant(merchant.id))?.routingRules?.version).toBe(2);
    expect(await merchants.setRoutingRules(`mer_${'q'.repeat(24)}`, version(1), 0)).toBeUndefined();
  });
});
