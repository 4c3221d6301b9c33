import { stringify } from 'csv-stringify/sync';
import type { StatementLine } from './transaction';

/**
 * The balance transactions report (docs/api.md, "Reports"): one CSV row per statement line of the window,
 * oldest first, then one `total` row per currency whose amount, fee and net are the sums of that currency's
 * rows, so the file reconciles with itself and with GET /v1/balance_transactions. Written by csv-stringify
 * (RFC 4180 quoting) with `escape_formulas`: a text cell starting with = + - @ (or a tab or carriage return)
 * gets a leading `'` so a spreadsheet shows it instead of evaluating it; numbers are left as numbers.
 */
export const REPORT_COLUMNS = ['id', 'created_at', 'type', 'source', 'currency', 'amount', 'fee', 'net', 'status', 'available_on'] as const;

export const balanceReportCsv = (lines: readonly StatementLine[]): string => {
  const oldestFirst = [...lines].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const totals = new Map<string, { amount: number; fee: number; net: number }>();
  for (const line of oldestFirst) {
    const total = totals.get(line.currency) ?? { amount: 0, fee: 0, net: 0 };
    totals.set(line.currency, { amount: total.amount + line.amount, fee: total.fee + line.fee, net: total.net + line.net });
  }
  const rows = [
    ...oldestFirst.map((line) => [line.id, line.createdAt, line.type, line.source, line.currency, line.amount, line.fee, line.net, line.status, line.availableOn ?? '']),
    ...[...totals.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, total]) => ['total', '', '', '', currency, total.amount, total.fee, total.net, '', '']),
  ];
  return stringify(rows, { header: true, columns: [...REPORT_COLUMNS], escape_formulas: true });
};
