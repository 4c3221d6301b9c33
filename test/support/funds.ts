import { randomUUID } from 'node:crypto';
import { type CapturePostingDeps, postLedgerEvent } from '../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentSettled } from '../../lambdas/domain/ledger/postings';

/**
 * Settled funds for a merchant, the way the card saga will post them: a captured payment (gross, fee by
 * the merchant's pricing) settled by its channel. Returns the payment id and the net credited to available.
 * Used until the payment saga captures real payments in these tests.
 */
export const fundMerchant = async (
  deps: CapturePostingDeps,
  merchantId: string,
  amount: number,
  currency: string,
  channel = 'atlas',
): Promise<{ readonly paymentId: string; readonly net: number; readonly fee: number }> => {
  const paymentId = `pay_fund_${randomUUID().replace(/-/g, '')}`;
  const captured = await postLedgerEvent(deps, paymentCaptured, { merchantId, paymentId, channel, currency, amount, authorizedAmount: amount });
  await postLedgerEvent(deps, paymentSettled, { merchantId, paymentId, settlementId: `stl_${paymentId}` });
  return { paymentId, net: captured.transaction.line?.net ?? 0, fee: captured.transaction.line?.fee ?? 0 };
};
