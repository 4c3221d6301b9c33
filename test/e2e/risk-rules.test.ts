import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import type { OperatorCredentials } from '../../local/iam/operators';
import type { OperatorRole } from '../../platform/operator-routes';
import { acquirerTotals, api, eventually, testCard } from '../support/e2e';

/**
 * A merchant tunes its risk rules, end to end over HTTP on the local runtime (both APIs, the payment
 * workflow, the acquirer simulators): one payment allowed, one sent to review (it proceeds and waits in the
 * operators' queue), one blocked, each recording the rule set version that decided; an operator approves
 * one review and refunds another through the refund path.
 */
const stateDir = process.env.E2E_STATE_DIR as string;
const runtime = JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as { operatorApiUrl: string };
const operators = JSON.parse(readFileSync(join(stateDir, 'operators.json'), 'utf8')) as OperatorCredentials[];

const asOperator = (role: OperatorRole, method: 'GET' | 'POST', path: string, body?: unknown) => {
  const operator = operators.find((candidate) => candidate.role === role) as OperatorCredentials;
  return operatorRequest({ baseUrl: runtime.operatorApiUrl, credentials: { accessKeyId: operator.access_key_id, secretAccessKey: operator.secret_access_key }, method, path, body });
};

const RULES = {
  rules: [
    { id: 'big_usd', when: { amount: { currency: 'USD', gte: 100_000 } }, score: 50 },
    { id: 'geo_mismatch', when: { card_ip_country_mismatch: true }, score: 100 },
  ],
  thresholds: { review: 50, block: 80 },
};

let key: string;
let merchantId: string;
const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });
const timeline = async (id: string) => (await api('GET', `/v1/payments/${id}/events`, { key })).json.data as { type: string; data: Record<string, unknown> }[];
const queue = async () => (await asOperator('ops_viewer', 'GET', '/v1/payments?limit=100')).json.data as { id: string; risk: { decision: string; rules: string; review: unknown } }[];

beforeAll(async () => {
  const onboarded = await asOperator('ops_admin', 'POST', '/v1/merchants', { name: 'Risk Tuned Games' });
  expect(onboarded.status).toBe(201);
  merchantId = onboarded.json.id as string;
  key = onboarded.json.api_key.secret as string;
  const set = await post('/v1/risk_rules', RULES);
  expect(set.json).toMatchObject({ owner: 'merchant', version: 1 });
});

describe('payments screened by the merchant rule set, version 1', () => {
  it('allows an ordinary payment, recording the version', async () => {
    const allowed = await post('/v1/payments', { amount: 1999, currency: 'USD', payment_method: testCard() });
    expect(allowed.json).toMatchObject({ status: 'succeeded' });
    expect((await timeline(allowed.json.id)).find((event) => event.type === 'payment.screened')?.data).toMatchObject({ risk_decision: 'approve', risk_score: 0, risk_rules: 'merchant/1' });
    expect((await queue()).map((payment) => payment.id)).not.toContain(allowed.json.id);
  });

  it('blocks a card used from another country before any acquirer sees it', async () => {
    const blocked = await post('/v1/payments', { amount: 1999, currency: 'USD', payment_method: testCard(), risk_context: { customer_id: 'cus_77', ip_address: '203.0.113.9', ip_country: 'BR', card_country: 'US' } });
    expect(blocked.json).toMatchObject({ status: 'failed', failure_code: 'risk_declined' });
    expect((await timeline(blocked.json.id)).find((event) => event.type === 'payment.failed')?.data).toMatchObject({ risk_decision: 'decline', risk_reasons: 'geo_mismatch', risk_rules: 'merchant/1' });
    expect(await acquirerTotals('atlas', blocked.json.id)).toBeUndefined();
  });

  it('lets a big payment proceed and queues it for review; an operator approves it and it leaves the queue', async () => {
    const reviewed = await post('/v1/payments', { amount: 150_000, currency: 'USD', payment_method: testCard() });
    expect(reviewed.json).toMatchObject({ status: 'succeeded', amount_received: 150_000 });
    expect((await timeline(reviewed.json.id)).find((event) => event.type === 'payment.screened')?.data).toMatchObject({ risk_decision: 'review', risk_reasons: 'big_usd', risk_rules: 'merchant/1' });
    const listed = await eventually(queue, (payments) => payments.some((payment) => payment.id === reviewed.json.id));
    expect(listed.find((payment) => payment.id === reviewed.json.id)).toMatchObject({ merchant_id: merchantId, risk: { decision: 'review', rules: 'merchant/1', review: null } });

    expect((await asOperator('ops_viewer', 'POST', `/v1/payments/${reviewed.json.id}/review`, { decision: 'approve' })).status).toBe(403);
    const approved = await asOperator('ops_admin', 'POST', `/v1/payments/${reviewed.json.id}/review`, { decision: 'approve' });
    expect(approved.json).toMatchObject({ status: 'succeeded', risk: { decision: 'review', review: { decision: 'approved' } }, refund: null });
    expect((await asOperator('ops_admin', 'POST', `/v1/payments/${reviewed.json.id}/review`, { decision: 'refund' })).json).toMatchObject({ status: 409, code: 'payment_not_in_review' });
    expect((await timeline(reviewed.json.id)).at(-1)).toMatchObject({ type: 'payment.reviewed', data: { review_decision: 'approved', risk_rules: 'merchant/1' } });
    const after = await eventually(queue, (payments) => !payments.some((payment) => payment.id === reviewed.json.id));
    expect(after.map((payment) => payment.id)).not.toContain(reviewed.json.id);
    const audit = await asOperator('ops_viewer', 'GET', `/v1/merchants/${merchantId}/audit_entries?limit=1`);
    expect(audit.json.data[0]).toMatchObject({ action: 'payment.review', actor: { type: 'operator', role: 'ops_admin' }, target: { type: 'payment', id: reviewed.json.id } });
  });

  it('refunds a reviewed payment through the refund path: the acquirer refunds it once', async () => {
    const reviewed = await post('/v1/payments', { amount: 120_000, currency: 'USD', payment_method: testCard() });
    expect(reviewed.json).toMatchObject({ status: 'succeeded' });
    // A refund is funded from the available balance, and processing fees are not returned: let the payment settle,
    // with another payment covering its fee, as an operator's refund some time after the payment would find it.
    expect((await post('/v1/payments', { amount: 10_000, currency: 'USD', payment_method: testCard() })).json).toMatchObject({ status: 'succeeded' });
    await eventually(
      () => api('GET', '/v1/balances', { key }),
      (got) => (got.json.available as { currency: string; amount: number }[]).some((balance) => balance.currency === 'USD' && balance.amount >= 120_000),
      30_000,
    );
    const refunded = await asOperator('ops_admin', 'POST', `/v1/payments/${reviewed.json.id}/review`, { decision: 'refund' });
    expect(refunded.json).toMatchObject({ risk: { review: { decision: 'refunded' } }, refund: { payment_id: reviewed.json.id, amount: 120_000, reason: 'fraudulent' } });
    const refund = await eventually(
      () => api('GET', `/v1/refunds/${refunded.json.refund.id}`, { key }),
      (got) => got.json.status !== 'pending',
    );
    expect(refund.json).toMatchObject({ status: 'succeeded', amount: 120_000 });
    expect((await api('GET', `/v1/payments/${reviewed.json.id}`, { key })).json).toMatchObject({ amount_refunded: 120_000 });
    expect(await acquirerTotals('atlas', reviewed.json.id)).toMatchObject({ captured: 120_000, refunded: 120_000 });
    // A retry of the same decision refunds nothing again.
    const again = await asOperator('ops_admin', 'POST', `/v1/payments/${reviewed.json.id}/review`, { decision: 'refund' });
    expect(again.json).toMatchObject({ refund: { id: refunded.json.refund.id } });
    expect(await acquirerTotals('atlas', reviewed.json.id)).toMatchObject({ refunded: 120_000 });
  });
});
