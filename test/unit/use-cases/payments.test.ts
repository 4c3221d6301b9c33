import { IdempotencyKeyReusedError, InvalidCursorError, RequestInFlightError, ResourceNotFoundError } from '../../../lambdas/domain/errors';
import type { Payment } from '../../../lambdas/domain/payment';
import { type CreatePaymentCommand, createPayment } from '../../../lambdas/use-cases/create-payment';
import { getPayment } from '../../../lambdas/use-cases/get-payment';
import { listPayments } from '../../../lambdas/use-cases/list-payments';
import { InMemoryCardHolds, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { createPaymentCommand } from '../../support/payment-commands';

const command = (overrides: Partial<CreatePaymentCommand> = {}) => createPaymentCommand({ currency: 'BRL', ...overrides });

describe('createPayment', () => {
  it('creates a processing payment holding only the card summary', async () => {
    // Prepare
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    // Act
    const payment = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:00Z') }, command());
    // Assess
    expect(payment).toMatchObject({
      status: 'processing',
      amount: 1999,
      currency: 'BRL',
      amountCapturable: 0,
      amountReceived: 0,
      amountRefunded: 0,
      paymentMethod: { type: 'card', card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: expect.stringMatching(/^v1\./) } },
      createdAt: '2026-11-21T12:00:00.000Z',
    });
    expect(payment.paymentMethod.card).not.toHaveProperty('token');
    expect(JSON.stringify([...payments.items.values()])).not.toContain('4242424242424242');
  });

  it('holds the card, CVC included, under the payment for its authorization', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const payment = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    await expect(holds.reveal(payment.id, 'mer_a')).resolves.toEqual({ number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' });
    await expect(holds.reveal(payment.id, 'mer_b')).resolves.toBeUndefined();
  });

  it('holds nothing again for a retried request, and refuses the key when the retry carries another card', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const first = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    // A crash after the hold and before the payment write: the retry finds the hold already there.
    payments.items.clear();
    const retry = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    expect(retry.paymentMethod.card).toEqual(first.paymentMethod.card);
    expect(holds.holds.size).toBe(1);
    payments.items.clear();
    await expect(
      createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ card: { number: '4000056655665556', exp_month: 12, exp_year: 2030, cvc: '123' } })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(payments.items.size).toBe(0);
  });

  it('refuses another card under a key whose authorization already answered (the tombstone keeps the fingerprint)', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const first = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    await holds.discard(first.id, 'mer_a');
    await expect(createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command())).resolves.toEqual(first);
    await expect(holds.reveal(first.id, 'mer_a')).resolves.toBeUndefined();
    await expect(
      createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ card: { number: '5555555555554444', exp_month: 12, exp_year: 2030, cvc: '123' } })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('holds nothing for a retry of a payment already past its first run (a retry in the other region, or after its idempotency record expired)', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const workflows = new RecordingWorkflows();
    const first = await createPayment({ payments, holds, workflows, now: () => new Date() }, command());
    payments.items.set(first.id, { ...first, version: 3, status: 'succeeded' });
    // The other region's holds table knows nothing of the first attempt.
    const elsewhere = new InMemoryCardHolds();
    const retry = await createPayment({ payments, holds: elsewhere, workflows, now: () => new Date() }, command());
    expect(retry).toMatchObject({ id: first.id, status: 'succeeded' });
    // The stored payment is read before the card is held: the CVC is not written again, not even for a moment.
    expect(elsewhere.holds.get(first.id)).toBeUndefined();
    expect(workflows.runs).toHaveLength(1);
    // The same key with another card is still a reused key.
    await expect(
      createPayment({ payments, holds: elsewhere, workflows, now: () => new Date() }, command({ card: { number: '5555555555554444', exp_month: 12, exp_year: 2030, cvc: '123' } })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(elsewhere.holds.get(first.id)).toBeUndefined();
  });

  it('refuses another card of the same BIN, last4 and expiry under the key of a payment past its first run (its record and hold gone)', async () => {
    // Prepare: the first payment succeeded long ago; its idempotency record and its hold's tombstone are gone.
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const workflows = new RecordingWorkflows();
    const first = await createPayment({ payments, holds, workflows, now: () => new Date() }, command());
    payments.items.set(first.id, { ...first, version: 3, status: 'succeeded' });
    holds.holds.clear();
    const sameBinAndLast4 = { number: '4242420000004242', exp_month: 12, exp_year: 2030, cvc: '123' };
    // Act / Assess: the request's fingerprint (brand, last4, expiry) and the BIN match; the number's keyed fingerprint does not.
    await expect(createPayment({ payments, holds, workflows, now: () => new Date() }, command({ card: sameBinAndLast4 }))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(createPayment({ payments, holds, workflows, now: () => new Date() }, command())).resolves.toMatchObject({ id: first.id, status: 'succeeded' });
    expect(holds.holds.size).toBe(0);
    expect(workflows.runs).toHaveLength(1);
  });

  it('keeps the hold a retry wrote in the other region when the payment has not run yet: its workflow runs there', async () => {
    const payments = new InMemoryPaymentRepository();
    const workflows = new RecordingWorkflows();
    await createPayment({ payments, holds: new InMemoryCardHolds(), workflows, now: () => new Date() }, command());
    const elsewhere = new InMemoryCardHolds();
    const retry = await createPayment({ payments, holds: elsewhere, workflows, now: () => new Date() }, command());
    await expect(elsewhere.reveal(retry.id, 'mer_a')).resolves.toMatchObject({ cvc: '123' });
    expect(workflows.runs).toHaveLength(2);
  });

  it('returns the stored payment for a retry of the same request (a crash between writes)', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const first = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:00Z') }, command());
    const retry = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date('2026-11-21T12:00:05Z') }, command());
    expect(retry).toEqual(first);
    expect(payments.items.size).toBe(1);
  });

  it('refuses the same Idempotency-Key for a different request', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command());
    await expect(
      createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ amount: 2000, requestFingerprint: 'fp-2' })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(payments.items.size).toBe(1);
  });

  it('scopes keys per merchant: two merchants with the same key get two payments', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const a = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_a' }));
    const b = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_b' }));
    expect(a.id).not.toBe(b.id);
    expect(payments.items.size).toBe(2);
  });
});

describe('createPayment with no in-progress idempotency record: the card hold leases the key (decision record 0048)', () => {
  const leased = () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const workflows = new RecordingWorkflows();
    const clock = { ms: Date.parse('2026-11-21T12:00:00Z') };
    holds.now = () => clock.ms;
    return { payments, holds, workflows, clock, deps: { payments, holds, workflows, now: () => new Date(clock.ms), inFlightMs: 27_000 } };
  };

  it('refuses a duplicate while the first request may still be at work (409), a different request under the key with 422, and resumes once the lease ran out', async () => {
    const { payments, workflows, clock, deps } = leased();
    const first = await createPayment(deps, command());
    expect(workflows.runs).toHaveLength(1);

    clock.ms += 1_000;
    await expect(createPayment(deps, command())).rejects.toBeInstanceOf(RequestInFlightError);
    await expect(createPayment(deps, command({ amount: 2000, requestFingerprint: 'fp-2' }))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(workflows.runs).toHaveLength(1);

    // The first request died at work (its lease was never released): past its time, the retry resumes it.
    clock.ms += 27_000;
    const retry = await createPayment(deps, command());
    expect(retry.id).toBe(first.id);
    expect(workflows.runs).toHaveLength(2);
    expect(payments.items.size).toBe(1);
    // ...and holds the lease in turn.
    clock.ms += 1_000;
    await expect(createPayment(deps, command())).rejects.toBeInstanceOf(RequestInFlightError);
  });

  it('refuses a duplicate of a request that has held the card but not yet stored the payment', async () => {
    const { holds, deps } = leased();
    const id = (await createPayment(deps, command())).id;
    deps.payments.items.clear();
    await expect(createPayment(deps, command())).rejects.toBeInstanceOf(RequestInFlightError);
    expect(holds.holds.get(id)?.secret).toBeDefined();
  });

  it('releases the lease when the request fails, so its retry proceeds at once, creating the payment once', async () => {
    const { holds, workflows, clock, deps } = leased();
    class FailingOnce extends InMemoryPaymentRepository {
      failures = 1;
      override async insert(payment: Payment) {
        if (this.failures-- > 0) throw new Error('DynamoDB unavailable');
        return super.insert(payment);
      }
    }
    const payments = new FailingOnce();
    await expect(createPayment({ ...deps, payments }, command())).rejects.toThrow('DynamoDB unavailable');
    clock.ms += 100;
    const retry = await createPayment({ ...deps, payments }, command());
    expect(retry.status).toBe('processing');
    expect(payments.items.size).toBe(1);
    expect(workflows.runs).toHaveLength(1);
    expect(holds.holds.size).toBe(1);
  });

  it('answers a final payment at once, however recent: nothing of it may still be at work', async () => {
    const { payments, workflows, deps } = leased();
    const first = await createPayment(deps, command());
    payments.items.set(first.id, { ...first, status: 'failed', version: first.version + 1 } as Payment);
    await expect(createPayment(deps, command())).resolves.toMatchObject({ id: first.id, status: 'failed' });
    expect(workflows.runs).toHaveLength(1);
  });
});

describe('getPayment', () => {
  it('answers "not found" alike for a missing id and for another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const payment = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_a' }));
    await expect(getPayment({ payments }, { merchantId: 'mer_b', paymentId: payment.id })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: 'pay_missing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(getPayment({ payments }, { merchantId: 'mer_a', paymentId: payment.id })).resolves.toEqual(payment);
  });
});

describe('listPayments', () => {
  it('refuses a cursor naming another merchant\'s payment', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const foreign = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now: () => new Date() }, command({ merchantId: 'mer_b' }));
    await expect(
      listPayments({ payments }, { merchantId: 'mer_a', limit: 10, startingAfter: foreign.id }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
