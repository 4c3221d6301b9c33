import { statementIngestTaskInput } from '../../shared/reconciliation';
import { bankStatementDeps } from '../../wiring/reconciliation-sftp';
import { taskHandler } from '../../shared/task-handler';
import { ingestBankStatement } from '../../use-cases/reconciliation/bank-statements';

/** Bank statement run, step Ingest: the camt.053 statement whole or not at all (accepted, replayed, rejected, quarantined). */
export const handler = taskHandler({
  step: 'IngestStatement',
  input: statementIngestTaskInput,
  run: (input) => ingestBankStatement(bankStatementDeps(), input),
});
