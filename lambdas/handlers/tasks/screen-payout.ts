import * as z from 'zod/mini';
import { checkedInSanctionsList } from '../../adapters/screening/checked-in-sanctions-list';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { taskHandler } from '../../shared/task-handler';
import { screenPayout } from '../../use-cases/payouts/payout-saga';

/** Payout saga: Screen (sanctions list, amount limits); `review` sends the saga to AwaitReview. */
const deps = { payouts: payoutRepositoryFromEnvironment(), sanctions: checkedInSanctionsList, now: () => new Date() };

export const handler = taskHandler({
  step: 'screenPayout',
  input: z.object({ payoutId: z.string().check(z.regex(/^po_[a-z2-7]{26}$/)) }),
  run: (event) => screenPayout(deps, event.payoutId),
});
