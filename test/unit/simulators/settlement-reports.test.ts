import { parse } from 'csv-parse/sync';
import { parseSettlementReport } from '../../../lambdas/domain/reconciliation/settlement-report';
import { type SettledItem, batchValueDate, buildSettlementReport, settlementBatchId, splitFee } from '../../../local/simulators/card-acquirer/settlement-reports';

/** The acquirer simulator's settlement details reports: shape, totals, determinism, and the breaks it can carry. */
const items: SettledItem[] = Array.from({ length: 40 }, (_, index) => ({
  type: 'capture',
  ourReference: `pay_${String(index).padStart(26, 'a')}`,
  theirReference: `cap_${index}`,
  gross: 1_000 + index * 37,
  fee: Math.floor(((1_000 + index * 37) * 290 + 5_000) / 10_000) + 30,
  currency: 'USD',
}));
const refund: SettledItem = { type: 'refund', ourReference: 'pay_refunded', theirReference: 'rfd_1', gross: -500, fee: 0, currency: 'USD' };
const build = (breaks = {}, seed = 7) =>
  buildSettlementReport({ channel: 'atlas', batchId: 'atlas-usd-20000', currency: 'USD', valueDate: '2024-10-04', items: [...items, refund], seed, breaks });

it('writes an RFC 4180 CSV with a header, a line per item and a payout line holding the totals', () => {
  const report = build();
  const rows = parse(report.csv) as string[][];
  expect(rows[0]).toEqual(['batch_id', 'our_reference', 'their_reference', 'type', 'gross', 'interchange_fee', 'scheme_fee', 'net', 'currency', 'value_date']);
  expect(rows).toHaveLength(1 + 41 + 1);
  expect(rows.at(-1)?.[3]).toBe('payout');
  const parsed = parseSettlementReport(report.csv);
  expect(parsed.lines).toHaveLength(41);
  expect(parsed.totals.net).toBe(report.payout.net);
  expect(report.payout.net).toBe(items.reduce((sum, item) => sum + item.gross - item.fee, 0) - 500);
});

it('is deterministic for a seed, and another seed picks other lines', () => {
  const breaks = { fee_mismatch: 3, missing_capture: 2 };
  expect(build(breaks, 7).csv).toBe(build(breaks, 7).csv);
  expect(build(breaks, 8).injected).not.toEqual(build(breaks, 7).injected);
});

it.each([
  ['fee_mismatch', { fee_mismatch: 3 }, 41],
  ['missing_in_report', { missing_capture: 2 }, 39],
  ['amount_mismatch', { amount_mismatch: 2 }, 41],
  ['currency_mismatch', { currency_mismatch: 1 }, 41],
  ['duplicate', { duplicate_line: 2 }, 43],
])('injects %s breaks into a file that is still well formed', (kind, breaks, lineCount) => {
  const report = build(breaks);
  const parsed = parseSettlementReport(report.csv);
  expect(parsed.lines).toHaveLength(lineCount);
  expect(report.injected.length).toBeGreaterThan(0);
  expect(report.injected.every((injected) => injected.kind === kind)).toBe(true);
});

it('renames the batch for an unknown-batch break', () => {
  const report = build({ unknown_batch: true });
  expect(parseSettlementReport(report.csv).batchId).toBe('atlas-usd-20000-x');
  expect(report.injected).toEqual([{ kind: 'unknown_batch', ourReference: '', theirReference: 'atlas-usd-20000-x' }]);
});

it('splits a fee into interchange and a 0.13 % scheme fee, and names batches by channel, currency and window', () => {
  expect(splitFee(10_000, 320)).toEqual({ interchangeFee: 307, schemeFee: 13 });
  expect(splitFee(100, 0)).toEqual({ interchangeFee: 0, schemeFee: 0 });
  expect(settlementBatchId('atlas', 'USD', new Date(86_400_000 * 3 + 5), 86_400_000)).toBe('atlas-usd-3');
  expect(batchValueDate('atlas-usd-3', 86_400_000)).toBe('1970-01-05');
});
