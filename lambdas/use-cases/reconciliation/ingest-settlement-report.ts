import { breakId } from '../../domain/reconciliation/matching';
import { SettlementReportRejectedError, parseSettlementReport } from '../../domain/reconciliation/settlement-report';
import type { ReconciliationRepository, ReportRecord } from '../../ports/reconciliation-repository';
import type { SettlementReportSource } from '../../ports/settlement-report-source';
import { sha256Of } from './settlement-reports';

/**
 * Reconciliation run, step Ingest: take an acquirer's settlement report in, whole or not at all.
 * 1. Read the file and hash it. A file already received (same channel and SHA-256) is `replayed`: the run
 *    stops and nothing changes, whatever became of it the first time.
 * 2. Parse and check it whole (domain/reconciliation/settlement-report.ts). A malformed or truncated file
 *    is `rejected`, recorded with its reason and line, and nothing of it is applied.
 * 3. A batch the acquirer never announced (no capture.settled named it) is `quarantined` with an
 *    `unknown_batch` break: not applied until an operator looks.
 * 4. Record the report and claim its batch in one transaction. A batch another file already claimed is
 *    `quarantined` (`batch_already_reported`): a batch is applied once, from one file.
 * 5. Accepted: the chunks of lines the run's Map reconciles.
 */
export const RECONCILIATION_CHUNK_LINES = 500;

export type IngestResult =
  | {
      readonly outcome: 'accepted';
      readonly channel: string;
      readonly file: string;
      readonly sha256: string;
      readonly batchId: string;
      readonly lineCount: number;
      readonly chunks: readonly { readonly from: number; readonly to: number }[];
    }
  | { readonly outcome: 'replayed'; readonly sha256: string; readonly status: string }
  | { readonly outcome: 'rejected' | 'quarantined'; readonly sha256: string; readonly reason: string; readonly detail: string };

export const ingestSettlementReport = async (
  deps: { readonly reports: ReconciliationRepository; readonly source: SettlementReportSource; readonly now: () => Date },
  input: { readonly channel: string; readonly file: string },
): Promise<IngestResult> => {
  const { channel, file } = input;
  const bytes = await deps.source.read(channel, file);
  const sha256 = sha256Of(bytes);
  const known = await deps.reports.getReport(channel, sha256);
  if (known) return { outcome: 'replayed', sha256, status: known.status };
  const receivedAt = deps.now().toISOString();
  const record = (fields: Pick<ReportRecord, 'batchId' | 'status' | 'reason' | 'detail' | 'lineCount'>): ReportRecord => ({
    channel,
    sha256,
    fileName: file,
    receivedAt,
    completedAt: null,
    summary: null,
    ...fields,
  });
  const refuse = async (status: 'rejected' | 'quarantined', batchId: string | null, reason: string, detail: string, lineCount = 0): Promise<IngestResult> => {
    const stored = await deps.reports.recordRefusedReport(record({ batchId, status, reason, detail, lineCount }));
    if (stored.status !== status) return { outcome: 'replayed', sha256, status: stored.status };
    return { outcome: status, sha256, reason, detail };
  };
  let report;
  try {
    report = parseSettlementReport(bytes.toString('utf8'));
  } catch (error) {
    if (!(error instanceof SettlementReportRejectedError)) throw error;
    return refuse('rejected', null, error.reason, error.message);
  }
  const lineCount = report.lines.length;
  if (!(await deps.reports.hasExpectations(channel, report.batchId))) {
    const detail = `batch ${report.batchId} was never announced by ${channel} (no capture.settled named it)`;
    await deps.reports.recordBreaks([
      {
        id: breakId(channel, report.batchId, 'unknown_batch', sha256, ''),
        kind: 'unknown_batch',
        status: 'open',
        channel,
        batchId: report.batchId,
        reportSha256: sha256,
        reference: report.batchId,
        theirReference: report.payoutReference,
        merchantId: null,
        currency: report.currency,
        expected: null,
        actual: report.totals.net,
        lineNumber: null,
        detail: `${detail}; file ${file} quarantined`,
        detectedAt: receivedAt,
        resolvedAt: null,
        resolvedBy: null,
        resolutionNote: null,
      },
    ]);
    return refuse('quarantined', report.batchId, 'unknown_batch', detail, lineCount);
  }
  const claim = await deps.reports.claimReport(record({ batchId: report.batchId, status: 'reconciling', reason: null, detail: null, lineCount }));
  if (claim.outcome === 'same_file') return { outcome: 'replayed', sha256, status: claim.existing.status };
  if (claim.outcome === 'batch_taken') {
    return refuse('quarantined', report.batchId, 'batch_already_reported', `batch ${report.batchId} was already reported by another file (sha256 ${claim.bySha256})`, lineCount);
  }
  const chunks = Array.from({ length: Math.ceil(lineCount / RECONCILIATION_CHUNK_LINES) }, (_, index) => ({
    from: index * RECONCILIATION_CHUNK_LINES,
    to: Math.min(lineCount, (index + 1) * RECONCILIATION_CHUNK_LINES),
  }));
  return { outcome: 'accepted', channel, file, sha256, batchId: report.batchId, lineCount, chunks };
};
