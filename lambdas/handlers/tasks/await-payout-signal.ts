import * as z from 'zod/mini';
import { SIGNAL_PURPOSES } from '../../ports/payout-repository';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { taskHandler } from '../../shared/task-handler';
import { workflows } from '../../shared/payment-deps';
import { registerWait } from '../../use-cases/payouts/signals';

/**
 * Payout saga: the function behind AwaitReview, AwaitRailConfirmation and AwaitReturn
 * (`lambda:invoke.waitForTaskToken`). Stores the token; answers it at once when the signal came first.
 */
const deps = { payouts: payoutRepositoryFromEnvironment(), tasks: workflows(), now: () => new Date() };

export const handler = taskHandler({
  step: 'awaitPayoutSignal',
  input: z.object({
    payoutId: z.string().check(z.regex(/^po_[a-z2-7]{26}$/)),
    purpose: z.enum(SIGNAL_PURPOSES),
    token: z.string().check(z.minLength(1), z.maxLength(2_048)),
  }),
  run: (event) => registerWait(deps, event),
});
