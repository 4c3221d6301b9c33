import { type LedgerPayment, contractFee, duplicateLines, matchLine } from '../../../../lambdas/domain/reconciliation/matching';
import type { ReportLine } from '../../../../lambdas/domain/reconciliation/settlement-report';

/** Matching a settlement report line with the ledger: when it settles, and every break it can raise. */
const fees = { percentBps: 290, fixed: { USD: 30 } };
const payment: LedgerPayment = {
  paymentId: 'pay_a',
  merchantId: 'mer_a',
  channel: 'atlas',
  currency: 'USD',
  captured: 10_000,
  refunded: 0,
  capturedAt: '2026-12-05T10:00:00.000Z',
};
const line = (change: Partial<ReportLine> = {}): ReportLine => {
  const base = { lineNumber: 2, batchId: 'b', ourReference: 'pay_a', theirReference: 'cap_1', type: 'capture' as const, gross: 10_000, interchangeFee: 307, schemeFee: 13, currency: 'USD', valueDate: '2026-12-06' };
  const merged = { ...base, ...change };
  return { ...merged, net: merged.gross - merged.interchangeFee - merged.schemeFee };
};

it('computes the contract fee half up, plus the fixed part', () => {
  expect(contractFee(fees, 10_000, 'USD')).toBe(320);
  expect(contractFee(fees, 1_000, 'USD')).toBe(59);
  expect(contractFee(fees, 5, 'EUR')).toBe(0);
});

it.each([
  ['a capture that agrees', line(), payment, true, []],
  ['a fee above the contract', line({ interchangeFee: 400 }), payment, true, [['fee_mismatch', 320, 413]]],
  ['a fee below the contract', line({ schemeFee: 0 }), payment, true, [['fee_mismatch', 320, 307]]],
  ['a gross that differs', line({ gross: 10_001 }), payment, false, [['amount_mismatch', 10_000, 10_001]]],
  ['another currency', line({ currency: 'CAD' }), payment, false, [['currency_mismatch', null, null]]],
  ['a payment the ledger never captured', line(), undefined, false, [['missing_in_ledger', null, 10_000]]],
  ['a payment captured through another channel', line(), { ...payment, channel: 'boreal' }, false, [['missing_in_ledger', null, 10_000]]],
  ['a capture settled 6 days after it was captured', line({ valueDate: '2026-12-11' }), payment, true, [['late', null, null]]],
  ['a capture settled 3 days after (not late)', line({ valueDate: '2026-12-08' }), payment, true, []],
  ['a refund the ledger has', line({ type: 'refund', theirReference: 'rfd_1', gross: -2_000, interchangeFee: 0, schemeFee: 0 }), { ...payment, refunded: 2_000 }, false, []],
  ['a refund the ledger lacks', line({ type: 'refund', theirReference: 'rfd_1', gross: -2_000, interchangeFee: 0, schemeFee: 0 }), payment, false, [['missing_in_ledger', 0, 2_000]]],
  ['a refund above what was refunded', line({ type: 'refund', theirReference: 'rfd_1', gross: -3_000, interchangeFee: 0, schemeFee: 0 }), { ...payment, refunded: 2_000 }, false, [['amount_mismatch', 2_000, 3_000]]],
  ['a refund charged a fee', line({ type: 'refund', theirReference: 'rfd_1', gross: -2_000, interchangeFee: 10, schemeFee: 0 }), { ...payment, refunded: 2_000 }, false, [['fee_mismatch', 0, 10]]],
  ['a chargeback (no disputes in the ledger)', line({ type: 'chargeback', theirReference: 'chb_1', gross: -10_000, interchangeFee: 1_500, schemeFee: 0 }), payment, false, [['missing_in_ledger', null, -10_000]]],
  ['a fee line', line({ type: 'fee', ourReference: '', theirReference: 'fee_1', gross: 0, interchangeFee: 0, schemeFee: 250 }), undefined, false, []],
] as const)('%s', (_name, reportLine, ledger, settle, breaks) => {
  const match = matchLine(reportLine, ledger, fees, 'atlas');
  expect(match.settle).toBe(settle);
  expect(match.breaks.map((found) => [found.kind, found.expected, found.actual])).toEqual(breaks);
  for (const found of match.breaks) expect(found).toMatchObject({ lineNumber: 2, theirReference: reportLine.theirReference, currency: reportLine.currency });
});

it('flags every repeat of a type and acquirer reference after the first, and nothing else', () => {
  const lines = [line(), line({ lineNumber: 3, theirReference: 'cap_2' }), line({ lineNumber: 4 }), line({ lineNumber: 5, type: 'refund', gross: -1, interchangeFee: 0, schemeFee: 0 }), line({ lineNumber: 6 })];
  expect([...duplicateLines(lines)]).toEqual([4, 6]);
});
