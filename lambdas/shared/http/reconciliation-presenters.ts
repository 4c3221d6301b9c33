import type { ReconciliationBreak } from '../../ports/reconciliation-repository';

/** A reconciliation break as the operator API shows it (snake_case, amounts in minor units). */
export const presentReconciliationBreak = (found: ReconciliationBreak) => ({
  id: found.id,
  object: 'reconciliation_break' as const,
  kind: found.kind,
  status: found.status,
  channel: found.channel,
  batch_id: found.batchId,
  report_sha256: found.reportSha256,
  reference: found.reference,
  their_reference: found.theirReference,
  merchant_id: found.merchantId,
  currency: found.currency,
  expected_amount: found.expected,
  reported_amount: found.actual,
  line_number: found.lineNumber,
  detail: found.detail,
  detected_at: found.detectedAt,
  resolved_at: found.resolvedAt,
  resolved_by: found.resolvedBy,
  resolution_note: found.resolutionNote,
});
