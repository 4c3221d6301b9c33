import { ingestTaskInput } from '../../shared/reconciliation';
import { reconciliationDeps } from '../../wiring/reconciliation-sftp';
import { taskHandler } from '../../shared/task-handler';
import { ingestSettlementReport } from '../../use-cases/reconciliation/ingest-settlement-report';

/** Reconciliation run, step Ingest: the report whole or not at all (accepted, replayed, rejected, quarantined). */
export const handler = taskHandler({
  step: 'Ingest',
  input: ingestTaskInput,
  run: (input) => {
    const deps = reconciliationDeps();
    return ingestSettlementReport({ reports: deps.reports, source: deps.source, now: deps.now }, input);
  },
});
