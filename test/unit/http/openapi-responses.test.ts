import { openApiViolations } from '../../support/openapi-responses';

/** The e2e client's check of live answers against docs/openapi.json: it must be able to fail. */
const payment = {
  id: 'pay_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  object: 'payment',
  status: 'succeeded',
  amount: 1000,
  currency: 'USD',
  amount_capturable: 0,
  amount_received: 1000,
  amount_refunded: 0,
  capture_method: 'automatic',
  payment_method: { type: 'card', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
  failure_code: null,
  failure_message: null,
  cancellation_reason: null,
  description: null,
  metadata: {},
  created_at: '2026-12-06T12:00:00.000Z',
  livemode: false,
};
const answer = (overrides: Partial<Parameters<typeof openApiViolations>[0]>) =>
  openApiViolations({ method: 'GET', path: `/v1/payments/${payment.id}`, status: 200, contentType: 'application/json', json: payment, ...overrides });

describe('openApiViolations', () => {
  it('accepts an answer the document describes', () => {
    expect(answer({})).toEqual([]);
    expect(answer({ method: 'POST', path: '/v1/payments', status: 201 })).toEqual([]);
  });

  it.each([
    ['an undocumented field', { json: { ...payment, card_number: '4242424242424242' } }, 'additional'],
    ['a wrong type', { json: { ...payment, amount: '1000' } }, 'integer'],
    ['a status outside the enum', { json: { ...payment, status: 'done' } }, 'allowed values'],
    ['an undocumented status code', { status: 202 }, 'does not list'],
    ['an undocumented content type', { contentType: 'text/plain' }, 'content type'],
    ['a success on no documented route', { path: '/v1/nothing' }, 'no such operation'],
  ])('refuses %s', (_name, overrides, expected) => {
    expect(answer(overrides).join('\n')).toContain(expected);
  });

  it('holds problem answers to the problem schema', () => {
    const problem = { type: 'https://xborder.example/problems/resource_not_found', title: 'Not Found', status: 404, detail: 'No such payment', code: 'resource_not_found', request_id: 'r1' };
    expect(answer({ status: 404, contentType: 'application/problem+json', json: problem })).toEqual([]);
    expect(answer({ status: 404, contentType: 'application/problem+json', json: { ...problem, code: 7 } }).join('\n')).toContain('string');
    expect(answer({ path: '/v1/nothing', status: 404, contentType: 'application/problem+json', json: problem })).toEqual([]);
  });
});
