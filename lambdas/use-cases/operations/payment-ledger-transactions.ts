import { ResourceNotFoundError } from '../../domain/errors';
import type { JournalTransaction } from '../../domain/ledger/transaction';
import type { LedgerStore } from '../../ports/ledger-store';
import type { PaymentRepository } from '../../ports/payment-repository';

/**
 * Operators: the journal transactions of a payment's position (capture, settlement, refunds, reversals),
 * oldest first, each with its entries.
 * 1. Load the payment (ResourceNotFoundError when unknown).
 * 2. Read its position's history from the ledger (none yet: an empty list).
 */
export const listPaymentLedgerTransactions = async (
  deps: { readonly payments: PaymentRepository; readonly ledger: Pick<LedgerStore, 'getPositionHistory'> },
  query: { readonly paymentId: string },
): Promise<readonly JournalTransaction[]> => {
  const payment = await deps.payments.get(query.paymentId);
  if (!payment) throw new ResourceNotFoundError('payment', query.paymentId);
  return (await deps.ledger.getPositionHistory(payment.id))?.transactions ?? [];
};
