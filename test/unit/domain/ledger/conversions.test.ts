import { counter, emptyPosition } from '../../../../lambdas/domain/ledger/positions';
import { type ConversionTerms, conversion, payoutFundsConverted, payoutFundsReleased, payoutFundsReserved, payoutPaid, paymentCaptured, paymentSettled, reversal, buildPosting } from '../../../../lambdas/domain/ledger/postings';
import { type JournalTransaction, entryProblems, linesOf, totalsByCurrency } from '../../../../lambdas/domain/ledger/transaction';
import { memoryJournal } from '../../../support/memory-journal';

/**
 * The FX posting templates: a conversion between available balances (both legs, the platform's FX
 * position, the spread as revenue, one statement line per currency) and a payout's reservation converted
 * into the currency it pays in, then paid, reversed on a return and released.
 */
const now = new Date('2026-11-21T12:00:00.000Z');
// 1,000.00 BRL → 252.65 CAD at 0.2526508828; at mid (0.2543038579) 254.30 CAD: spread 1.65 CAD.
const terms: ConversionTerms = { quoteId: 'qt_1', sellCurrency: 'BRL', sellAmount: 100_000, buyCurrency: 'CAD', buyAmount: 25_265, spreadAmount: 165, rate: '0.2526508828' };

const amountOn = (transaction: JournalTransaction, account: string, side: 'debit' | 'credit') =>
  transaction.entries.filter((entry) => entry.account === account && entry.side === side).reduce((sum, entry) => sum + entry.amount, 0);

/** A ledger in memory (test/support/memory-journal.ts) with a way to fund the merchant. */
const ledger = () => {
  const journal = memoryJournal();
  let payments = 0;
  return {
    ...journal,
    /** Settled funds from a fee-free payment. */
    fund(amount: number, currency: string) {
      payments += 1;
      const paymentId = `pay_${payments}`;
      journal.post((position) => buildPosting(paymentCaptured, { merchantId: 'mer_1', paymentId, channel: 'acq_1', currency, amount, authorizedAmount: amount }, position, now, { percentBps: 0, fixed: {} }), paymentId);
      journal.post((position) => buildPosting(paymentSettled, { merchantId: 'mer_1', paymentId, settlementId: 'stl_1' }, position, now), paymentId);
    },
  };
};

describe('conversion between available balances', () => {
  const transaction = buildPosting(conversion, { ...terms, merchantId: 'mer_1', conversionId: 'cv_1' }, emptyPosition('cv_1', 'mer_1'), now);

  it('balances in each currency through the FX position, the spread recognised as revenue', () => {
    expect(entryProblems(transaction)).toEqual([]);
    expect(totalsByCurrency(transaction.entries)).toEqual(
      new Map([
        ['BRL', { debits: 100_000, credits: 100_000 }],
        ['CAD', { debits: 25_430, credits: 25_430 }],
      ]),
    );
    expect(amountOn(transaction, 'merchant_available:mer_1:BRL', 'debit')).toBe(100_000);
    expect(amountOn(transaction, 'fx_position:platform:BRL', 'credit')).toBe(100_000);
    expect(amountOn(transaction, 'fx_position:platform:CAD', 'debit')).toBe(25_430);
    expect(amountOn(transaction, 'merchant_available:mer_1:CAD', 'credit')).toBe(25_265);
    expect(amountOn(transaction, 'platform_fx_revenue:platform:CAD', 'credit')).toBe(165);
  });

  it('writes one statement line per currency', () => {
    expect(linesOf(transaction).map((line) => [line.type, line.source, line.amount, line.fee, line.net, line.currency, line.status])).toEqual([
      ['conversion', 'cv_1', -100_000, 0, -100_000, 'BRL', 'available'],
      ['conversion', 'cv_1', 25_265, 0, 25_265, 'CAD', 'available'],
    ]);
    expect(linesOf(transaction)[0]?.id).toBe(transaction.id);
    expect(linesOf(transaction)[1]?.id).toMatch(/^txn_[a-z2-7]{26}$/);
    expect(linesOf(transaction)[1]?.id).not.toBe(transaction.id);
  });

  it('posts once per conversion, and its reversal mirrors both lines', () => {
    const l = ledger();
    l.fund(100_000, 'BRL');
    const posted = l.post((position) => buildPosting(conversion, { ...terms, merchantId: 'mer_1', conversionId: 'cv_1' }, position, now), 'cv_1');
    expect(() => buildPosting(conversion, { ...terms, merchantId: 'mer_1', conversionId: 'cv_1' }, l.position('cv_1'), now)).toThrow(
      expect.objectContaining({ name: 'PostingRejectedError', reason: 'already_converted' }),
    );
    expect(l.accountBalance('fx_position:platform:BRL')).toBe(100_000); // long BRL
    expect(l.accountBalance('fx_position:platform:CAD')).toBe(-25_430); // short CAD
    const mirror = l.post((position) => buildPosting(reversal, posted, position, now), 'cv_1');
    expect(linesOf(mirror).map((line) => [line.type, line.amount, line.currency])).toEqual([
      ['adjustment', 100_000, 'BRL'],
      ['adjustment', -25_265, 'CAD'],
    ]);
    expect(l.verify().differences).toEqual([]);
  });

  it('refuses malformed terms by name', () => {
    const bad = (change: Partial<ConversionTerms>) => () => buildPosting(conversion, { ...terms, ...change, merchantId: 'mer_1', conversionId: 'cv_2' }, emptyPosition('cv_2', 'mer_1'), now);
    expect(bad({ buyCurrency: 'BRL' })).toThrow(expect.objectContaining({ reason: 'invalid_input' }));
    expect(bad({ spreadAmount: -1 })).toThrow(expect.objectContaining({ reason: 'invalid_input' }));
    expect(bad({ buyAmount: 0 })).toThrow(expect.objectContaining({ reason: 'invalid_input' }));
  });
});

describe('a converting payout: reserve, convert, pay, return', () => {
  it('moves the reservation into the payout currency, pays it, and a return restores the sold currency', () => {
    const l = ledger();
    l.fund(100_000, 'BRL');
    const reserved = l.post((position) => buildPosting(payoutFundsReserved, { merchantId: 'mer_1', payoutId: 'po_1', amount: 100_000, currency: 'BRL' }, position, now), 'po_1');
    expect(reserved.line).toMatchObject({ type: 'payout', amount: -100_000, currency: 'BRL' });
    const converted = l.post((position) => buildPosting(payoutFundsConverted, { ...terms, merchantId: 'mer_1', payoutId: 'po_1' }, position, now), 'po_1');
    expect(converted.line).toBeNull();
    expect(l.balances()).toEqual([
      { currency: 'BRL', available: 0, pending: 0, reserved: 0 },
      { currency: 'CAD', available: 0, pending: 0, reserved: 25_265 },
    ]);
    const paid = l.post((position) => buildPosting(payoutPaid, { merchantId: 'mer_1', payoutId: 'po_1', channel: 'maple' }, position, now), 'po_1');
    expect(paid.entries).toEqual([
      { account: 'merchant_reserved:mer_1:CAD', side: 'debit', amount: 25_265, currency: 'CAD' },
      { account: 'channel_clearing:maple:CAD', side: 'credit', amount: 25_265, currency: 'CAD' },
    ]);
    expect(counter(l.position('po_1'), 'convertedPaid')).toBe(25_265);

    // Returned by the bank: undo the payment, then the conversion, then release the reservation.
    l.post((position) => buildPosting(reversal, paid, position, now), 'po_1');
    expect(() => buildPosting(payoutFundsReleased, { merchantId: 'mer_1', payoutId: 'po_1', reason: 'returned' }, l.position('po_1'), now)).toThrow(
      expect.objectContaining({ reason: 'payout_converted' }),
    );
    l.post((position) => buildPosting(reversal, converted, position, now), 'po_1');
    const released = l.post((position) => buildPosting(payoutFundsReleased, { merchantId: 'mer_1', payoutId: 'po_1', reason: 'returned' }, position, now), 'po_1');
    expect(released.line).toMatchObject({ type: 'payout_return', amount: 100_000, currency: 'BRL', description: 'Payout po_1 returned by the bank: funds restored' });
    expect(l.balances()).toEqual([
      { currency: 'BRL', available: 100_000, pending: 0, reserved: 0 },
      { currency: 'CAD', available: 0, pending: 0, reserved: 0 },
    ]);
    expect(l.accountBalance('fx_position:platform:CAD')).toBe(0);
    expect(l.accountBalance('platform_fx_revenue:platform:CAD')).toBe(0);
    expect(l.verify().differences).toEqual([]);
  });

  it('converts exactly what is reserved, once, and refuses a reversal of the conversion while it is paid out', () => {
    const l = ledger();
    l.fund(100_000, 'BRL');
    l.post((position) => buildPosting(payoutFundsReserved, { merchantId: 'mer_1', payoutId: 'po_2', amount: 100_000, currency: 'BRL' }, position, now), 'po_2');
    expect(() => buildPosting(payoutFundsConverted, { ...terms, sellAmount: 99_999, merchantId: 'mer_1', payoutId: 'po_2' }, l.position('po_2'), now)).toThrow(
      expect.objectContaining({ reason: 'conversion_mismatch' }),
    );
    expect(() => buildPosting(payoutFundsConverted, { ...terms, sellCurrency: 'USD', merchantId: 'mer_1', payoutId: 'po_2' }, l.position('po_2'), now)).toThrow(
      expect.objectContaining({ reason: 'conversion_mismatch' }),
    );
    const converted = l.post((position) => buildPosting(payoutFundsConverted, { ...terms, merchantId: 'mer_1', payoutId: 'po_2' }, position, now), 'po_2');
    expect(() => buildPosting(payoutFundsConverted, { ...terms, merchantId: 'mer_1', payoutId: 'po_2' }, l.position('po_2'), now)).toThrow(
      expect.objectContaining({ reason: 'already_converted' }),
    );
    l.post((position) => buildPosting(payoutPaid, { merchantId: 'mer_1', payoutId: 'po_2', channel: 'maple' }, position, now), 'po_2');
    expect(() => buildPosting(reversal, converted, l.position('po_2'), now)).toThrow(expect.objectContaining({ reason: 'reversal_not_allowed' }));
    expect(l.verify().differences).toEqual([]);
  });

  it('releases a failed payout with its own line type', () => {
    const l = ledger();
    l.fund(5_000, 'USD');
    l.post((position) => buildPosting(payoutFundsReserved, { merchantId: 'mer_1', payoutId: 'po_3', amount: 5_000, currency: 'USD' }, position, now), 'po_3');
    const released = l.post((position) => buildPosting(payoutFundsReleased, { merchantId: 'mer_1', payoutId: 'po_3', reason: 'failed' }, position, now), 'po_3');
    expect(released.line).toMatchObject({ type: 'payout_failure', amount: 5_000 });
    expect(l.verify().differences).toEqual([]);
  });
});
