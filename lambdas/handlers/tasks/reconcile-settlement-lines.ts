import { chunkTaskInput } from '../../shared/reconciliation';
import { reconciliationDeps } from '../../wiring/reconciliation-sftp';
import { taskHandler } from '../../shared/task-handler';
import { reconcileSettlementLines } from '../../use-cases/reconciliation/reconcile-settlement-lines';

/** Reconciliation run, Map iteration: a chunk of the report's lines against the ledger (settlements, breaks). */
export const handler = taskHandler({
  step: 'ReconcileLines',
  input: chunkTaskInput,
  run: (input) => reconcileSettlementLines(reconciliationDeps(), input),
});
