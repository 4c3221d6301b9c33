import { paymentAttributes, paymentOf, refundAttributes, refundOf } from '../../../lambdas/adapters/dynamodb/payment-items';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import {
  MAX_REFUNDS_PER_PAYMENT,
  recordAuthorization,
  recordAwaitingCapture,
  recordFailure,
  recordRefundFailure,
  recordRefundSuccess,
  recordReviewDecision,
  recordScreening,
  recordSuccess,
  requestCapture,
  reserveRefund,
} from '../../../lambdas/domain/payment-lifecycle';
import { timelineOf } from '../../../lambdas/domain/payment-timeline';
import { newRefund } from '../../../lambdas/domain/refund';
import { PaymentNotRefundableError } from '../../../lambdas/domain/errors';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemSize as storedSize, writeUnitsOf } from '../../../bench/lib/capacity-units';

/** DynamoDB's size of an item, by its billing rules (bench/lib/capacity-units.ts), from what the document client writes. */
const itemSize = (item: Record<string, unknown>) => storedSize(marshall(item, { removeUndefinedValues: true }) as Parameters<typeof storedSize>[0]);

const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 10, 0, second));

const created = (overrides: Partial<Parameters<typeof newPayment>[0]> = {}): Payment =>
  newPayment({
    id: 'pay_4x9TqkR2mZp7LwN3vB8cYd',
    merchantId: 'mer_studio_north',
    amount: 129_99,
    currency: 'BRL',
    captureMethod: 'manual',
    card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, token: 'tok_8fJ2kLmN4pQ6rS8tU0vW2x', fingerprint: 'v1.3q8Zr0XbT5yKc2WmA9dLfE' },
    description: 'Season pass',
    metadata: { order: 'ord_1234567', player: 'plr_998877' },
    requestFingerprint: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123',
    now: at(0),
    ...overrides,
  });

/** A manual payment through its whole life: screened, authorized, waited, captured in part, refunded twice (one refused). */
const lived = (): Payment => {
  let payment = created();
  payment = recordScreening(payment, { decision: 'approve', score: 12, reasons: ['new_card', 'cross_border'] }, { channel: 'atlas', reason: 'merchant_rule', plan: ['atlas', 'boreal'], failover: true, strategy: 'merchant_rules', rule: { id: 'eu-cards', version: 2 } }, at(1)).payment;
  payment = recordAuthorization(payment, { authorizationId: 'auth_atlas_5e1f0b2c9d', amountAuthorized: 129_99, expiresAt: '2026-12-13T10:00:01.000Z' }, at(2)).payment;
  payment = recordAwaitingCapture(payment, at(3)).payment;
  payment = requestCapture(payment, 100_00, at(60), 'cmd_capture_1').payment;
  payment = recordSuccess(payment, { captureId: 'cap_atlas_7a8b9c', amount: 100_00 }, at(61)).payment;
  payment = reserveRefund(payment, { refundId: 're_1a2b3c4d5e6f7g8h9i0j1k', amount: 20_00 }, at(90)).payment;
  payment = recordRefundSuccess(payment, { refundId: 're_1a2b3c4d5e6f7g8h9i0j1k', amount: 20_00 }, at(91)).payment;
  payment = reserveRefund(payment, { refundId: 're_2a2b3c4d5e6f7g8h9i0j1k', amount: 5_00 }, at(95)).payment;
  return recordRefundFailure(payment, { refundId: 're_2a2b3c4d5e6f7g8h9i0j1k', amount: 5_00 }, at(96)).payment;
};

describe('payment items: how a payment is stored', () => {
  it('reads back exactly the payment it stored, at every step of a life', () => {
    let payment = created();
    const steps: Payment[] = [payment];
    payment = recordScreening(payment, { decision: 'approve', score: 0, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, at(1)).payment;
    steps.push(payment, recordFailure(payment, { code: 'card_declined', message: 'The card was declined.' }, at(2)).payment, lived());
    steps.push(created({ description: null, metadata: {}, captureMethod: 'automatic', requestFingerprint: 'not-hex-fingerprint' }));
    // Risk review: the rule set that decided, the merchant's risk context, and an operator's decision.
    const inReview = recordScreening(
      created({ riskContext: { customerId: 'cus_42', ipAddress: '203.0.113.7', ipCountry: 'BR', cardCountry: 'US' } }),
      { decision: 'review', score: 50, reasons: ['big_usd'], rules: 'merchant/3' },
      { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' },
      at(1),
    ).payment;
    steps.push(inReview, recordReviewDecision(inReview, 'approved', 'alice', at(5)).payment, recordReviewDecision(inReview, 'refunded', 'bob', at(6), 'Chargeback ring, see case 311').payment);
    for (const step of steps) expect(paymentOf(step.id, paymentAttributes(step))).toEqual(step);
  });

  it('stores a card without a vault token (card holds) and still reads the token of a payment created before them', () => {
    const { token: _token, ...held } = created().paymentMethod.card;
    const payment = created({ card: held });
    expect(paymentAttributes(payment).pm).not.toHaveProperty('t');
    expect(paymentOf(payment.id, paymentAttributes(payment)).paymentMethod.card).toEqual(held);
    expect(paymentOf(payment.id, paymentAttributes(created())).paymentMethod.card).toMatchObject({ token: 'tok_8fJ2kLmN4pQ6rS8tU0vW2x' });
  });

  it('keeps the timeline the API shows: types, versions, times, refunds and failure codes', () => {
    const payment = lived();
    const stored = paymentOf(payment.id, paymentAttributes(payment));
    expect(timelineOf(stored)).toEqual(timelineOf(payment));
    expect(timelineOf(stored).map((event) => event.type)).toEqual([
      'payment.created',
      'payment.screened',
      'payment.authorized',
      'payment.requires_capture',
      'payment.capture_requested',
      'payment.succeeded',
      'refund.created',
      'refund.succeeded',
      'refund.created',
      'refund.failed',
    ]);
    expect(timelineOf(stored).at(-3)?.data).toMatchObject({ refund_id: 're_1a2b3c4d5e6f7g8h9i0j1k', amount: 20_00, amount_refunded: 20_00 });
  });

  it('stores no attribute for what is null, zero or empty', () => {
    const attributes = paymentAttributes(created({ description: null, metadata: {} }));
    expect(Object.values(attributes)).not.toContain(null);
    expect(attributes).not.toHaveProperty('de');
    expect(attributes).not.toHaveProperty('md');
    expect(attributes).not.toHaveProperty('ar');
  });

  it('keeps a payment with its whole life under 1 KB: every write of it is one write unit', () => {
    const item = { pk: lived().id, sk: 'payment', merchant_type: 'mer_studio_north#payment#3', created_key: `${lived().createdAt}#${lived().id}`, ...paymentAttributes(lived()) };
    expect(itemSize(item)).toBeLessThan(1024);
    expect(writeUnitsOf(itemSize(item))).toBe(1);
  });

  it('refuses a refund beyond the most one payment may have, changing nothing', () => {
    let payment = recordSuccess(recordAuthorization(created({ captureMethod: 'automatic' }), { authorizationId: 'auth_x', amountAuthorized: 129_99, expiresAt: '2026-12-13T10:00:00.000Z' }, at(1)).payment, { captureId: 'cap_x', amount: 129_99 }, at(2)).payment;
    for (let index = 0; index < MAX_REFUNDS_PER_PAYMENT; index += 1) {
      const refund = { refundId: `re_${String(index).padStart(22, '0')}`, amount: 1 };
      payment = recordRefundSuccess(reserveRefund(payment, refund, at(3)).payment, refund, at(4)).payment;
    }
    expect(() => reserveRefund(payment, { refundId: 're_one_too_many_000000000', amount: 1 }, at(5))).toThrow(PaymentNotRefundableError);
    expect(() => reserveRefund(payment, { refundId: 're_one_too_many_000000000', amount: 1 }, at(5))).toThrow(/100 refunds/);
    // Even at the cap the item stays far inside DynamoDB's 400 KB.
    expect(itemSize(paymentAttributes(payment))).toBeLessThan(16 * 1024);
  });

  it('reads back exactly the refund it stored', () => {
    const refund = newRefund({ id: 're_1a2b3c4d5e6f7g8h9i0j1k', merchantId: 'mer_studio_north', paymentId: 'pay_4x9TqkR2mZp7LwN3vB8cYd', amount: 20_00, currency: 'BRL', reason: 'requested_by_customer', requestFingerprint: 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdefabcdef0123', now: at(90) });
    expect(refundOf(refund.id, refundAttributes(refund))).toEqual(refund);
    const failed = { ...refund, status: 'failed' as const, failure: { code: 'refund_failed', message: 'The channel refused the refund.' }, channelRefundId: 'rf_atlas_1', version: 2 };
    expect(refundOf(refund.id, refundAttributes(failed))).toEqual(failed);
  });
});

describe('payment items: nothing in them reads as card data', () => {
  it('writes no timeline entry a data-loss scanner takes for a card number, whatever the time', async () => {
    const { findLeaks } = await import('../../support/leak-detectors');
    let payment = created();
    for (let second = 0; second < 200; second += 1) {
      payment = { ...payment, timeline: [...payment.timeline, { type: 'payment.screened', version: (second % 9) + 1, at: new Date(Date.UTC(2026, 11, 6, 10, 0, 0, second * 7919)).toISOString() }] };
    }
    expect(findLeaks(JSON.stringify(paymentAttributes(payment)))).toEqual([]);
  });
});
