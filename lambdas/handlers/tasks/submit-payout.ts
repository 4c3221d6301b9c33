import { workflows } from '../../wiring/payments';
import { payoutRail } from '../../wiring/payout-rails';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { taskHandler } from '../../shared/task-handler';
import { vaultFromEnvironment } from '../../wiring/vault';
import { submitPayout } from '../../use-cases/payout-saga/submit-payout';

/** Payout workflow, step Submit: the only function that sends money to a rail (asking it first after an unknown outcome), and the only one allowed to decrypt bank accounts (kms decrypt `bank-account`); a payout the rail took starts its confirmation wait. */
export const handler = taskHandler({
  step: 'Submit',
  input: payoutStepInput,
  run: (input) => submitPayout({ payouts: payoutRepository(), vault: vaultFromEnvironment(), rails: payoutRail, workflows: workflows(), now: () => new Date() }, input),
});
