import { settlementBatchPositionId } from '../../domain/ledger/postings';

import type { ReconciliationBreak } from '../../ports/reconciliation-repository';
import { postLedgerEvent } from '../ledger/postings';
import { acquirerFeesBooked } from '../../domain/ledger/postings';
import type { ChunkResult, ReconciliationDeps } from './reconcile-settlement-lines';
import { toBreak } from './reconcile-settlement-lines';
import { readAcceptedReport } from './settlement-reports';

/**
 * Reconciliation run, last step: what only the whole report can tell, then the books.
 * 1. Every capture the acquirer announced in this batch (capture.settled) that the report does not list
 *    is a `missing_in_report` break: the acquirer said it settled it, and did not pay it.
 * 2. Book the fees the acquirer kept of the batch (every line's interchange + scheme fee, per currency) as
 *    the platform's cost: Dr platform_acquirer_fees · Cr channel_clearing, once per batch and currency
 *    (a derived transaction id: a retry or a re-run is a replay).
 * 3. Record the pay-in the report announces (its payout line: reference, net, currency, value date), which
 *    the bank's statement must credit once (three-way match, decision 0032).
 * 4. Mark the report reconciled with its summary (what ops read, and what the run returns).
 */
export const completeSettlementReconciliation = async (
  deps: ReconciliationDeps,
  input: { readonly channel: string; readonly file: string; readonly sha256: string; readonly batchId: string; readonly chunks: readonly ChunkResult[] },
): Promise<Record<string, unknown>> => {
  const report = await readAcceptedReport(deps.source, input.channel, input.file, input.sha256);
  const listed = new Set(report.lines.filter((line) => line.type === 'capture').map((line) => line.theirReference));
  const detectedAt = deps.now().toISOString();
  const context = { channel: input.channel, batchId: input.batchId, sha256: input.sha256, detectedAt };
  const missing: ReconciliationBreak[] = (await deps.reports.listExpectations(input.channel, input.batchId))
    .filter((expectation) => !listed.has(expectation.captureId))
    .map((expectation) =>
      toBreak(
        {
          kind: 'missing_in_report',
          reference: expectation.paymentId,
          theirReference: expectation.captureId,
          merchantId: expectation.merchantId,
          currency: expectation.currency,
          expected: expectation.amount,
          actual: null,
          lineNumber: null,
          detail: `capture ${expectation.captureId} of ${expectation.paymentId} was announced settled in batch ${input.batchId}, the report does not list it`,
        },
        context,
        'capture',
      ),
    );
  const newMissing = await deps.reports.recordBreaks(missing);
  const feesByCurrency = new Map<string, number>();
  for (const line of report.lines) feesByCurrency.set(line.currency, (feesByCurrency.get(line.currency) ?? 0) + line.interchangeFee + line.schemeFee);
  const feesBooked: Record<string, number> = {};
  for (const [currency, amount] of feesByCurrency) {
    if (amount <= 0) continue;
    await postLedgerEvent(deps.ledger, acquirerFeesBooked, { positionId: settlementBatchPositionId(input.channel, input.batchId, currency), channel: input.channel, batchId: input.batchId, currency, amount });
    feesBooked[currency] = amount;
  }
  if (report.totals.net > 0) {
    await deps.reports.recordBankPayIn({ channel: input.channel, batchId: input.batchId, reference: report.payoutReference, amount: report.totals.net, currency: report.currency, valueDate: report.valueDate });
  }
  const sum = (field: keyof ChunkResult) => input.chunks.reduce((total, chunk) => total + chunk[field], 0);
  const summary = {
    channel: input.channel,
    batch_id: input.batchId,
    file: input.file,
    sha256: input.sha256,
    lines: report.lines.length,
    settled: sum('settled'),
    already_settled: sum('alreadySettled'),
    breaks: sum('breaks') + newMissing,
    missing_in_report: missing.length,
    fees_booked: feesBooked,
    net: report.totals.net,
    currency: report.currency,
  };
  await deps.reports.finishReport(input.channel, input.sha256, detectedAt, summary);
  return summary;
};

