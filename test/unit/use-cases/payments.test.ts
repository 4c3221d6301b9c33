import { IdempotencyKeyReusedError, InvalidCursorError, ResourceNotFoundError } from '../../../lambdas/domain/errors';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { getPayment } from '../../../lambdas/use-cases/get-payment';
import { listPayments } from '../../../lambdas/use-cases/list-payments';
import { InMemoryCardVault, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';

const command = (overrides: Partial<CreatePaymentCommand> = {}): CreatePaymentCommand => ({
  merchantId: 'mer_a',
  idempotencyKey: 'order-1',
  requestFingerprint: 'fp-1',
  amount: 1999,
  currency: 'BRL',
  captureMethod: 'automatic',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
  description: null,
  metadata: {},
  ...overrides,
});

describe('createPayment', () => {
  it('creates a processing payment holding only the card summary', async () => {
    // Prepare
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    // Act
    const payment = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:00Z') }, command());
    // Assess
    expect(payment).toMatchObject({
      status: 'processing',
      amount: 1999,
      currency: 'BRL',
      amountCapturable: 0,
      amountReceived: 0,
      amountRefunded: 0,
      paymentMethod: {
        type: 'card',
        card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, token: expect.stringMatching(/^tok_[a-z2-7]{26}$/), fingerprint: expect.stringMatching(/^v1\./) },
      },
      createdAt: '2026-11-21T12:00:00.000Z',
    });
    expect(JSON.stringify([...payments.items.values()])).not.toContain('4242424242424242');
  });

  it('puts the card in the vault under the payment\'s token and holds the CVC for the authorization', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const payment = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    const token = payment.paymentMethod.card.token;
    await expect(vault.revealCard(token, 'mer_a')).resolves.toEqual({ token, number: '4242424242424242', exp_month: 12, exp_year: 2030 });
    await expect(vault.takeCvc(payment.id, 'mer_a')).resolves.toBe('123');
    await expect(vault.takeCvc(payment.id, 'mer_a')).resolves.toBeUndefined();
  });

  it('gives a retried request the same token, and refuses the key when the retry carries another card', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const first = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    // A crash after the vault write and before the payment write: the retry finds the card already there.
    payments.items.clear();
    const retry = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    expect(retry.paymentMethod.card).toEqual(first.paymentMethod.card);
    expect(vault.cards.size).toBe(1);
    payments.items.clear();
    await expect(
      createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ card: { number: '4000056655665556', exp_month: 12, exp_year: 2030, cvc: '123' } })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(payments.items.size).toBe(0);
  });

  it('returns the stored payment for a retry of the same request (a crash between writes)', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const first = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:00Z') }, command());
    const retry = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:05Z') }, command());
    expect(retry).toEqual(first);
    expect(payments.items.size).toBe(1);
  });

  it('refuses the same Idempotency-Key for a different request', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    await expect(
      createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ amount: 2000, requestFingerprint: 'fp-2' })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(payments.items.size).toBe(1);
  });

  it('scopes keys per merchant: two merchants with the same key get two payments', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const a = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_a' }));
    const b = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_b' }));
    expect(a.id).not.toBe(b.id);
    expect(payments.items.size).toBe(2);
  });
});

describe('getPayment', () => {
  it('answers "not found" alike for a missing id and for another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const payment = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_a' }));
    await expect(getPayment({ payments }, { merchantId: 'mer_b', paymentId: payment.id })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: 'pay_missing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: payment.id })).resolves.toEqual(payment);
  });
});

describe('listPayments', () => {
  it('refuses a cursor naming another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const vault = new InMemoryCardVault();
    const foreign = await createPayment({ payments, vault, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_b' }));
    await expect(
      listPayments({ payments }, { merchantId: 'mer_a', limit: 10, startingAfter: foreign.id }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
