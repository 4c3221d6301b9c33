import { parse } from 'csv-parse/sync';
import { balanceReportCsv } from '../../../lambdas/domain/ledger/balance-report';
import type { StatementLine } from '../../../lambdas/domain/ledger/transaction';
import { pageInMemory } from '../../../lambdas/domain/list-window';
import type { LedgerStore } from '../../../lambdas/ports/ledger-store';
import { REPORT_MAX_LINES, balanceTransactionsReport } from '../../../lambdas/use-cases/ledger/balance-transactions-report';

const line = (overrides: Partial<StatementLine> & Pick<StatementLine, 'id' | 'createdAt'>): StatementLine => ({
  merchantId: 'mer_1',
  type: 'payment',
  source: 'pay_1',
  amount: 1_000,
  fee: 59,
  net: 941,
  currency: 'USD',
  status: 'pending',
  availableOn: null,
  description: 'Payment',
  ...overrides,
});

const rowsOf = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[];

describe('balanceReportCsv', () => {
  const lines = [
    line({ id: 'txn_c', createdAt: '2026-12-03T00:00:00.000Z', type: 'refund', source: 're_1', amount: -400, fee: 0, net: -400 }),
    line({ id: 'txn_a', createdAt: '2026-12-01T00:00:00.000Z', status: 'available', availableOn: '2026-12-02T00:00:00.000Z' }),
    line({ id: 'txn_b', createdAt: '2026-12-02T00:00:00.000Z', currency: 'JPY', amount: 500, fee: 15, net: 485 }),
  ];

  it('writes one row per line, oldest first, then per-currency totals equal to the sums of the rows', () => {
    const rows = rowsOf(balanceReportCsv(lines));
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'created_at', 'type', 'source', 'currency', 'amount', 'fee', 'net', 'status', 'available_on']);
    expect(rows.map((row) => row.id)).toEqual(['txn_a', 'txn_b', 'txn_c', 'total', 'total']);
    expect(rows[0]).toEqual({
      id: 'txn_a',
      created_at: '2026-12-01T00:00:00.000Z',
      type: 'payment',
      source: 'pay_1',
      currency: 'USD',
      amount: '1000',
      fee: '59',
      net: '941',
      status: 'available',
      available_on: '2026-12-02T00:00:00.000Z',
    });
    // A negative amount stays a number a spreadsheet can add (no formula escape on numbers).
    expect(rows[2]?.amount).toBe('-400');
    const totals = rows.filter((row) => row.id === 'total');
    for (const total of totals) {
      const own = rows.filter((row) => row.id !== 'total' && row.currency === total.currency);
      for (const field of ['amount', 'fee', 'net'] as const) {
        expect(Number(total[field])).toBe(own.reduce((sum, row) => sum + Number(row[field]), 0));
      }
    }
    expect(totals.map((total) => [total.currency, total.amount, total.fee, total.net])).toEqual([
      ['JPY', '500', '15', '485'],
      ['USD', '600', '59', '541'],
    ]);
  });

  it('escapes text cells a spreadsheet would evaluate, and quotes separators', () => {
    const hostile = ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', 'a,b "c"'];
    const csv = balanceReportCsv(hostile.map((source, index) => line({ id: `txn_${index}`, createdAt: `2026-12-01T00:00:0${index}.000Z`, source })));
    expect(rowsOf(csv).slice(0, hostile.length).map((row) => row.source)).toEqual([
      `'=HYPERLINK("http://x")`,
      `'+1`,
      `'-2+3`,
      `'@SUM(A1)`,
      'a,b "c"',
    ]);
  });

  it('writes the header alone for an empty window', () => {
    expect(rowsOf(balanceReportCsv([]))).toEqual([]);
    expect(balanceReportCsv([]).trim()).toBe('id,created_at,type,source,currency,amount,fee,net,status,available_on');
  });
});

describe('balanceTransactionsReport', () => {
  /** The port's listLines contract (newest first, created-order windows) over lines held in memory. */
  const storeOf = (all: readonly StatementLine[]) => {
    const newestFirst = [...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    const ledger = {
      listLines: async (merchantId: string, window: Parameters<LedgerStore['listLines']>[1]) => {
        const page = pageInMemory(
          newestFirst.filter((item) => item.merchantId === merchantId),
          window,
          (item) => item,
        );
        return { lines: page.items, hasMore: page.hasMore };
      },
    } as unknown as LedgerStore;
    return ledger;
  };
  const day = 86_400_000;
  const start = Date.parse('2026-12-01T00:00:00.000Z');
  const at = (ms: number) => new Date(ms).toISOString();

  it('reads every page of the window and nothing outside it, filtered by currency', async () => {
    const all = Array.from({ length: 250 }, (_, index) =>
      line({ id: `txn_${String(index).padStart(4, '0')}`, createdAt: at(start + index * 60_000), currency: index % 2 ? 'EUR' : 'USD' }),
    );
    const ledger = storeOf([...all, line({ id: 'txn_other', merchantId: 'mer_2', createdAt: at(start + 1) })]);
    const got = await balanceTransactionsReport({ ledger }, { merchantId: 'mer_1', createdFromMs: start + 10 * 60_000, createdToMs: start + 210 * 60_000 - 1 });
    expect(got.map((item) => item.id).sort()).toEqual(all.slice(10, 210).map((item) => item.id));
    const euros = await balanceTransactionsReport({ ledger }, { merchantId: 'mer_1', createdFromMs: start, createdToMs: start + day, currency: 'EUR' });
    expect(euros).toHaveLength(125);
  });

  it('refuses a window without bounds, reversed or longer than 31 days, naming the field', async () => {
    const ledger = storeOf([]);
    const refusal = (from: number | undefined, to: number | undefined) =>
      balanceTransactionsReport({ ledger }, { merchantId: 'mer_1', ...(from === undefined ? {} : { createdFromMs: from }), ...(to === undefined ? {} : { createdToMs: to }) }).then(
        () => undefined,
        (error: { name: string; field: string }) => [error.name, error.field],
      );
    expect(await refusal(undefined, start)).toEqual(['ReportTooLargeError', 'created[gte]']);
    expect(await refusal(start, undefined)).toEqual(['ReportTooLargeError', 'created[lt]']);
    expect(await refusal(start, start - 1)).toEqual(['ReportTooLargeError', 'created[lt]']);
    expect(await refusal(start, start + 31 * day)).toEqual(['ReportTooLargeError', 'created[lt]']);
    expect(await refusal(start, start + 31 * day - 1)).toBeUndefined();
  });

  it(`refuses a window holding more than ${REPORT_MAX_LINES} lines`, async () => {
    const many = Array.from({ length: REPORT_MAX_LINES + 1 }, (_, index) => line({ id: `txn_${String(index).padStart(6, '0')}`, createdAt: at(start + index * 100) }));
    const window = { merchantId: 'mer_1', createdFromMs: start, createdToMs: start + day };
    await expect(balanceTransactionsReport({ ledger: storeOf(many) }, window)).rejects.toMatchObject({ name: 'ReportTooLargeError', field: 'created[gte]' });
    await expect(balanceTransactionsReport({ ledger: storeOf(many.slice(1)) }, window)).resolves.toHaveLength(REPORT_MAX_LINES);
  });
});
