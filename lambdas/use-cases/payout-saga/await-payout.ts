import type { PayoutWait } from '../../domain/payouts/payout';
import { waitsFor } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { TaskTokens } from '../../ports/workflows';
import { loadPayout } from './change-payout';

/**
 * A payout's durable wait (the task "AwaitReview" or "AwaitConfirmation", `.waitForTaskToken`, of a
 * Standard workflow named by the payout id): the wait ends when the payout no longer waits for it (an
 * operator decided, the merchant canceled, the rail answered), or times out.
 * 1. Store the token that the review decision, the cancel or the rail's message answers once its own run
 *    has finished (use-cases/payouts/close-payout-wait.ts).
 * 2. Then read the payout: if it has already moved on (the answer was quicker than this task, or this task
 *    ran again after a restart), answer the token at once. Storing before reading means one of the two
 *    always sees the other: a wait is never left open on a payout that moved.
 */
export const awaitPayout = async (
  deps: { readonly payouts: PayoutRepository; readonly workflows: TaskTokens; readonly now: () => Date },
  input: { readonly payoutId: string; readonly wait: PayoutWait; readonly taskToken: string },
): Promise<void> => {
  await deps.payouts.putWaitingToken(input.payoutId, input.wait, input.taskToken, deps.now());
  const payout = await loadPayout(deps.payouts, input.payoutId);
  if (!waitsFor(payout, input.wait)) await deps.workflows.resume(input.taskToken, { status: payout.status });
};
