import { fxRepository } from '../../wiring/fx';
import { ledgerDeps } from '../../wiring/ledger';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { taskHandler } from '../../shared/task-handler';
import { convertPayoutFunds } from '../../use-cases/payout-saga/convert-payout-funds';

/** Payout workflow, step Convert: the held funds into the payout currency at the payout's quote. */
export const handler = taskHandler({
  step: 'Convert',
  input: payoutStepInput,
  run: (input) => convertPayoutFunds({ payouts: payoutRepository(), quotes: fxRepository(), ledger: ledgerDeps(), now: () => new Date() }, input),
});
