import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { api, demoMerchants, eventually } from '../support/e2e';
import { merchantClient } from '../support/merchant-client';

/** The document is served by the running API, without a key, is the committed one, and a client generated from it works. */
describe('GET /v1/openapi.json', () => {
  it('answers without an API key with the document in docs/openapi.json', async () => {
    const response = await api('GET', '/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.json).toEqual(JSON.parse(readFileSync('docs/openapi.json', 'utf8')));
  });

  it('refuses a query parameter it does not take, naming it', async () => {
    const response = await api('GET', '/v1/openapi.json?format=yaml');
    expect(response.status).toBe(422);
    expect(response.json.errors).toEqual([{ field: 'format', message: 'is not a recognized field' }]);
  });
});

describe('the typed client generated from the document', () => {
  const [pixel] = demoMerchants() as unknown as [{ api_key: string }];
  const client = merchantClient(pixel.api_key);
  const idempotent = () => ({ header: { 'Idempotency-Key': randomUUID() } });

  it('takes a payment through authorization, capture and a partial refund, each answer typed by its schema', async () => {
    const created = await client.POST('/v1/payments', {
      params: idempotent(),
      body: { amount: 2500, currency: 'USD', capture_method: 'manual', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(created.response.status).toBe(201);
    const id = created.data?.id as string;
    const getPayment = () => client.GET('/v1/payments/{id}', { params: { path: { id } } });

    const authorized = await eventually(getPayment, (answer) => answer.data?.status === 'requires_capture');
    expect(authorized.data).toMatchObject({ status: 'requires_capture', amount_capturable: 2500 });

    const captured = await client.POST('/v1/payments/{id}/capture', { params: { path: { id }, ...idempotent() }, body: {} });
    expect(captured.response.status).toBe(200);
    const succeeded = await eventually(getPayment, (answer) => answer.data?.status === 'succeeded');
    expect(succeeded.data?.amount_received).toBe(2500);

    const refund = await client.POST('/v1/refunds', { params: idempotent(), body: { payment_id: id, amount: 1000 } });
    expect(refund.response.status).toBe(201);
    expect(refund.data).toMatchObject({ object: 'refund', payment_id: id, amount: 1000, currency: 'USD' });

    const refused = await client.POST('/v1/refunds', { params: idempotent(), body: { payment_id: id, amount: 0 } });
    expect(refused.response.status).toBe(422);
    expect(refused.error?.errors?.[0]?.field).toBe('amount');
  });
});
