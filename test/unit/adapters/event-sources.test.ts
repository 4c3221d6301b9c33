import { authorizationOutcomesOf, balanceDraftsOf, draftsOf } from '../../../lambdas/adapters/dynamodb/event-sources';
import { transactionItems } from '../../../lambdas/adapters/dynamodb/ledger-codec';
import { paymentAttributes, refundAttributes } from '../../../lambdas/adapters/dynamodb/payment-items';
import type { JournalTransaction, StatementLine } from '../../../lambdas/domain/ledger/transaction';
import { type Payment, newPayment } from '../../../lambdas/domain/payment';
import { recordAuthorization, recordFailure, recordRefundSuccess, recordScreening, recordSuccess, reserveRefund } from '../../../lambdas/domain/payment-lifecycle';
import type { Payout } from '../../../lambdas/domain/payouts/payout';
import { newRefund, refundSucceeded } from '../../../lambdas/domain/refund';
import { presentBalanceTransaction, presentPayment } from '../../../lambdas/shared/http/presenters';

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
    let after = recordScreening(before, { decision: 'approve', score: 1, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, at(1)).payment;
    after = recordAuthorization(after, { authorizationId: 'auth_1', amountAuthorized: 129_99, expiresAt: '2026-12-13T10:00:00.000Z' }, at(2)).payment;
    after = recordSuccess(after, { captureId: 'cap_1', amount: 129_99 }, at(3)).payment;
    const drafts = draftsOf({ table: 'payments', eventName: 'MODIFY', oldImage: paymentItem(before), newImage: paymentItem(after) });
    expect(drafts.map((draft) => [draft.type, draft.sequence])).toEqual([['payment.succeeded', after.version]]);
    expect(drafts[0]?.object).toMatchObject({ status: 'succeeded', amount_received: 129_99 });
  });

  it('tells a partial refund from a full one, and makes refund.created and refund.succeeded', () => {
    let paid = recordSuccess(recordScreening(created(), { decision: 'approve', score: 1, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, at(1)).payment, { captureId: 'cap_1', amount: 129_99 }, at(3)).payment;
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

describe('conversions, beneficiaries and API keys', () => {
  const conversion = (status: 'pending' | 'completed'): Record<string, unknown> => ({
    pk: 'cv_1',
    sk: 'conversion',
    merchant_type: 'mer_a#conversion',
    created_key: `${at(0).toISOString()}#cv_1`,
    id: 'cv_1',
    merchantId: 'mer_a',
    quoteId: 'qt_1',
    sellCurrency: 'USD',
    sellAmount: 10_000,
    buyCurrency: 'EUR',
    buyAmount: 9_200,
    rate: '0.92',
    status,
    transactionId: status === 'completed' ? 'txn_1' : null,
    createdAt: at(0).toISOString(),
    completedAt: status === 'completed' ? at(1).toISOString() : null,
    requestFingerprint: 'f',
  });

  it('makes conversion.created on insert and conversion.completed once posted, each with the conversion as presented', () => {
    const createdDrafts = draftsOf({ table: 'fx', eventName: 'INSERT', newImage: conversion('pending') });
    expect(createdDrafts.map((draft) => [draft.type, draft.sequence, draft.merchantId, draft.createdMs])).toEqual([['conversion.created', 1, 'mer_a', at(0).getTime()]]);
    const completed = draftsOf({ table: 'fx', eventName: 'MODIFY', oldImage: conversion('pending'), newImage: conversion('completed') });
    expect(completed.map((draft) => [draft.type, draft.sequence, draft.createdMs])).toEqual([['conversion.completed', 2, at(1).getTime()]]);
    expect(completed[0]?.object).toEqual(expect.objectContaining({ id: 'cv_1', object: 'conversion', status: 'completed', sell_amount: 10_000 }));
    expect(JSON.stringify(completed[0]?.object)).not.toContain('requestFingerprint');
    // A quote is not an event.
    expect(draftsOf({ table: 'fx', eventName: 'INSERT', newImage: { pk: 'qt_1', sk: 'quote', merchantId: 'mer_a' } })).toEqual([]);
  });

  it('makes beneficiary.created with the account number masked, never the fingerprint', () => {
    const beneficiary = {
      pk: 'ben_1',
      sk: 'beneficiary',
      id: 'ben_1',
      merchantId: 'mer_a',
      name: 'Acme Supplies',
      entityType: 'company',
      country: 'US',
      currency: 'USD',
      bankAccount: { rail: 'ach', bankCountry: 'US', last4: '6789', routingNumber: '011000015', accountType: 'checking', token: 'vault_tok_1' },
      accountFingerprint: 'v1.secretfingerprint',
      metadata: {},
      createdAt: at(0).toISOString(),
      requestFingerprint: 'f',
    };
    const drafts = draftsOf({ table: 'payouts', eventName: 'INSERT', newImage: beneficiary });
    expect(drafts.map((draft) => [draft.type, draft.objectId, draft.sequence])).toEqual([['beneficiary.created', 'ben_1', 1]]);
    expect(drafts[0]?.object).toMatchObject({ object: 'beneficiary', bank_account: { last4: '6789' } });
    const text = JSON.stringify(drafts[0]?.object);
    for (const secret of ['secretfingerprint', 'vault_tok_1', 'requestFingerprint']) expect(text).not.toContain(secret);
    expect(draftsOf({ table: 'payouts', eventName: 'MODIFY', oldImage: beneficiary, newImage: beneficiary })).toEqual([]);
  });

  it('makes api_key.created and api_key.revoked from the merchant\'s listing item, never from the lookup item with the hash', () => {
    const listing = (status: 'active' | 'revoked') => ({
      pk: 'mer_a'.replace(/^/, 'merchant#'),
      sk: `apikey#${at(0).toISOString()}#k1abcdef`,
      keyId: 'k1abcdef',
      merchantId: 'mer_a',
      status,
      createdAt: at(0).toISOString(),
      ...(status === 'revoked' ? { revokedAt: at(3).toISOString() } : {}),
    });
    const createdKey = draftsOf({ table: 'merchants', eventName: 'INSERT', newImage: listing('active') });
    expect(createdKey.map((draft) => [draft.type, draft.merchantId, draft.sequence])).toEqual([['api_key.created', 'mer_a', 1]]);
    expect(createdKey[0]?.object).toMatchObject({ object: 'api_key', status: 'active' });
    const revoked = draftsOf({ table: 'merchants', eventName: 'MODIFY', oldImage: listing('active'), newImage: listing('revoked') });
    expect(revoked.map((draft) => [draft.type, draft.sequence, draft.createdMs])).toEqual([['api_key.revoked', 2, at(3).getTime()]]);
    const lookup = { pk: 'apikey#k1abcdef', sk: 'apikey', keyId: 'k1abcdef', merchantId: 'mer_a', secretHash: 'hash', status: 'active', createdAt: at(0).toISOString() };
    expect(draftsOf({ table: 'merchants', eventName: 'INSERT', newImage: lookup })).toEqual([]);
    expect(draftsOf({ table: 'merchants', eventName: 'INSERT', newImage: { pk: 'merchant#mer_a', sk: 'profile', name: 'A' } })).toEqual([]);
  });
});

describe('authorization outcomes of a stream batch', () => {
  it('counts each payment authorized once, and failures only of payments never authorized', () => {
    const before = created();
    const screened = recordScreening(before, { decision: 'approve', score: 1, reasons: [] }, { channel: 'atlas', reason: 'least_cost', plan: ['atlas'], failover: true, strategy: 'least_cost' }, at(1)).payment;
    const authorized = recordAuthorization(screened, { authorizationId: 'auth_1', amountAuthorized: 129_99, expiresAt: '2026-12-13T10:00:00.000Z' }, at(2)).payment;
    const captured = recordSuccess(authorized, { captureId: 'cap_1', amount: 129_99 }, at(3)).payment;
    const declined = recordFailure(screened, { code: 'card_declined', message: 'The card was declined (do_not_honor).' }, at(2)).payment;
    const failedAfterAuthorization = recordFailure(authorized, { code: 'capture_failed', message: 'The capture failed.' }, at(3)).payment;
    const change = (old: Payment | undefined, next: Payment) =>
      ({ table: 'payments', eventName: old ? 'MODIFY' : 'INSERT', ...(old ? { oldImage: paymentItem(old) } : {}), newImage: paymentItem(next) }) as const;

    expect(
      authorizationOutcomesOf([
        change(undefined, before),
        change(before, screened),
        change(screened, authorized),
        // A later write to the same payment does not count its authorization again.
        change(authorized, captured),
        change(screened, declined),
        change(authorized, failedAfterAuthorization),
        { table: 'payments', eventName: 'REMOVE', oldImage: paymentItem(declined) },
        { table: 'payouts', eventName: 'INSERT', newImage: { pk: 'po_1', sk: 'payout' } },
      ]),
    ).toEqual({ authorized: 1, failed: 1 });
    // A write that screens and authorizes at once counts the authorization.
    expect(authorizationOutcomesOf([change(before, captured)])).toEqual({ authorized: 1, failed: 0 });
  });
});

describe('ledger changes (funds becoming available)', () => {
  const captureLine: StatementLine = {
    id: 'txn_capture',
    merchantId: 'mer_studio_north',
    type: 'payment',
    source: 'pay_4x9TqkR2mZp7LwN3vB8cYd',
    amount: 129_99,
    fee: 416,
    net: 125_83,
    currency: 'BRL',
    status: 'pending',
    availableOn: null,
    createdAt: at(3).toISOString(),
    description: 'Payment pay_4x9TqkR2mZp7LwN3vB8cYd',
  };
  const settlement = (kind: JournalTransaction['kind'], lineChanges: JournalTransaction['lineChanges']): Record<string, unknown> => {
    const transaction: JournalTransaction = {
      id: 'txn_settled',
      kind,
      merchantId: 'mer_studio_north',
      sourceId: captureLine.source,
      positionId: captureLine.source,
      entries: [],
      positionDelta: {},
      positionFields: {},
      line: null,
      lineChanges,
      reverses: null,
      fingerprint: 'f',
      createdAt: at(9).toISOString(),
      description: 'Settlement',
    };
    return transactionItems(transaction, 2, [], 'us-east-1', 4)[0] as Record<string, unknown>;
  };
  const lines = async (id: string) => (id === captureLine.id ? captureLine : undefined);

  it('makes balance_transaction.available from a settlement, with the line as the statement shows it after the change', async () => {
    // Prepare
    const item = settlement('payment_settled', [{ lineId: captureLine.id, from: 'pending', to: 'available', availableOn: at(9).toISOString() }]);
    // Act
    const drafts = await balanceDraftsOf([{ table: 'ledger', eventName: 'INSERT', newImage: item }], lines);
    // Assess
    expect(drafts).toEqual([
      {
        merchantId: 'mer_studio_north',
        type: 'balance_transaction.available',
        objectId: 'txn_capture',
        sequence: 2,
        createdMs: at(9).getTime(),
        object: presentBalanceTransaction({ ...captureLine, status: 'available', availableOn: at(9).toISOString() }),
      },
    ]);
    expect(drafts[0]?.object).toMatchObject({ object: 'balance_transaction', status: 'available', net: 125_83 });
  });

  it('makes none for other postings, other tables, or a settlement that moved no line', async () => {
    const change = [{ lineId: captureLine.id, from: 'pending' as const, to: 'available' as const, availableOn: at(9).toISOString() }];
    expect(await balanceDraftsOf([{ table: 'ledger', eventName: 'INSERT', newImage: settlement('payment_captured', change) }], lines)).toEqual([]);
    expect(await balanceDraftsOf([{ table: 'ledger', eventName: 'INSERT', newImage: settlement('payment_settled', []) }], lines)).toEqual([]);
    expect(await balanceDraftsOf([{ table: 'payments', eventName: 'INSERT', newImage: settlement('payment_settled', change) }], lines)).toEqual([]);
    expect(await balanceDraftsOf([{ table: 'ledger', eventName: 'REMOVE', oldImage: settlement('payment_settled', change) }], lines)).toEqual([]);
    // A balance shard's change is not a journal transaction.
    expect(await balanceDraftsOf([{ table: 'ledger', eventName: 'MODIFY', newImage: { pk: 'bal#mer_studio_north#0', sk: 'BRL#00', k: 'payment_settled' } }], lines)).toEqual([]);
  });

  it('fails the batch (the stream retries it) when the settled line cannot be read yet', async () => {
    const item = settlement('payment_settled', [{ lineId: 'txn_unknown', from: 'pending', to: 'available', availableOn: at(9).toISOString() }]);
    await expect(balanceDraftsOf([{ table: 'ledger', eventName: 'INSERT', newImage: item }], lines)).rejects.toThrow(/txn_unknown/);
  });
});
