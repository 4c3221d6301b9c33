import { ledgerDeps } from '../../wiring/ledger';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { taskHandler } from '../../shared/task-handler';
import { releasePayoutFunds } from '../../use-cases/payout-saga/release-payout-funds';

/** Payout workflow, step Release: a definite failure or a cancel; the held funds go back, failed or canceled. */
export const handler = taskHandler({
  step: 'Release',
  input: payoutStepInput,
  run: (input) => releasePayoutFunds({ payouts: payoutRepository(), ledger: ledgerDeps(), now: () => new Date() }, input),
});
