import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSettlementReport } from '../../../lambdas/domain/reconciliation/settlement-report';
import type { CardAcquirerSimulator } from '../../../local/simulators/card-acquirer/server';
import { TEST_API_KEY, startTestAcquirer, uniqueKey } from '../../support/card-acquirer';

/**
 * The acquirer simulator's settlement batches over HTTP: capture.settled names the batch, closing the batch
 * writes its report (which the platform's parser accepts, with the fees the contract says) and credits its
 * net to the platform's bank account; closing it again answers the same file.
 */
let acquirer: CardAcquirerSimulator;
const reportsDir = mkdtempSync(join(tmpdir(), 'xborder-reports-'));

beforeAll(async () => {
  acquirer = await startTestAcquirer({
    settlementDelayMs: 20,
    settlementWindowMs: 3_600_000,
    settlementReportsDir: reportsDir,
    // Nobody listens: events are still made (and kept for GET /__simulator/events).
    webhooks: { url: 'http://127.0.0.1:9/none', secret: 'whsec_test', initialRetryDelayMs: 60_000 },
  });
});
afterAll(() => acquirer.stop());

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${acquirer.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json', ...(method === 'POST' ? { 'Idempotency-Key': uniqueKey('k') } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
};

const charge = async (amount: number, paymentReference: string) => {
  const authorization = await call('POST', '/v1/authorizations', {
    amount,
    currency: 'USD',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '987' },
    capture_method: 'automatic',
    merchant_reference: 'mer_reports',
    payment_reference: paymentReference,
  });
  expect(authorization.status).toBe(201);
  const capture = await call('POST', `/v1/authorizations/${authorization.json.id}/captures`, { amount, currency: 'USD' });
  expect(capture.status).toBe(201);
  return capture.json.id as string;
};

it('names the batch in capture.settled, writes the batch report and pays its net into the bank', async () => {
  const captures = [await charge(10_000, 'pay_one'), await charge(2_550, 'pay_two')];
  let events: any[] = [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    events = (await call('GET', '/__simulator/events')).json.data.filter((event: any) => event.type === 'capture.settled');
    if (events.length === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(captures.every((id) => id.startsWith('cap_'))).toBe(true);
  expect(events.map((event) => event.data.object.id).sort()).toEqual([...captures].sort());
  const batchId = events[0].data.object.settlement_batch as string;
  expect(batchId).toMatch(/^atlas-usd-\d+$/);
  expect(events[1].data.object.settlement_batch).toBe(batchId);

  const closed = await call('POST', '/__simulator/settlement-reports', { batch_id: batchId });
  expect(closed.status).toBe(200);
  expect(closed.json).toMatchObject({ batch_id: batchId, lines: 2, currency: 'USD', injected: [] });
  const csv = readFileSync(closed.json.path, 'utf8');
  const report = parseSettlementReport(csv);
  // atlas: 2.90 % + 0.30 per capture, kept by the acquirer.
  expect(report.lines.map((line) => [line.ourReference, line.gross, line.interchangeFee + line.schemeFee])).toEqual(
    expect.arrayContaining([['pay_one', 10_000, 320], ['pay_two', 2_550, 104]]),
  );
  expect(closed.json.net).toBe(10_000 - 320 + 2_550 - 104);
  expect((await call('GET', '/__simulator/bank')).json.data).toEqual([
    { account: 'platform', batchId, reference: report.payoutReference, amount: closed.json.net, currency: 'USD', valueDate: report.valueDate },
  ]);
  const again = await call('POST', '/__simulator/settlement-reports', { batch_id: batchId, breaks: { fee_mismatch: 1 } });
  expect(again.json).toEqual(closed.json);
  expect((await call('GET', '/__simulator/bank')).json.data).toHaveLength(1);
});

it('refuses a batch that settled nothing (404) and a malformed request (400)', async () => {
  expect((await call('POST', '/__simulator/settlement-reports', { batch_id: 'atlas-usd-1' })).status).toBe(404);
  expect((await call('POST', '/__simulator/settlement-reports', { batch_id: 'Not A Batch' })).status).toBe(400);
  expect((await call('POST', '/__simulator/settlement-reports', { batch_id: 'atlas-usd-1', breaks: { fee_mismatch: -1 } })).status).toBe(400);
});
