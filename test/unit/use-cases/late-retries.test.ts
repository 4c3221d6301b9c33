import { deriveId } from '../../../lambdas/domain/ids';
import type { Payment } from '../../../lambdas/domain/payment';
import type { Payout } from '../../../lambdas/domain/payouts/payout';
import { type Refund, newRefund } from '../../../lambdas/domain/refund';
import type { PayoutRepository } from '../../../lambdas/ports/payout-repository';
import { createPayment } from '../../../lambdas/use-cases/create-payment';
import { createRefund } from '../../../lambdas/use-cases/create-refund';
import { type CreatePayoutCommand, createPayout } from '../../../lambdas/use-cases/payouts/create-payout';
import { InMemoryCardHolds, InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';
import { createPaymentCommand } from '../../support/payment-commands';

/**
 * Final objects are never resubmitted (issue 13, item 2): a create retried with its old Idempotency-Key
 * after the idempotency record expired (24 h) reaches the use case again. For a payment, refund or payout
 * already past its first run, and above all one in a final state, it answers the object as stored and
 * runs no workflow (nothing charged, refunded or sent again). Only an object its create stored and never
 * ran is run.
 */
const now = () => new Date('2026-11-21T12:00:00Z');

describe('a late retry of POST /v1/payments', () => {
  const command = createPaymentCommand();


  it.each(['succeeded', 'failed', 'canceled'] as const)('answers a %s payment as stored and runs nothing', async (status) => {
    // Prepare: the payment as its first run left it
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    const first = await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now }, command);
    const final: Payment = { ...first, status, inFlightSince: null, version: first.version + 3 };
    payments.items.set(first.id, final);
    const workflows = new RecordingWorkflows();
    // Act
    const retried = await createPayment({ payments, holds, workflows, now }, command);
    // Assess
    expect(retried).toEqual(final);
    expect(workflows.runs).toEqual([]);
    expect(workflows.started).toEqual([]);
  });

  it.each(['succeeded', 'failed', 'canceled'] as const)('leaves no card held for a %s payment whose hold and tombstone are long gone', async (status) => {
    // Prepare: the payment as its first run left it, its card hold expired and deleted (+25 h)
    const payments = new InMemoryPaymentRepository();
    const first = await createPayment({ payments, holds: new InMemoryCardHolds(), workflows: new RecordingWorkflows(), now }, command);
    payments.items.set(first.id, { ...first, status, inFlightSince: null, version: first.version + 3 });
    const holds = new InMemoryCardHolds();
    // Act
    await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now }, command);
    // Assess: the stored payment is read first, so the card is not held again, not even for a moment
    expect(holds.holds.get(first.id)).toBeUndefined();
    await expect(holds.reveal(first.id, 'mer_a')).resolves.toBeUndefined();
  });

  it('runs a payment its create stored and never ran (version 1)', async () => {
    const payments = new InMemoryPaymentRepository();
    const holds = new InMemoryCardHolds();
    await createPayment({ payments, holds, workflows: new RecordingWorkflows(), now }, command);
    const workflows = new RecordingWorkflows();
    await createPayment({ payments, holds, workflows, now }, command);
    expect(workflows.runs).toEqual([{ kind: 'payment', input: { paymentId: deriveId('pay', 'mer_a', 'order-1'), action: 'create' } }]);
  });
});

describe('a late retry of POST /v1/refunds', () => {
  it.each(['succeeded', 'failed'] as const)('answers a %s refund as stored and runs nothing', async (status) => {
    // Prepare: a refund under the key, ended
    const payments = new InMemoryPaymentRepository();
    const id = deriveId('re', 'mer_a', 'refund-1');
    const refund: Refund = { ...newRefund({ id, merchantId: 'mer_a', paymentId: 'pay_1', amount: 500, currency: 'USD', reason: null, requestFingerprint: 'fp', now: now() }), status, version: 2 };
    payments.refunds.set(id, refund);
    const workflows = new RecordingWorkflows();
    // Act
    const retried = await createRefund({ payments, workflows, now }, { merchantId: 'mer_a', idempotencyKey: 'refund-1', requestFingerprint: 'fp', paymentId: 'pay_1', amount: 500, reason: null });
    // Assess
    expect(retried).toEqual(refund);
    expect(workflows.runs).toEqual([]);
  });
});

describe('a late retry of POST /v1/payouts', () => {
  const command: CreatePayoutCommand = {
    merchantId: 'mer_a',
    idempotencyKey: 'payout-1',
    requestFingerprint: 'fp',
    beneficiaryId: 'ben_1',
    amount: 1_000,
    currency: 'CAD',
    reference: 'INV-1',
    description: null,
    metadata: {},
  };
  const id = deriveId('po', 'mer_a', 'payout-1');
  const stored = (changes: Partial<Payout>): Payout =>
    ({ id, merchantId: 'mer_a', requestFingerprint: 'fp', status: 'pending', version: 1, funds: 'none', railStatus: null, waiting: null, inFlightSince: now().toISOString(), ...changes }) as Payout;
  const deps = (payout: Payout, workflows: RecordingWorkflows) => ({
    payouts: { getPayout: async () => payout } as unknown as PayoutRepository,
    quotes: {} as never,
    quoting: {} as never,
    ledger: {} as never,
    workflows,
    now,
  });

  it.each([
    ['paid', { status: 'paid', funds: 'paid', railStatus: 'paid', version: 7, inFlightSince: null }],
    ['failed (refused by the bank)', { status: 'failed', funds: 'released', railStatus: 'failed', version: 8, inFlightSince: null }],
    ['returned', { status: 'returned', funds: 'released', railStatus: 'returned', version: 10, inFlightSince: null }],
    ['canceled', { status: 'canceled', funds: 'released', version: 4, inFlightSince: null }],
    ['processing (the recovery finishes it)', { status: 'processing', funds: 'reserved', version: 5 }],
  ] as const)('answers a %s payout as stored and runs nothing (nothing sent again)', async (_case, changes) => {
    const payout = stored(changes as Partial<Payout>);
    const workflows = new RecordingWorkflows();
    await expect(createPayout(deps(payout, workflows), command)).resolves.toBe(payout);
    expect(workflows.runs).toEqual([]);
  });

  it('runs a payout its create stored and never ran (version 1)', async () => {
    const workflows = new RecordingWorkflows();
    await createPayout(deps(stored({}), workflows), command);
    expect(workflows.runs).toEqual([{ kind: 'payout', input: { payoutId: id, action: 'create' } }]);
  });

  it('refuses the key for another request', async () => {
    await expect(createPayout(deps(stored({ status: 'paid', version: 7 }), new RecordingWorkflows()), { ...command, requestFingerprint: 'other' })).rejects.toMatchObject({ name: 'IdempotencyKeyReusedError' });
  });
});
