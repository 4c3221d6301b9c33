import { type LedgerPostingDeps, reversePosting } from '../ledger/postings';

/** Compensation (payment and refund sagas): reverse a ledger posting with a new, mirrored transaction (never an edit). */
export const reverseLedgerPosting = async (
  deps: { readonly ledger: LedgerPostingDeps },
  input: { readonly transactionId: string },
): Promise<{ reversalId: string }> => {
  const reversed = await reversePosting(deps.ledger, { transactionId: input.transactionId });
  return { reversalId: reversed.transaction.id };
};
