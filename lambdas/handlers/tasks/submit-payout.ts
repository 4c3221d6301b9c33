import * as z from 'zod/mini';
import { payoutRail } from '../../shared/payout-rails';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { taskHandler } from '../../shared/task-handler';
import { vaultFromEnvironment } from '../../shared/vault';
import { submitPayout } from '../../use-cases/payouts/payout-saga';

/** Payout saga: SubmitToRail. The only function allowed to decrypt bank accounts (kms decrypt `bank-account`). */
const deps = { payouts: payoutRepositoryFromEnvironment(), vault: vaultFromEnvironment(), rails: payoutRail, now: () => new Date() };

export const handler = taskHandler({
  step: 'submitPayout',
  input: z.object({ payoutId: z.string().check(z.regex(/^po_[a-z2-7]{26}$/)) }),
  run: (event) => submitPayout(deps, event.payoutId),
});
