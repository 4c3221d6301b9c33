import { completeTaskInput } from '../../shared/reconciliation';
import { reconciliationDeps } from '../../wiring/reconciliation-sftp';
import { taskHandler } from '../../shared/task-handler';
import { completeSettlementReconciliation } from '../../use-cases/reconciliation/complete-settlement-reconciliation';

/** Reconciliation run, last step: captures missing from the report, the batch's fees booked, the report closed. */
export const handler = taskHandler({
  step: 'Complete',
  input: completeTaskInput,
  run: (input) => completeSettlementReconciliation(reconciliationDeps(), input),
});
