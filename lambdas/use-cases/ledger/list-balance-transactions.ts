import type { LedgerStore, LinePage } from '../../ports/ledger-store';
import { type ListRequest, resolveListWindow } from '../list-window';

/**
 * A merchant's statement lines, newest first.
 * 1. Resolve the cursor (`starting_after` or `ending_before`) to one of the merchant's lines (another
 *    merchant's id is as unknown as a made-up one).
 * 2. Return one page of the window (cursor and `created` bounds) and whether more follow.
 */
export const listBalanceTransactions = async (deps: { readonly ledger: LedgerStore }, request: ListRequest): Promise<LinePage> =>
  deps.ledger.listLines(request.merchantId, await resolveListWindow(request, (id) => deps.ledger.getLine(id)));
