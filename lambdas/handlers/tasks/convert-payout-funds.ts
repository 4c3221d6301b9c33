import { fxRepositoryFromEnvironment } from '../../shared/fx';
import { ledgerDeps } from '../../wiring/ledger';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { taskHandler } from '../../shared/task-handler';
import { convertPayoutFunds } from '../../use-cases/payout-saga/convert-payout-funds';

/** Payout workflow, step Convert: the held funds into the payout currency at the payout's quote. */
export const handler = taskHandler({
  step: 'Convert',
  input: payoutStepInput,
  run: (input) => convertPayoutFunds({ payouts: payoutRepositoryFromEnvironment(), quotes: fxRepositoryFromEnvironment(), ledger: ledgerDeps(), now: () => new Date() }, input),
});
