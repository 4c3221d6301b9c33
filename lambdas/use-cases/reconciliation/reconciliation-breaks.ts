import { InvalidCursorError, ResourceNotFoundError } from '../../domain/errors';
import type { BreakKind, BreakStatus } from '../../domain/reconciliation/matching';
import type { ReconciliationBreak, ReconciliationRepository } from '../../ports/reconciliation-repository';

/**
 * Operators' view of reconciliation breaks (operator API).
 * List: by status (default open), optionally one kind and one merchant, oldest first (what has waited
 * longest comes first), `starting_after` the last break of the previous page.
 * Resolve: an open break is closed with the operator's note; resolving it again is a conflict
 * (BreakNotOpenError). Moving money for a break (an adjustment posting, reviewed) is a later slice.
 */
export const listReconciliationBreaks = async (
  deps: { readonly reports: ReconciliationRepository },
  query: { readonly status: BreakStatus; readonly kind?: BreakKind; readonly merchantId?: string; readonly limit: number; readonly startingAfter?: string },
): Promise<{ readonly breaks: readonly ReconciliationBreak[]; readonly hasMore: boolean }> => {
  let after: ReconciliationBreak | undefined;
  if (query.startingAfter) {
    after = await deps.reports.getBreak(query.startingAfter);
    if (!after || after.status !== query.status) throw new InvalidCursorError('starting_after', query.startingAfter);
  }
  return deps.reports.listBreaks({ status: query.status, kind: query.kind, merchantId: query.merchantId, limit: query.limit, after });
};

export const resolveReconciliationBreak = async (
  deps: { readonly reports: ReconciliationRepository; readonly now: () => Date },
  input: { readonly breakId: string; readonly note: string; readonly operator: string },
): Promise<{ readonly before: ReconciliationBreak; readonly after: ReconciliationBreak }> => {
  const before = await deps.reports.getBreak(input.breakId);
  if (!before) throw new ResourceNotFoundError('reconciliation_break', input.breakId);
  const after = await deps.reports.resolveBreak(input.breakId, { at: deps.now().toISOString(), by: input.operator, note: input.note });
  return { before, after };
};
