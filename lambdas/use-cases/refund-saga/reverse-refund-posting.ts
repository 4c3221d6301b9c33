import { type LedgerPostingDeps, reversePosting } from '../ledger/postings';

/**
 * Compensation (refund workflow step "ReverseRefundPosting"): the channel refused the refund, so its
 * ledger posting is reversed with a new, mirrored transaction (never an edit). Idempotent: the reversal's
 * id derives from the posting it reverses.
 */
export const reverseRefundPosting = async (
  deps: { readonly ledger: LedgerPostingDeps },
  input: { readonly transactionId: string },
): Promise<{ readonly reversalId: string }> => {
  const reversed = await reversePosting(deps.ledger, { transactionId: input.transactionId });
  return { reversalId: reversed.transaction.id };
};
