import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { DynamoDbAuditLog } from '../../../lambdas/adapters/dynamodb/audit-log';
import { DynamoDbEventStore } from '../../../lambdas/adapters/dynamodb/event-store';
import { type EventPage, eventId, pagesOf } from '../../../lambdas/domain/events';
import { DynamoDbLedgerStore } from '../../../lambdas/adapters/dynamodb/ledger-store';
import { DynamoDbMerchantRepository } from '../../../lambdas/adapters/dynamodb/merchant-repository';
import { DynamoDbPaymentRepository } from '../../../lambdas/adapters/dynamodb/payment-repository';
import type { Payment } from '../../../lambdas/domain/payment';
import { type Transition, recordAuthorization, recordAwaitingCapture, recordSuccess } from '../../../lambdas/domain/payment-lifecycle';
import { changePayment } from '../../../lambdas/use-cases/payment-saga/change-payment';
import { DynamoDbPricingRepository } from '../../../lambdas/adapters/dynamodb/pricing-repository';
import { postLedgerEvent, type CapturePostingDeps } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { deriveId } from '../../../lambdas/domain/ids';
import { refundAttributes } from '../../../lambdas/adapters/dynamodb/payment-items';
import { LIST_SHARDS, listPartitions } from '../../../lambdas/adapters/dynamodb/payment-repository';
import { shardOf } from '../../../lambdas/domain/shards';
import { newRefund } from '../../../lambdas/domain/refund';
import { onboardMerchant } from '../../../lambdas/use-cases/onboard-merchant';
import { deployment } from '../../../platform/deployment';
import { type FunctionDeclaration, functions } from '../../../platform/functions';
import { type RouteDeclaration, requiresMerchantKey, routes } from '../../../platform/routes';
import { tableName } from '../../../platform/tables';
import { useIsolatedDynamoDb } from '../../support/dynamodb';
import { type HttpResponse, request } from '../../support/http';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * Merchant A cannot read or change merchant B's objects, on every merchant route (issue 5). Requests go over
 * HTTP through the local API Gateway emulator and the real merchant authorizer, with real keys.
 *
 * The table below must have one case per route of platform/routes.ts: the first test fails when a route
 * has none, so a new endpoint is not done until it proves isolation. Most new routes are one line:
 *   'POST /v1/payments/{id}/capture': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/payments/${ctx.owner.payment.id}/capture`, body: {} })),
 * (the intruder gets 404, exactly like an unknown id, and the owner's object reads the same afterwards).
 */
interface Merchant {
  readonly id: string;
  readonly key: string;
  readonly keyId: string;
}

interface Context {
  readonly owner: Merchant & {
    readonly payment: { id: string };
    readonly paymentIdempotencyKey: string;
    readonly lineId: string;
    readonly refundId: string;
    readonly quoteId: string;
    readonly conversionId: string;
    readonly beneficiaryId: string;
    readonly payoutId: string;
    readonly endpointId: string;
    readonly eventId: string;
  };
  readonly intruder: Merchant;
  /** A request with a merchant's key (and a fresh Idempotency-Key for POSTs). */
  as(merchant: Merchant, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpResponse>;
}

type IsolationCase = (ctx: Context) => Promise<void>;

/** The intruder's request answers 404 `resource_not_found`, and the owner's view of its objects is unchanged. */
const foreignObjectIsNotFound =
  (attempt: (ctx: Context) => { method: string; path: string; body?: unknown }): IsolationCase =>
  async (ctx) => {
    const before = await ownerView(ctx);
    const { method, path, body } = attempt(ctx);
    const response = await ctx.as(ctx.intruder, method, path, body);
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 404, code: 'resource_not_found' });
    expect(await ownerView(ctx)).toEqual(before);
  };

/** Everything the owner can see of its own objects, to prove an intruder's request changed none of them. */
const ownerView = async (ctx: Context) => {
  const read = async (path: string) => (await ctx.as(ctx.owner, 'GET', path)).json;
  return {
    payment: await read(`/v1/payments/${ctx.owner.payment.id}`),
    payments: await read('/v1/payments?limit=100'),
    refunds: await read('/v1/refunds?limit=100'),
    keys: await read('/v1/api_keys?limit=100'),
    balance: await read('/v1/balances'),
    lines: await read('/v1/balance_transactions?limit=100'),
    quote: await read(`/v1/fx/quotes/${ctx.owner.quoteId}`),
    conversion: await read(`/v1/conversions/${ctx.owner.conversionId}`),
    conversions: await read('/v1/conversions?limit=100'),
    beneficiaries: await read('/v1/beneficiaries?limit=100'),
    payouts: await read('/v1/payouts?limit=100'),
    endpoints: await read('/v1/webhook_endpoints?limit=100'),
    events: await read('/v1/events?limit=100'),
  };
};

const idsOf = (list: { data: { id: string }[] }) => list.data.map((item) => item.id);

const cases: Record<string, IsolationCase> = {
  'POST /v1/payments': async (ctx) => {
    const before = await ownerView(ctx);
    // The owner's Idempotency-Key, reused by the intruder: keys are per merchant, so this is a new payment of its own.
    const response = await ctx.as(ctx.intruder, 'POST', '/v1/payments', paymentBody, ctx.owner.paymentIdempotencyKey);
    expect(response.status).toBe(201);
    expect(response.json.id).not.toBe(ctx.owner.payment.id);
    expect(await ownerView(ctx)).toEqual(before);
  },
  'GET /v1/payments': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/payments?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.payment.id);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/payments?starting_after=${ctx.owner.payment.id}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/payments/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/payments/${ctx.owner.payment.id}` })),
  'GET /v1/balances': async (ctx) => {
    const balance = await ctx.as(ctx.intruder, 'GET', '/v1/balances');
    expect(balance.status).toBe(200);
    expect(balance.json).toMatchObject({ available: [], pending: [], reserved: [] });
  },
  'GET /v1/balance_transactions': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/balance_transactions?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.lineId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/balance_transactions?starting_after=${ctx.owner.lineId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/reports/balance_transactions': async (ctx) => {
    const window = `created[gte]=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&created[lt]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    // The owner's report lists its line (so the intruder's absence of it means something)...
    const own = await ctx.as(ctx.owner, 'GET', `/v1/reports/balance_transactions?${window}`);
    expect(own.status).toBe(200);
    expect(own.text).toContain(ctx.owner.lineId);
    // ...the intruder's, over the same window, does not.
    const report = await ctx.as(ctx.intruder, 'GET', `/v1/reports/balance_transactions?${window}`);
    expect(report.status).toBe(200);
    expect(report.text).not.toContain(ctx.owner.lineId);
  },
  'POST /v1/api_keys': async (ctx) => {
    const before = await ownerView(ctx);
    const created = await ctx.as(ctx.intruder, 'POST', '/v1/api_keys', {});
    expect(created.status).toBe(201);
    expect(idsOf((await ctx.as(ctx.intruder, 'GET', '/v1/api_keys')).json)).toContain(created.json.id);
    expect(await ownerView(ctx)).toEqual(before);
    // Back to one key, so the intruder's limit does not depend on the order cases run in.
    await ctx.as(ctx.intruder, 'POST', `/v1/api_keys/${created.json.id}/revoke`, {});
  },
  'GET /v1/api_keys': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/api_keys?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(`key_${ctx.owner.keyId}`);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/api_keys?starting_after=key_${ctx.owner.keyId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'POST /v1/routing_rules': async (ctx) => {
    const ownersRules = (await ctx.as(ctx.owner, 'GET', '/v1/routing_rules')).json;
    const set = await ctx.as(ctx.intruder, 'POST', '/v1/routing_rules', { rules: [{ id: 'intruder', when: { currency: ['EUR'] }, then: { channels: ['atlas'] } }] });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ merchant_id: ctx.intruder.id, rules: [{ id: 'intruder' }] });
    expect((await ctx.as(ctx.owner, 'GET', '/v1/routing_rules')).json).toEqual(ownersRules);
  },
  'POST /v1/risk_rules': async (ctx) => {
    const ownersRules = (await ctx.as(ctx.owner, 'GET', '/v1/risk_rules')).json;
    const set = await ctx.as(ctx.intruder, 'POST', '/v1/risk_rules', { rules: [], thresholds: { block: 80 } });
    expect(set.status).toBe(200);
    expect(set.json.merchant_id).toBe(ctx.intruder.id);
    expect((await ctx.as(ctx.owner, 'GET', '/v1/risk_rules')).json).toEqual(ownersRules);
  },
  'GET /v1/risk_rules': async (ctx) => {
    const read = await ctx.as(ctx.intruder, 'GET', '/v1/risk_rules');
    expect(read.status).toBe(200);
    expect(read.json.merchant_id).toBe(ctx.intruder.id);
  },
  'GET /v1/routing_rules': async (ctx) => {
    const read = await ctx.as(ctx.intruder, 'GET', '/v1/routing_rules');
    expect(read.status).toBe(200);
    expect(read.json.merchant_id).toBe(ctx.intruder.id);
  },
  'POST /v1/api_keys/{id}/revoke': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/api_keys/key_${ctx.owner.keyId}/revoke`, body: {} })),
  'POST /v1/payments/{id}/capture': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/payments/${ctx.owner.payment.id}/capture`, body: {} })),
  'POST /v1/payments/{id}/cancel': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/payments/${ctx.owner.payment.id}/cancel`, body: {} })),
  'GET /v1/payments/{id}/events': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/payments/${ctx.owner.payment.id}/events` })),
  'POST /v1/refunds': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: '/v1/refunds', body: { payment_id: ctx.owner.payment.id } })),
  'GET /v1/refunds': async (ctx) => {
    // The owner's refund is listed to the owner...
    expect(idsOf((await ctx.as(ctx.owner, 'GET', '/v1/refunds?limit=100')).json)).toContain(ctx.owner.refundId);
    // ...and to nobody else, neither in the whole list nor as the owner's payment's refunds.
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/refunds?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.refundId);
    const filtered = await ctx.as(ctx.intruder, 'GET', `/v1/refunds?payment=${ctx.owner.payment.id}`);
    expect({ status: filtered.status, ids: idsOf(filtered.json) }).toEqual({ status: 200, ids: [] });
    for (const cursor of ['starting_after', 'ending_before']) {
      const response = await ctx.as(ctx.intruder, 'GET', `/v1/refunds?${cursor}=${ctx.owner.refundId}`);
      expect({ status: response.status, field: response.json?.errors?.[0]?.field }).toEqual({ status: 422, field: cursor });
    }
  },
  'GET /v1/refunds/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/refunds/${ctx.owner.refundId}` })),
  'POST /v1/fx/quotes': async (ctx) => {
    const before = await ownerView(ctx);
    const quote = await ctx.as(ctx.intruder, 'POST', '/v1/fx/quotes', quoteBody);
    expect(quote.status).toBe(201);
    expect(quote.json.id).not.toBe(ctx.owner.quoteId);
    expect(await ownerView(ctx)).toEqual(before);
  },
  'GET /v1/fx/quotes/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/fx/quotes/${ctx.owner.quoteId}` })),
  // The owner's quote is used already: a foreign one must still look unknown, not "used".
  'POST /v1/conversions': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: '/v1/conversions', body: { quote_id: ctx.owner.quoteId } })),
  'GET /v1/conversions': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/conversions?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.conversionId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/conversions?starting_after=${ctx.owner.conversionId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/conversions/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/conversions/${ctx.owner.conversionId}` })),
  'POST /v1/beneficiaries': async (ctx) => {
    const before = await ownerView(ctx);
    const created = await ctx.as(ctx.intruder, 'POST', '/v1/beneficiaries', beneficiaryBody);
    expect(created.status).toBe(201);
    expect(created.json.id).not.toBe(ctx.owner.beneficiaryId);
    expect(await ownerView(ctx)).toEqual(before);
  },
  'GET /v1/beneficiaries': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/beneficiaries?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.beneficiaryId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/beneficiaries?starting_after=${ctx.owner.beneficiaryId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/beneficiaries/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/beneficiaries/${ctx.owner.beneficiaryId}` })),
  'POST /v1/payouts': foreignObjectIsNotFound((ctx) => ({
    method: 'POST',
    path: '/v1/payouts',
    body: { beneficiary_id: ctx.owner.beneficiaryId, amount: 100, currency: 'EUR', reference: 'Isolation' },
  })),
  'GET /v1/payouts': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/payouts?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.payoutId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/payouts?starting_after=${ctx.owner.payoutId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/payouts/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/payouts/${ctx.owner.payoutId}` })),
  'POST /v1/payouts/{id}/cancel': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/payouts/${ctx.owner.payoutId}/cancel`, body: {} })),
  'POST /v1/webhook_endpoints': async (ctx) => {
    const before = await ownerView(ctx);
    const created = await ctx.as(ctx.intruder, 'POST', '/v1/webhook_endpoints', { url: 'https://hooks.intruder.example/x', enabled_events: ['*'] });
    expect(created.status).toBe(201);
    expect(created.json.id).not.toBe(ctx.owner.endpointId);
    expect(await ownerView(ctx)).toEqual(before);
  },
  'GET /v1/webhook_endpoints': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/webhook_endpoints?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.endpointId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/webhook_endpoints?starting_after=${ctx.owner.endpointId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/webhook_endpoints/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/webhook_endpoints/${ctx.owner.endpointId}` })),
  'POST /v1/webhook_endpoints/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/webhook_endpoints/${ctx.owner.endpointId}`, body: { disabled: true } })),
  'DELETE /v1/webhook_endpoints/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'DELETE', path: `/v1/webhook_endpoints/${ctx.owner.endpointId}` })),
  'POST /v1/webhook_endpoints/{id}/rotate_secret': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/webhook_endpoints/${ctx.owner.endpointId}/rotate_secret`, body: {} })),
  'GET /v1/events': async (ctx) => {
    const listed = await ctx.as(ctx.intruder, 'GET', '/v1/events?limit=100');
    expect(listed.status).toBe(200);
    expect(idsOf(listed.json)).not.toContain(ctx.owner.eventId);
    const cursor = await ctx.as(ctx.intruder, 'GET', `/v1/events?starting_after=${ctx.owner.eventId}`);
    expect({ status: cursor.status, field: cursor.json?.errors?.[0]?.field }).toEqual({ status: 422, field: 'starting_after' });
  },
  'GET /v1/events/{id}': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/events/${ctx.owner.eventId}` })),
  'GET /v1/events/{id}/deliveries': foreignObjectIsNotFound((ctx) => ({ method: 'GET', path: `/v1/events/${ctx.owner.eventId}/deliveries` })),
  'POST /v1/events/{id}/redeliver': foreignObjectIsNotFound((ctx) => ({ method: 'POST', path: `/v1/events/${ctx.owner.eventId}/redeliver`, body: {} })),
  // Not a merchant route: acquirers sign their webhooks. A merchant key opens nothing there.
  'POST /v1/channel_events/{channel}': async (ctx) => {
    const before = await ownerView(ctx);
    const response = await ctx.as(ctx.intruder, 'POST', '/v1/channel_events/atlas', { object: 'list', data: [{ id: 'evt_x', type: 'capture.settled', data: { object: {} } }] });
    expect({ status: response.status, code: response.json?.code }).toEqual({ status: 401, code: 'unauthorized' });
    expect(await ownerView(ctx)).toEqual(before);
  },
  // Not a merchant route either: the payout rails sign their callbacks. A merchant key changes nothing there.
  'POST /v1/rail_events/{channel}': async (ctx) => {
    // The rail's signing secret is configured, as it always is where the route is deployed (a secret of the
    // function, platform/functions.ts); the intruder does not hold it.
    const configured = process.env.PULSE_WEBHOOK_SECRETS;
    process.env.PULSE_WEBHOOK_SECRETS = configured ?? 'pulse-isolation-secret';
    try {
      const before = await ownerView(ctx);
      const response = await ctx.as(ctx.intruder, 'POST', '/v1/rail_events/pulse', { id: 'evt_x', type: 'payment.returned', data: { idempotency_key: ctx.owner.payment.id } });
      expect({ status: response.status, code: response.json?.code }).toEqual({ status: 401, code: 'unauthorized' });
      expect(await ownerView(ctx)).toEqual(before);
    } finally {
      if (configured === undefined) delete process.env.PULSE_WEBHOOK_SECRETS;
    }
  },
  'GET /v1/openapi.json': async (ctx) => {
    const before = await ownerView(ctx);
    const response = await ctx.as(ctx.intruder, 'GET', '/v1/openapi.json');
    // The same document for anyone, built from schemas: it names no merchant's object.
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.json)).not.toContain(ctx.owner.payment.id);
    expect(await ownerView(ctx)).toEqual(before);
  },
};

const paymentBody = {
  amount: 2500,
  currency: 'EUR',
  payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } },
};

const quoteBody = { sell_currency: 'EUR', buy_currency: 'USD', sell_amount: 500, validity: 'HR_24' };
const beneficiaryBody = {
  name: 'Jana Novakova',
  entity_type: 'individual',
  country: 'DE',
  currency: 'EUR',
  bank_account: { rail: 'sepa', iban: 'DE89370400440532013000' },
};

let apis: LocalApis;
let kms: TestKms;
let ctx: Context;
let audit: DynamoDbAuditLog;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let testDb: Awaited<ReturnType<typeof useIsolatedDynamoDb>>;
let testPostingDeps: CapturePostingDeps;

beforeAll(async () => {
  const db = await useIsolatedDynamoDb();
  testDb = db;
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis();
  const merchants = new DynamoDbMerchantRepository(db.documentClient, tableName('merchants'));
  audit = new DynamoDbAuditLog(db.documentClient, tableName('audit'), deployment.primaryRegion);
  const onboard = async (name: string): Promise<Merchant> => {
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name });
    return { id: onboarded.merchant.id, key: onboarded.secretKey, keyId: onboarded.key.keyId };
  };
  const as: Context['as'] = (merchant, method, path, body, idempotencyKey) =>
    request(apis.merchantUrl, method, path, {
      key: merchant.key,
      body,
      idempotencyKey: method === 'POST' ? (idempotencyKey ?? randomUUID()) : undefined,
    });
  const owner = await onboard('Owner');
  const intruder = await onboard('Intruder');
  const paymentIdempotencyKey = randomUUID();
  const payment = await as(owner, 'POST', '/v1/payments', paymentBody, paymentIdempotencyKey);
  expect(payment.status).toBe(201);
  const ledger = new DynamoDbLedgerStore(db.documentClient, tableName('ledger'));
  const postingDeps = {
    ledger,
    pricing: new DynamoDbPricingRepository(db.documentClient, tableName('merchants')),
    region: deployment.primaryRegion,
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };
  testPostingDeps = postingDeps;
  // What the payment saga and the acquirer's settlement webhook post (the sagas are not under test here).
  await postLedgerEvent(postingDeps, paymentCaptured, { merchantId: owner.id, paymentId: payment.json.id, channel: 'acq_sim', currency: 'EUR', amount: 2500, authorizedAmount: 2500 });
  await postLedgerEvent(postingDeps, paymentSettled, { merchantId: owner.id, paymentId: payment.json.id, settlementId: `stl_${payment.json.id}` });
  const lines = await as(owner, 'GET', '/v1/balance_transactions');
  expect(lines.json.data).toHaveLength(1);
  // The owner's treasury objects: a used quote and its conversion, a beneficiary, a payout (its saga accepted, not run).
  const quote = await as(owner, 'POST', '/v1/fx/quotes', quoteBody);
  expect(quote.status).toBe(201);
  const conversion = await as(owner, 'POST', '/v1/conversions', { quote_id: quote.json.id });
  expect(conversion.status).toBe(201);
  const beneficiary = await as(owner, 'POST', '/v1/beneficiaries', beneficiaryBody);
  expect(beneficiary.status).toBe(201);
  const payout = await as(owner, 'POST', '/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 300, currency: 'EUR', reference: 'Isolation' });
  expect(payout.status).toBe(201);
  // One refund of the owner's (its saga is not under test here): stored as the refund endpoint stores it, in the refund list.
  const refund = newRefund({ id: deriveId('re', owner.id, 'isolation', randomUUID()), merchantId: owner.id, paymentId: payment.json.id, amount: 100, currency: 'EUR', reason: null, requestFingerprint: 'f', now: new Date() });
  const listKeys = { merchant_type: listPartitions(owner.id, 'refund')[shardOf(refund.id, LIST_SHARDS)], created_key: `${refund.createdAt}#${refund.id}` };
  await db.documentClient.send(
    new PutCommand({ TableName: tableName('payments'), Item: { pk: refund.id, sk: 'refund', ...listKeys, ...refundAttributes(refund) } }),
  );
  // One endpoint and one event of the owner's (the outbox is not under test here: its page is stored as it stores pages).
  const endpoint = await as(owner, 'POST', '/v1/webhook_endpoints', { url: 'https://hooks.owner.example/x', enabled_events: ['*'] });
  expect(endpoint.status).toBe(201);
  const [page] = pagesOf([{ merchantId: owner.id, type: 'payment.created', objectId: payment.json.id, sequence: 1, createdMs: Date.now(), object: payment.json }], 'isolation');
  await new DynamoDbEventStore(db.documentClient, tableName('events')).putPages([page as EventPage]);
  ctx = {
    owner: {
      ...owner,
      payment: payment.json,
      paymentIdempotencyKey,
      lineId: lines.json.data[0].id,
      refundId: refund.id,
      quoteId: quote.json.id,
      conversionId: conversion.json.id,
      beneficiaryId: beneficiary.json.id,
      payoutId: payout.json.id,
      endpointId: endpoint.json.id,
      eventId: eventId((page as EventPage).key, 0),
    },
    intruder,
    as,
  };
}, 60_000);

afterAll(async () => {
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

it('has an isolation case for every route of platform/routes.ts, and none for a route that does not exist', () => {
  expect(Object.keys(cases).sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
});

it.each(routes.map((route) => `${route.method} ${route.path}`))('%s: merchant B cannot read or change merchant A\'s objects', async (route) => {
  const isolationCase = cases[route];
  if (!isolationCase) throw new Error(`No isolation case for ${route}: add one to the table in this file`);
  await isolationCase(ctx);
});

it("records each merchant's actions in its own audit chain only", async () => {
  for (const merchant of [ctx.owner, ctx.intruder]) {
    const page = await audit.list(merchant.id, { limit: 100 });
    expect(page.entries.length).toBeGreaterThan(0);
    for (const entry of page.entries) expect(entry.actor).toMatchObject({ type: 'merchant', merchant_id: merchant.id });
  }
});

/**
 * Each merchant request that changes something, made successfully by a merchant of its own (the auditor), appends
 * exactly one entry to that merchant's audit chain: the handler's declared action, on the object it changed, by that
 * merchant and key. A handler that declares an action and records nothing fails here.
 */
type AuditedRequest = (auditor: Auditor) => Promise<{ method: string; path: string; body?: unknown; target?: string }>;

interface Auditor extends Merchant {
  /** A manual payment of the auditor's, authorized and waiting for its capture or cancel. */
  awaitingCapture(): Promise<string>;
  /** A captured payment of the auditor's. */
  succeeded(): Promise<string>;
  readonly created: Record<string, string>;
}

const auditedRequests: Record<string, AuditedRequest> = {
  'POST /v1/payments': async () => ({ method: 'POST', path: '/v1/payments', body: paymentBody }),
  'POST /v1/payments/{id}/capture': async (auditor) => {
    const id = await auditor.awaitingCapture();
    return { method: 'POST', path: `/v1/payments/${id}/capture`, body: {}, target: id };
  },
  'POST /v1/payments/{id}/cancel': async (auditor) => {
    const id = await auditor.awaitingCapture();
    return { method: 'POST', path: `/v1/payments/${id}/cancel`, body: {}, target: id };
  },
  'POST /v1/refunds': async (auditor) => ({ method: 'POST', path: '/v1/refunds', body: { payment_id: await auditor.succeeded(), amount: 100 } }),
  'POST /v1/api_keys': async () => ({ method: 'POST', path: '/v1/api_keys', body: {} }),
  'POST /v1/risk_rules': async (auditor) => ({ method: 'POST', path: '/v1/risk_rules', body: { rules: [], thresholds: { block: 80 } }, target: auditor.id }),
  'POST /v1/routing_rules': async (auditor) => ({
    method: 'POST',
    path: '/v1/routing_rules',
    body: { rules: [{ id: 'audited', when: { currency: ['BRL'] }, then: { split: [{ channel: 'atlas', weight: 1 }, { channel: 'boreal', weight: 1 }] } }] },
    target: auditor.id,
  }),
  'POST /v1/api_keys/{id}/revoke': async (auditor) => {
    const id = auditor.created['POST /v1/api_keys'] as string;
    return { method: 'POST', path: `/v1/api_keys/${id}/revoke`, body: {}, target: id };
  },
  'POST /v1/fx/quotes': async () => ({ method: 'POST', path: '/v1/fx/quotes', body: quoteBody }),
  'POST /v1/conversions': async (auditor) => ({ method: 'POST', path: '/v1/conversions', body: { quote_id: auditor.created['POST /v1/fx/quotes'] } }),
  'POST /v1/beneficiaries': async () => ({ method: 'POST', path: '/v1/beneficiaries', body: beneficiaryBody }),
  'POST /v1/payouts': async (auditor) => ({
    method: 'POST',
    path: '/v1/payouts',
    body: { beneficiary_id: auditor.created['POST /v1/beneficiaries'], amount: 100, currency: 'EUR', reference: 'Audit' },
  }),
  'POST /v1/payouts/{id}/cancel': async (auditor) => {
    const id = auditor.created['POST /v1/payouts'] as string;
    return { method: 'POST', path: `/v1/payouts/${id}/cancel`, body: {}, target: id };
  },
  'POST /v1/webhook_endpoints': async () => ({ method: 'POST', path: '/v1/webhook_endpoints', body: { url: 'https://hooks.auditor.example/x', enabled_events: ['*'] } }),
  'POST /v1/webhook_endpoints/{id}': async (auditor) => {
    const id = auditor.created['POST /v1/webhook_endpoints'] as string;
    return { method: 'POST', path: `/v1/webhook_endpoints/${id}`, body: { description: 'audited' }, target: id };
  },
  'POST /v1/webhook_endpoints/{id}/rotate_secret': async (auditor) => {
    const id = auditor.created['POST /v1/webhook_endpoints'] as string;
    return { method: 'POST', path: `/v1/webhook_endpoints/${id}/rotate_secret`, body: {}, target: id };
  },
  'POST /v1/events/{id}/redeliver': async (auditor) => {
    const [page] = pagesOf([{ merchantId: auditor.id, type: 'payment.created', objectId: 'pay_audited', sequence: 1, createdMs: Date.now(), object: { id: 'pay_audited' } }], 'audit');
    await new DynamoDbEventStore(testDb.documentClient, tableName('events')).putPages([page as EventPage]);
    const id = eventId((page as EventPage).key, 0);
    return { method: 'POST', path: `/v1/events/${id}/redeliver`, body: {}, target: id };
  },
  // An endpoint of its own: the other webhook cases (in whatever order routes are declared) keep theirs.
  'DELETE /v1/webhook_endpoints/{id}': async (auditor) => {
    const created = await ctx.as(auditor, 'POST', '/v1/webhook_endpoints', { url: 'https://hooks.auditor.example/deleted', enabled_events: ['*'] });
    expect(created.status).toBe(201);
    return { method: 'DELETE', path: `/v1/webhook_endpoints/${created.json.id}`, target: created.json.id as string };
  },
};

const auditedRoutes = (routes as readonly RouteDeclaration[]).filter((route) => route.method !== 'GET' && requiresMerchantKey(route));

it('has an audited request for every merchant route that changes something', () => {
  expect(Object.keys(auditedRequests).sort()).toEqual(auditedRoutes.map((route) => `${route.method} ${route.path}`).sort());
});

describe('the audit log', () => {
  let auditor: Auditor;

  beforeAll(async () => {
    const onboarded = await onboardMerchant({ merchants: new DynamoDbMerchantRepository(testDb.documentClient, tableName('merchants')), now: () => new Date() }, { name: 'Auditor' });
    const merchant = { id: onboarded.merchant.id, key: onboarded.secretKey, keyId: onboarded.key.keyId };
    const payments = new DynamoDbPaymentRepository(testDb.documentClient, tableName('payments'), deployment.primaryRegion);
    // What the payment saga would have recorded (the sagas are not under test here).
    const paid = async (body: object, then: (payment: Payment, now: Date) => Transition) => {
      const created = await ctx.as(merchant, 'POST', '/v1/payments', body);
      expect(created.status).toBe(201);
      const now = new Date();
      const authorized = await changePayment(payments, created.json.id, (payment) =>
        recordAuthorization(payment, { authorizationId: `auth_${payment.id}`, amountAuthorized: payment.amount, expiresAt: new Date(now.getTime() + 86_400_000).toISOString() }, now),
      );
      await changePayment(payments, authorized, (payment) => then(payment, now));
      return created.json.id as string;
    };
    auditor = {
      ...merchant,
      created: {},
      awaitingCapture: () => paid({ ...paymentBody, capture_method: 'manual' }, recordAwaitingCapture),
      succeeded: () => paid(paymentBody, (payment, now) => recordSuccess(payment, { captureId: `cap_${payment.id}`, amount: payment.amount }, now)),
    };
    // EUR to convert and pay out.
    await postLedgerEvent(testPostingDeps, paymentCaptured, { merchantId: merchant.id, paymentId: 'pay_auditfunds', channel: 'acq_sim', currency: 'EUR', amount: 2500, authorizedAmount: 2500 });
    await postLedgerEvent(testPostingDeps, paymentSettled, { merchantId: merchant.id, paymentId: 'pay_auditfunds', settlementId: 'stl_pay_auditfunds' });
  });

  it.each(auditedRoutes.map((route) => [`${route.method} ${route.path}`, route.function] as const))(
    '%s records its effect: one entry of its action, on its object, by its merchant',
    async (route, key) => {
      const module = (await import(join(import.meta.dirname, '..', '..', '..', (functions[key] as FunctionDeclaration).entry))) as { handler: { auditAction?: string } };
      const action = module.handler.auditAction;
      expect(action).toMatch(/^[a-z_]+\.[a-z_]+$/);
      const audited = auditedRequests[route];
      if (!audited) throw new Error(`No audited request for ${route}: add one to auditedRequests`);
      const request = await audited(auditor);
      const before = (await audit.list(auditor.id, { limit: 100 })).entries;
      const response = await ctx.as(auditor, request.method, request.path, request.body);
      expect({ route, status: Math.floor(response.status / 100) }).toEqual({ route, status: 2 });
      const target = request.target ?? (response.json.id as string);
      auditor.created[route] = target;
      const after = (await audit.list(auditor.id, { limit: 100 })).entries;
      const added = after.filter((entry) => !before.some((old) => old.hash === entry.hash));
      expect(added).toEqual([
        expect.objectContaining({ action, target: expect.objectContaining({ id: target }), actor: expect.objectContaining({ type: 'merchant', merchant_id: auditor.id }) }),
      ]);
    },
  );
});

it.each((routes as readonly RouteDeclaration[]).filter((route) => route.method === 'POST' && requiresMerchantKey(route)).map((route) => [`${route.method} ${route.path}`, route] as const))(
  '%s checks the home region exactly when it starts a money movement (platform/routes.ts moneyMovement), and may read the marker',
  async (_route, route) => {
    const declaration = functions[route.function] as FunctionDeclaration;
    const module = (await import(join(import.meta.dirname, '..', '..', '..', declaration.entry))) as { handler: { homeRegionOnly?: boolean } };
    expect(module.handler.homeRegionOnly).toBe(route.moneyMovement === true);
    if (route.moneyMovement) expect(declaration.tables.ledger).toContain('dynamodb:GetItem');
  },
);
