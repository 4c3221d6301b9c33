import { newPayment } from '../../../lambdas/domain/payment';
import { type Approval, afterApproval, recordAuthorization, recordFailure, recordScreening, recordSuccess, withApproval } from '../../../lambdas/domain/payment-lifecycle';
import { nextPaymentStep } from '../../../lambdas/domain/payment-saga';
import { timelineOf } from '../../../lambdas/domain/payment-timeline';

/**
 * Decision record 0047: an automatic payment's approval travels in the workflow run's state and is recorded
 * by the step that ends the payment, in the same write. The domain's part: the step a payment needs next
 * counts an approval as an authorization; the change after it records `payment.authorized` (at the time the
 * channel answered) and the change itself, written over the version read; a payment that records its
 * authorization already ignores the approval.
 */
const created = new Date('2026-11-21T12:00:00Z');
const approvedAt = '2026-11-21T12:00:01.000Z';
const endedAt = new Date('2026-11-21T12:00:02Z');

const screened = (captureMethod: 'automatic' | 'manual' = 'automatic') =>
  recordScreening(
    newPayment({
      id: 'pay_1',
      merchantId: 'mer_1',
      amount: 2500,
      currency: 'USD',
      captureMethod,
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, fingerprint: 'fp', bin: '424242' },
      description: null,
      metadata: {},
      requestFingerprint: 'req',
      now: created,
    }),
    { decision: 'approve', score: 0, reasons: [] },
    { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: false, strategy: 'least_cost' },
    created,
  ).payment;

const approval: Approval = { channel: 'atlas', authorizationId: 'auth_1', amountAuthorized: 2500, expiresAt: '2026-11-28T12:00:00.000Z', at: approvedAt };

describe('nextPaymentStep with an approval in the run', () => {
  it.each([
    ['automatic, no approval', 'automatic', undefined, 'authorize'],
    ['automatic, approved', 'automatic', approval, 'capture'],
    ['manual, approved (never carried: Authorize records it)', 'manual', approval, 'open_capture_window'],
  ] as const)('%s: %s', (_case, method, carried, expected) => {
    expect(nextPaymentStep(screened(method), 'resume', carried)).toBe(expected);
  });
});

describe('afterApproval', () => {
  it('records the authorization at the time the channel answered, then the change: one write over the version read', () => {
    // Prepare
    const payment = screened();
    // Act
    const transition = afterApproval(payment, approval, (authorized) => recordSuccess(authorized, { captureId: 'cap_1', amount: 2500 }, endedAt));
    // Assess
    expect(transition.from).toBe(2);
    expect(transition.payment).toMatchObject({
      version: 4,
      status: 'succeeded',
      authorizationId: 'auth_1',
      authorizationExpiresAt: '2026-11-28T12:00:00.000Z',
      amountAuthorized: 2500,
      amountCapturable: 0,
      amountReceived: 2500,
      captureId: 'cap_1',
      inFlightSince: null,
    });
    expect(transition.payment.timeline.slice(-2)).toEqual([
      { type: 'payment.authorized', version: 3, at: approvedAt },
      { type: 'payment.succeeded', version: 4, at: endedAt.toISOString() },
    ]);
    // The merchant's timeline reads as when Authorize wrote it.
    const written = recordSuccess(recordAuthorization(payment, approval, new Date(approvedAt)).payment, { captureId: 'cap_1', amount: 2500 }, endedAt).payment;
    expect(timelineOf(transition.payment)).toEqual(timelineOf({ ...written, updatedAt: transition.payment.updatedAt }));
  });

  it('ignores the approval for a payment that records its authorization already', () => {
    // Prepare
    const authorized = recordAuthorization(screened(), { ...approval, authorizationId: 'auth_recorded' }, created).payment;
    // Act
    const transition = afterApproval(authorized, approval, (current) => recordFailure(current, { code: 'capture_failed', message: 'refused' }, endedAt));
    // Assess
    expect(transition).toMatchObject({ from: 3, payment: { version: 4, authorizationId: 'auth_recorded', status: 'failed' } });
    expect(withApproval(authorized, approval)).toBe(authorized);
  });

  it('refuses an approval at a channel the payment is not at', () => {
    expect(() => withApproval(screened(), { ...approval, channel: 'boreal' })).toThrow(/not its authorization/);
    expect(() => afterApproval(screened(), { ...approval, channel: 'boreal' }, (current) => recordFailure(current, { code: 'x', message: 'x' }, endedAt))).toThrow(/not its authorization/);
  });
});
