import { draftsOf } from '../../../lambdas/adapters/dynamodb/event-sources';
import { paymentAttributes, refundAttributes } from '../../../lambdas/adapters/dynamodb/payment-items';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { recordAuthorization, recordRefundSuccess, recordScreening, recordSuccess, reserveRefund } from '../../../lambdas/domain/payment-lifecycle';
import type { Payout } from '../../../lambdas/domain/payouts/payout';
import { newRefund, refundSucceeded } from '../../../lambdas/domain/refund';
import { presentPayment } from '../../../lambdas/shared/http/presenters';

/**
 * The outbox: a table's change record (the item before and after one write) becomes the events a merchant
 * hears about, each carrying the object as `GET` would answer it after the change. Internal steps
 * (screened, authorized) make no event; a write that adds several timeline entries makes one event each.
 */
const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 10, 0, second));
const paymentItem = (payment: Payment) => ({ pk: payment.id, sk: 'payment', ...paymentAttributes(payment) });

const created = (): Payment =>
  newPayment({
    id: 'pay_4x9TqkR2mZp7LwN3vB8cYd',
    merchantId: 'mer_studio_north',
    amount: 129_99,
    currency: 'BRL',
    captureMethod: 'automatic',
    card: { brand: 'visa', bin: '424242', last4: '4242', exp_month: 12, exp_year: 2030, token: 'tok_8fJ2kLmN4pQ6rS8tU0vW2x', fingerprint: 'v1.3q8Zr0XbT5yKc2WmA9dLfE' },
    description: null,
    metadata: {},
    requestFingerprint: 'f',
    now: at(0),
  });

describe('payments table changes', () => {
  it('makes payment.created from the insert, with the payment as presented', () => {
    // Prepare
    const payment = created();
    // Act
    const drafts = draftsOf({ table: 'payments', eventName: 'INSERT', newImage: paymentItem(payment) });
    // Assess
    expect(drafts).toEqual([
      { merchantId: 'mer_studio_north', type: 'payment.created', objectId: payment.id, sequence: 1, createdMs: at(0).getTime(), object: presentPayment(payment) },
    ]);
  });

  it('makes one event per new timeline entry a merchant acts on, none for internal steps', () => {
    const before = created();
    let after = recordScreening(before, { decision: 'approve', score: 1, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true }, at(1)).payment;
    after = recordAuthorization(after, { authorizationId: 'auth_1', amountAuthorized: 129_99, expiresAt: '2026-12-13T10:00:00.000Z' }, at(2)).payment;
    after = recordSuccess(after, { captureId: 'cap_1', amount: 129_99 }, at(3)).payment;
    const drafts = draftsOf({ table: 'payments', eventName: 'MODIFY', oldImage: paymentItem(before), newImage: paymentItem(after) });
    expect(drafts.map((draft) => [draft.type, draft.sequence])).toEqual([['payment.succeeded', after.version]]);
    expect(drafts[0]?.object).toMatchObject({ status: 'succeeded', amount_received: 129_99 });
  });

  it('tells a partial refund from a full one, and makes refund.created and refund.succeeded', () => {
    let paid = recordSuccess(recordScreening(created(), { decision: 'approve', score: 1, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true }, at(1)).payment, { captureId: 'cap_1', amount: 129_99 }, at(3)).payment;
    paid = reserveRefund(paid, { refundId: 're_1', amount: 29_99 }, at(4)).payment;
    const partially = recordRefundSuccess(paid, { refundId: 're_1', amount: 29_99 }, at(5)).payment;
    expect(draftsOf({ table: 'payments', eventName: 'MODIFY', oldImage: paymentItem(paid), newImage: paymentItem(partially) }).map((draft) => draft.type)).toEqual(['payment.partially_refunded']);

    const refund = newRefund({ id: 're_1', merchantId: 'mer_studio_north', paymentId: paid.id, amount: 29_99, currency: 'BRL', reason: null, requestFingerprint: 'f', now: at(4) });
    const refundItem = (value: typeof refund) => ({ pk: value.id, sk: 'refund', ...refundAttributes(value) });
    expect(draftsOf({ table: 'payments', eventName: 'INSERT', newImage: refundItem(refund) }).map((draft) => draft.type)).toEqual(['refund.created']);
    const succeeded = refundSucceeded(refund, 'chre_1', at(5));
    expect(draftsOf({ table: 'payments', eventName: 'MODIFY', oldImage: refundItem(refund), newImage: refundItem(succeeded) }).map((draft) => [draft.type, draft.sequence])).toEqual([
      ['refund.succeeded', succeeded.version],
    ]);
  });

  it('makes nothing of a removed item or an item that is not an object (markers, idempotency)', () => {
    expect(draftsOf({ table: 'payments', eventName: 'REMOVE', oldImage: paymentItem(created()) })).toEqual([]);
    expect(draftsOf({ table: 'payments', eventName: 'INSERT', newImage: { pk: 'rail#x', sk: 'rail-reference' } })).toEqual([]);
  });
});

describe('payouts table changes', () => {
  const payout = (status: Payout['status'], version: number): Record<string, unknown> => ({
    pk: 'po_1',
    sk: 'payout',
    id: 'po_1',
    merchantId: 'mer_a',
    status,
    version,
    amount: 100,
    currency: 'EUR',
    sourceAmount: 100,
    sourceCurrency: 'EUR',
    failure: null,
    createdAt: at(0).toISOString(),
    updatedAt: at(version).toISOString(),
  });

  it('makes payout.created on insert and an event for each status it reaches, not for bookkeeping writes', () => {
    expect(draftsOf({ table: 'payouts', eventName: 'INSERT', newImage: payout('pending', 1) }).map((draft) => draft.type)).toEqual(['payout.created']);
    expect(draftsOf({ table: 'payouts', eventName: 'MODIFY', oldImage: payout('pending', 1), newImage: payout('pending', 2) })).toEqual([]);
    const paid = draftsOf({ table: 'payouts', eventName: 'MODIFY', oldImage: payout('processing', 4), newImage: payout('paid', 5) });
    expect(paid.map((draft) => [draft.type, draft.sequence, draft.createdMs])).toEqual([['payout.paid', 5, at(5).getTime()]]);
  });
});
