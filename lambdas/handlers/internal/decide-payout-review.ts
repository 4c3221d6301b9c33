import * as z from 'zod/mini';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { sagaTask } from '../../shared/saga-task';
import { taskCompletion } from '../../shared/step-functions';
import { decidePayoutReview } from '../../use-cases/payouts/decide-payout-review';

/**
 * An operator's review decision (the operator API invokes it; `npm run payouts:review` locally):
 * `{ payoutId, decision: "approve" | "reject", operator, note? }` → the payout as the merchant now sees it,
 * plus what the operator screened (the review record).
 */
const deps = { payouts: payoutRepositoryFromEnvironment(), tasks: taskCompletion(), now: () => new Date() };

export const handler = sagaTask({
  operation: 'decidePayoutReview',
  input: z.object({
    payoutId: z.string().check(z.regex(/^po_[a-z2-7]{26}$/)),
    decision: z.enum(['approve', 'reject']),
    operator: z.string().check(z.regex(/^\S{1,128}$/)),
    note: z.optional(z.string().check(z.maxLength(1_000))),
  }),
  handle: async (event) => {
    const payout = await decidePayoutReview(deps, event.payoutId, event.decision, event.operator, event.note ?? null);
    return { payout: presentPayout(payout), review: payout.review };
  },
});
