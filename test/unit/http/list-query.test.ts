import { paymentContracts } from '../../../lambdas/contracts/payments';
import { webhookContracts } from '../../../lambdas/contracts/webhooks';
import { listRequestOf } from '../../../lambdas/shared/http/list-query';
import { fieldErrors } from '../../../lambdas/shared/http/validation';

const second = 1_796_558_400; // 2026-12-06T12:00:00Z
const ms = second * 1000;

describe('listRequestOf', () => {
  it.each([
    ['gte in seconds: from the start of that second', { 'created[gte]': String(second) }, { createdFromMs: ms }],
    ['gt in seconds: from the next second', { 'created[gt]': String(second) }, { createdFromMs: ms + 1000 }],
    ['lte in seconds: to the end of that second', { 'created[lte]': String(second) }, { createdToMs: ms + 999 }],
    ['lt in seconds: to the end of the second before', { 'created[lt]': String(second) }, { createdToMs: ms - 1 }],
    ['gt as an ISO time: one millisecond later', { 'created[gt]': '2026-12-06T12:00:00.000Z' }, { createdFromMs: ms + 1 }],
    ['lte as an ISO time: that millisecond', { 'created[lte]': '2026-12-06T12:00:00.250Z' }, { createdToMs: ms + 250 }],
    ['the tightest of several bounds', { 'created[gte]': String(second), 'created[gt]': String(second + 5), 'created[lte]': String(second + 60), 'created[lt]': String(second + 10) }, { createdFromMs: ms + 6000, createdToMs: ms + 9999 }],
  ])('%s', (_name, bounds, expected) => {
    expect(listRequestOf('mer_1', { limit: 10, ...bounds })).toEqual({ merchantId: 'mer_1', limit: 10, ...expected });
  });

  it('passes the cursors through', () => {
    expect(listRequestOf('mer_1', { limit: 3, ending_before: 'pay_x' })).toEqual({ merchantId: 'mer_1', limit: 3, endingBefore: 'pay_x' });
  });
});

describe('list query contract', () => {
  const payment = (n: number) => `pay_${'a'.repeat(25)}${n}`;

  const both = 'starting_after and ending_before cannot be used together: page forward with one or backward with the other';
  const id = (prefix: string, n: number) => `${prefix}_${'a'.repeat(25)}${n}`;

  it.each([
    ['GET /v1/payments', 'pay', paymentContracts.listPayments.query],
    ['GET /v1/refunds', 're', paymentContracts.listRefunds.query],
    ['GET /v1/events', 'evt', webhookContracts.listEvents.query],
    ['GET /v1/webhook_endpoints', 'we', webhookContracts.listWebhookEndpoints.query],
  ])('%s refuses starting_after with ending_before (each a well-formed id), naming both', (_route, prefix, schema) => {
    const query = { starting_after: id(prefix, 2), ending_before: id(prefix, 3) };
    expect(schema.safeParse({ starting_after: id(prefix, 2) }).success).toBe(true);
    const parsed = schema.safeParse(query);
    expect(parsed.success ? [] : fieldErrors(parsed.error, query)).toEqual([
      { field: 'starting_after', message: both },
      { field: 'ending_before', message: both },
    ]);
  });

  it.each(['yesterday', '2026-13-45T00:00:00Z', '-5', '1e9'])('refuses created[gte]=%s naming the field', (value) => {
    const query = { 'created[gte]': value };
    const parsed = paymentContracts.listPayments.query.safeParse(query);
    expect(parsed.success ? [] : fieldErrors(parsed.error, query).map((error) => error.field)).toEqual(['created[gte]']);
  });

  it('accepts one cursor with created bounds and the payment filter on refunds', () => {
    expect(paymentContracts.listRefunds.query.safeParse({ payment: payment(4), ending_before: `re_${'b'.repeat(26)}`, 'created[lt]': '1796558400' }).success).toBe(true);
  });
});
