import { ledgerDeps } from '../../wiring/ledger';
import { payoutStepInput } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { reconciliationRepository } from '../../wiring/reconciliation';
import { taskHandler } from '../../shared/task-handler';
import { settlePayout } from '../../use-cases/payout-saga/settle-payout';

/** Payout workflow, step Settle: the rail paid it; the funds leave through its clearing account, and the debit the bank must book is recorded. */
export const handler = taskHandler({
  step: 'Settle',
  input: payoutStepInput,
  run: (input) => settlePayout({ payouts: payoutRepository(), ledger: ledgerDeps(), reports: reconciliationRepository(), now: () => new Date() }, input),
});
