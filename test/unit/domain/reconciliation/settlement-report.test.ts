import { SettlementReportRejectedError, parseAmount, parseSettlementReport } from '../../../../lambdas/domain/reconciliation/settlement-report';

/** Parsing a settlement details report: every way a file is refused whole, with its reason and line. */
const header = 'batch_id,our_reference,their_reference,type,gross,interchange_fee,scheme_fee,net,currency,value_date\n';
const capture = 'b-1,pay_a,cap_1,capture,100.00,2.70,0.50,96.80,USD,2026-12-07\n';
const refund = 'b-1,pay_b,rfd_1,refund,-10.00,0.00,0.00,-10.00,USD,2026-12-07\n';
const payout = 'b-1,,pout_1,payout,90.00,2.70,0.50,86.80,USD,2026-12-07\n';

it('parses a well-formed report into minor units', () => {
  const report = parseSettlementReport(header + capture + refund + payout);
  expect(report).toMatchObject({ batchId: 'b-1', valueDate: '2026-12-07', currency: 'USD', payoutReference: 'pout_1', totals: { gross: 9_000, net: 8_680 } });
  expect(report.lines[0]).toEqual({
    lineNumber: 2, batchId: 'b-1', ourReference: 'pay_a', theirReference: 'cap_1', type: 'capture', gross: 10_000, interchangeFee: 270, schemeFee: 50, net: 9_680, currency: 'USD', valueDate: '2026-12-07',
  });
});

it.each([
  ['an empty file', '', 'empty', undefined],
  ['another header', 'a,b,c\n', 'wrong_columns', 1],
  ['no payout line (cut after a line)', header + capture, 'truncated', 2],
  ['a file cut mid-line', header + capture + payout.slice(0, 20), 'truncated', undefined],
  ['a line after the payout', header + capture + payout + refund, 'truncated', 4],
  ['totals that differ from the lines', header + capture + payout, 'control_totals_mismatch', 3],
  ['an amount with the wrong decimals', header + capture.replace('100.00', '100.0') + payout, 'invalid_field', 2],
  ['JPY with decimals', header + 'b-1,pay_a,cap_1,capture,100.00,0.00,0.00,100.00,JPY,2026-12-07\n' + payout, 'invalid_field', 2],
  ['an unknown currency', header + capture.replace('USD', 'XXX') + payout, 'invalid_field', 2],
  ['an impossible date', header + capture.replace('2026-12-07', '2026-02-30') + payout, 'invalid_field', 2],
  ['an unknown type', header + capture.replace('capture', 'bonus') + payout, 'invalid_field', 2],
  ['a negative fee', header + capture.replace('2.70,0.50,96.80', '-2.70,0.50,102.20') + payout, 'invalid_field', 2],
  ['a net that is not gross − fees', header + capture.replace('96.80', '96.81') + payout, 'net_mismatch', 2],
  ['a positive refund', header + capture + refund.replace('-10.00,0.00,0.00,-10.00', '10.00,0.00,0.00,10.00') + payout, 'invalid_field', 3],
  ['two batches in one file', header + capture + refund.replace('b-1', 'b-2') + payout, 'mixed_batch', 3],
  ['an unbalanced quote', header + 'b-1,"pay_a,cap_1\n', 'not_csv', undefined],
  ['a short row', header + 'b-1,pay_a,cap_1\n', 'not_csv', undefined],
])('refuses %s', (_name, text, reason, lineNumber) => {
  let caught: unknown;
  try {
    parseSettlementReport(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SettlementReportRejectedError);
  expect(caught).toMatchObject({ name: 'SettlementReportRejected', reason });
  if (lineNumber !== undefined) expect((caught as SettlementReportRejectedError).lineNumber).toBe(lineNumber);
});

it.each([
  ['12.34', 'USD', 1234],
  ['-0.05', 'USD', -5],
  ['1200', 'JPY', 1200],
  ['1.234', 'KWD', 1234],
  ['12.3', 'USD', undefined],
  ['12', 'USD', undefined],
  ['1e3', 'JPY', undefined],
])('reads %s %s as %s minor units', (text, currency, expected) => {
  expect(parseAmount(text, currency)).toBe(expected);
});
