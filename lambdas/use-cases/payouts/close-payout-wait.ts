import type { Payout, PayoutWait } from '../../domain/payouts/payout';
import { waitsFor } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { TaskTokens } from '../../ports/workflows';

/**
 * A payout no longer waits for what a durable wait holds it for (an operator decided, the merchant
 * canceled, the rail answered): answer the wait's task, so its Standard execution ends now rather than at
 * its timeout. No token stored yet (the wait's task has not run): that task reads the payout after storing
 * its token and ends the wait itself. A token nobody waits on any more is `gone`: nothing to do.
 */
export const closePayoutWait = async (deps: { readonly payouts: PayoutRepository; readonly workflows: TaskTokens }, payout: Payout, wait: PayoutWait): Promise<void> => {
  if (waitsFor(payout, wait)) return;
  const token = await deps.payouts.getWaitingToken(payout.id, wait);
  if (token) await deps.workflows.resume(token, { status: payout.status });
};
