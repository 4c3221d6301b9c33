import { InvalidCursorError } from '../../domain/errors';
import type { StatementLine } from '../../domain/ledger/transaction';
import type { LedgerStore, LinePage } from '../../ports/ledger-store';

/**
 * A merchant's statement lines, newest first.
 * 1. Resolve `starting_after` to one of the merchant's lines (another merchant's id is as unknown as a
 *    made-up one).
 * 2. Return one page and whether more follow.
 */
export const listBalanceTransactions = async (
  deps: { readonly ledger: LedgerStore },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<LinePage> => {
  let after: StatementLine | undefined;
  if (query.startingAfter !== undefined) {
    after = await deps.ledger.getLine(query.startingAfter);
    if (!after || after.merchantId !== query.merchantId) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.ledger.listLines(query.merchantId, { limit: query.limit, after });
};
