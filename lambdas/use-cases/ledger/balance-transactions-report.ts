import type { ListPosition } from '../../domain/list-window';
import { ReportTooLargeError } from '../../domain/errors';
import type { StatementLine } from '../../domain/ledger/transaction';
import type { LedgerStore } from '../../ports/ledger-store';

/** The longest window one report covers, and the most statement lines it reads: beyond either, 422. */
export const REPORT_MAX_DAYS = 31;
export const REPORT_MAX_LINES = 10_000;
const PAGE = 100;

export interface ReportRequest {
  readonly merchantId: string;
  /** Inclusive bounds, epoch milliseconds (from `created[gte|gt]` and `created[lte|lt]`); both required. */
  readonly createdFromMs?: number;
  readonly createdToMs?: number;
  readonly currency?: string;
}

/**
 * Every statement line of a merchant in a bounded window, for the balance transactions report.
 * 1. Refuse a window without both bounds or longer than REPORT_MAX_DAYS (naming the field).
 * 2. Read the window page by page through the ledger's created-order listing (as GET /v1/balance_transactions
 *    does), refusing once it holds more than REPORT_MAX_LINES lines.
 * 3. Keep the lines of `currency` when one is asked.
 */
export const balanceTransactionsReport = async (deps: { readonly ledger: LedgerStore }, request: ReportRequest): Promise<readonly StatementLine[]> => {
  const { createdFromMs: from, createdToMs: to } = request;
  if (from === undefined) throw new ReportTooLargeError('created[gte]', 'A report needs the start of its window: created[gte] or created[gt].');
  if (to === undefined) throw new ReportTooLargeError('created[lt]', 'A report needs the end of its window: created[lt] or created[lte].');
  if (to < from) throw new ReportTooLargeError('created[lt]', 'The end of the window must come after its start.');
  if (to - from >= REPORT_MAX_DAYS * 86_400_000) {
    throw new ReportTooLargeError('created[lt]', `A report covers at most ${REPORT_MAX_DAYS} days: ask for a shorter window.`);
  }
  const lines: StatementLine[] = [];
  let after: ListPosition | undefined;
  for (;;) {
    const page = await deps.ledger.listLines(request.merchantId, { limit: PAGE, createdFromMs: from, createdToMs: to, ...(after ? { after } : {}) });
    lines.push(...page.lines);
    if (lines.length > REPORT_MAX_LINES) {
      throw new ReportTooLargeError('created[gte]', `The window holds more than ${REPORT_MAX_LINES} balance transactions: ask for a shorter window.`);
    }
    const last = page.lines.at(-1);
    if (!page.hasMore || !last) break;
    after = { createdAt: last.createdAt, id: last.id };
  }
  return request.currency === undefined ? lines : lines.filter((line) => line.currency === request.currency);
};
