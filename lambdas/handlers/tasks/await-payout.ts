import * as z from 'zod/mini';
import { workflows } from '../../wiring/payments';
import { payoutId, payoutWait } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { taskHandler } from '../../shared/task-handler';
import { awaitPayout } from '../../use-cases/payout-saga/await-payout';

/** Payout wait (review or confirmation), step AwaitPayout (`.waitForTaskToken`): stores the token that ends the wait. */
export const handler = taskHandler({
  step: 'AwaitPayout',
  input: z.object({ payoutId, wait: payoutWait, taskToken: z.string().check(z.minLength(1), z.maxLength(2_048)) }),
  run: (input) => awaitPayout({ payouts: payoutRepository(), workflows: workflows(), now: () => new Date() }, input),
});
