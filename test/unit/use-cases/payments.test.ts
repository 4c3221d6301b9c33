import { IdempotencyKeyReusedError, InvalidCursorError, ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { getPayment } from '../../../lambdas/use-cases/get-payment';
import { listPayments } from '../../../lambdas/use-cases/list-payments';
import { InMemoryPaymentRepository } from '../../support/in-memory-repositories';

const command = (overrides: Partial<CreatePaymentCommand> = {}): CreatePaymentCommand => ({
  merchantId: 'mer_a',
  idempotencyKey: 'order-1',
  requestFingerprint: 'fp-1',
  amount: 1999,
  currency: 'BRL',
  captureMethod: 'automatic',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 },
  description: null,
  metadata: {},
  ...overrides,
});

describe('createPayment', () => {
  it('creates a processing payment holding only the card summary', async () => {
    // Prepare
    const payments = new InMemoryPaymentRepository();
    // Act
    const payment = await createPayment({ payments, now: () => new Date('2026-11-21T12:00:00Z') }, command());
    // Assess
    expect(payment).toMatchObject({
      status: 'processing',
      amount: 1999,
      currency: 'BRL',
      amountCapturable: 0,
      amountReceived: 0,
      amountRefunded: 0,
      paymentMethod: { type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } },
      createdAt: '2026-11-21T12:00:00.000Z',
    });
    expect(JSON.stringify([...payments.items.values()])).not.toContain('4242424242424242');
  });

  it('returns the stored payment for a retry of the same request (a crash between writes)', async () => {
    const payments = new InMemoryPaymentRepository();
    const first = await createPayment({ payments, now: () => new Date('2026-11-21T12:00:00Z') }, command());
    const retry = await createPayment({ payments, now: () => new Date('2026-11-21T12:00:05Z') }, command());
    expect(retry).toEqual(first);
    expect(payments.items.size).toBe(1);
  });

  it('refuses the same Idempotency-Key for a different request', async () => {
    const payments = new InMemoryPaymentRepository();
    await createPayment({ payments, now: () => new Date() }, command());
    await expect(
      createPayment({ payments, now: () => new Date() }, command({ amount: 2000, requestFingerprint: 'fp-2' })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(payments.items.size).toBe(1);
  });

  it('scopes keys per merchant: two merchants with the same key get two payments', async () => {
    const payments = new InMemoryPaymentRepository();
    const a = await createPayment({ payments, now: () => new Date() }, command({ merchantId: 'mer_a' }));
    const b = await createPayment({ payments, now: () => new Date() }, command({ merchantId: 'mer_b' }));
    expect(a.id).not.toBe(b.id);
    expect(payments.items.size).toBe(2);
  });
});

describe('getPayment', () => {
  it('answers "not found" alike for a missing id and for another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const payment = await createPayment({ payments, now: () => new Date() }, command({ merchantId: 'mer_a' }));
    await expect(getPayment({ payments }, { merchantId: 'mer_b', paymentId: payment.id })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: 'pay_missing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: payment.id })).resolves.toEqual(payment);
  });
});

describe('listPayments', () => {
  it('refuses a cursor naming another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const foreign = await createPayment({ payments, now: () => new Date() }, command({ merchantId: 'mer_b' }));
    await expect(
      listPayments({ payments }, { merchantId: 'mer_a', limit: 10, startingAfter: foreign.id }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
