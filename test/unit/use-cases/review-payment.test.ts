import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { recordAuthorization, recordFailure, recordScreening, recordSuccess } from '../../../lambdas/domain/payment-lifecycle';
import { timelineOf } from '../../../lambdas/domain/payment-timeline';
import { reviewPayment } from '../../../lambdas/use-cases/operations/review-payment';
import { InMemoryPaymentRepository, RecordingWorkflows } from '../../support/in-memory-repositories';

/** An operator's decision on a payment risk screening sent to review (use-cases/operations/review-payment.ts). */
const now = () => new Date('2026-12-07T01:00:00Z');

const base = {
  id: 'pay_review_1',
  merchantId: 'mer_a',
  amount: 150_000,
  currency: 'USD',
  captureMethod: 'automatic' as const,
  card: { brand: 'visa' as const, bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: 'v1.card' },
  description: null,
  metadata: {},
  requestFingerprint: 'fp',
};

const captured = (decision: 'approve' | 'review'): Payment => {
  let payment = newPayment({ ...base, now: now() });
  payment = recordScreening(payment, { decision, score: decision === 'review' ? 50 : 0, reasons: decision === 'review' ? ['big_usd'] : [], rules: 'merchant/1' }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, now()).payment;
  payment = recordAuthorization(payment, { authorizationId: 'auth_1', amountAuthorized: 150_000, expiresAt: '2026-12-14T01:00:00Z' }, now()).payment;
  return recordSuccess(payment, { captureId: 'cap_1', amount: 150_000 }, now()).payment;
};

const prepare = async (payment: Payment) => {
  const payments = new InMemoryPaymentRepository();
  await payments.insert(payment);
  const workflows = new RecordingWorkflows();
  return { payments, workflows, deps: { payments, workflows, now } };
};

describe('reviewPayment', () => {
  it('approve: records the decision and its timeline event, once; the payment leaves the queue', async () => {
    // Prepare
    const { payments, deps } = await prepare(captured('review'));
    expect((await payments.listInRiskReview({ limit: 10 })).payments.map((payment) => payment.id)).toEqual(['pay_review_1']);
    // Act
    const first = await reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'approve', operator: 'ops_admin/alice' });
    const again = await reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'approve', operator: 'ops_admin/alice' });
    // Assess
    expect(first.after.risk).toMatchObject({ decision: 'review', review: { decision: 'approved', by: 'ops_admin/alice' } });
    expect(again.after.version).toBe(first.after.version);
    expect(timelineOf(first.after).at(-1)).toMatchObject({ type: 'payment.reviewed', data: { review_decision: 'approved', reviewed_by: 'ops_admin/alice' } });
    expect((await payments.listInRiskReview({ limit: 10 })).payments).toEqual([]);
    await expect(reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'refund', operator: 'ops_admin/alice' })).rejects.toMatchObject({ name: 'PaymentNotInReviewError' });
  });

  it('refund: reserves a refund of everything through the refund path, under one key per payment, then records it', async () => {
    const { payments, workflows, deps } = await prepare(captured('review'));
    const first = await reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'refund', operator: 'ops_admin/bob' });
    const again = await reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'refund', operator: 'ops_admin/bob' });
    expect(first.refund).toMatchObject({ paymentId: 'pay_review_1', amount: 150_000, reason: 'fraudulent' });
    expect(again.refund?.id).toBe(first.refund?.id);
    expect((await payments.get('pay_review_1'))?.amountRefundPending).toBe(150_000);
    expect(workflows.runs.filter((run) => run.kind === 'refund')).toHaveLength(2); // the pending refund's run is asked again, never a second refund
    expect(first.after.risk?.review).toMatchObject({ decision: 'refunded' });
  });

  it("keeps the operator's note with the decision, and off the merchant's timeline", async () => {
    // Prepare
    const { deps } = await prepare(captured('review'));
    // Act
    const decided = await reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'approve', operator: 'ops_admin/alice', note: 'Known customer, called back' });
    // Assess
    expect(decided.after.risk?.review).toEqual({ decision: 'approved', by: 'ops_admin/alice', at: '2026-12-07T01:00:00.000Z', note: 'Known customer, called back' });
    expect(JSON.stringify(timelineOf(decided.after))).not.toContain('Known customer');
  });

  it('drops a review payment that ended without moving money (declined by the issuer) from the queue', async () => {
    let payment = newPayment({ ...base, now: now() });
    payment = recordScreening(payment, { decision: 'review', score: 50, reasons: ['big_usd'], rules: 'merchant/1' }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, now()).payment;
    const { payments, deps } = await prepare(payment);
    expect((await payments.listInRiskReview({ limit: 10 })).payments).toHaveLength(1);
    await payments.apply(recordFailure(payment, { code: 'card_declined', message: 'The card was declined.' }, now()));
    expect((await payments.listInRiskReview({ limit: 10 })).payments).toEqual([]);
    await expect(reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'approve', operator: 'ops_admin/alice' })).rejects.toMatchObject({ name: 'PaymentNotInReviewError' });
  });

  it('refuses a payment that was never sent to review', async () => {
    const { deps } = await prepare(captured('approve'));
    await expect(reviewPayment(deps, { paymentId: 'pay_review_1', decision: 'approve', operator: 'ops_admin/alice' })).rejects.toMatchObject({ name: 'PaymentNotInReviewError' });
  });
});
