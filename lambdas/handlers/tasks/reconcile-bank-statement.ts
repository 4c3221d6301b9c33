import { statementReconcileTaskInput } from '../../shared/reconciliation';
import { bankStatementDeps } from '../../wiring/reconciliation-sftp';
import { taskHandler } from '../../shared/task-handler';
import { reconcileBankStatement } from '../../use-cases/reconciliation/bank-statements';

/** Bank statement run, step Reconcile: credits against reports' pay-ins, debits and returns against the ledger's payouts. */
export const handler = taskHandler({
  step: 'ReconcileStatement',
  input: statementReconcileTaskInput,
  run: (input) => reconcileBankStatement(bankStatementDeps(), input),
});
