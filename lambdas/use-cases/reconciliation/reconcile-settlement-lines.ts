import { PostingRejectedError } from '../../domain/ledger/errors';
import { counter } from '../../domain/ledger/positions';
import {
  type AcquirerFees,
  type BreakDraft,
  type LedgerPayment,
  breakId,
  duplicateLines,
  matchLine,
} from '../../domain/reconciliation/matching';
import type { ReportLine } from '../../domain/reconciliation/settlement-report';
import type { ReconciliationBreak, ReconciliationRepository } from '../../ports/reconciliation-repository';
import type { SettlementReportSource } from '../../ports/settlement-report-source';
import { type LedgerPostingDeps, postLedgerEvent } from '../ledger/postings';
import { paymentSettled } from '../../domain/ledger/postings';
import { readAcceptedReport } from './settlement-reports';
import { forEachLimited } from '../../shared/concurrency';

/**
 * Reconciliation run, Map iteration: one chunk of a report's lines against the ledger.
 * 1. Read the accepted file again (same hash, or SettlementReportChanged).
 * 2. For each line of the chunk (a few at a time): a repeat of an earlier line (same type and acquirer
 *    reference) is a `duplicate` break and is not applied; otherwise read its payment's position from the
 *    ledger and match (domain/reconciliation/matching.ts).
 * 3. A capture the report confirms is settled: its funds move from pending to available, posted under the
 *    same settlement id (the capture id) as the acquirer's capture.settled webhook, so whichever comes first
 *    moves them and the other is a replay that writes nothing (decision 0018).
 * 4. Breaks are written with ids derived from the batch, kind and line: a retried chunk finds the same ones.
 */
export interface ReconcileChunkInput {
  readonly channel: string;
  readonly file: string;
  readonly sha256: string;
  readonly batchId: string;
  readonly from: number;
  readonly to: number;
}

export interface ChunkResult {
  readonly lines: number;
  /** Captures the report confirmed whose funds this run moved to available. */
  readonly settled: number;
  /** Captures the report confirmed that were already settled (by the webhook, or an earlier attempt). */
  readonly alreadySettled: number;
  readonly breaks: number;
}

export interface ReconciliationDeps {
  readonly reports: ReconciliationRepository;
  readonly source: SettlementReportSource;
  readonly ledger: LedgerPostingDeps;
  /** The acquirer's contract fees (platform/channels.ts). */
  readonly feesOf: (channel: string) => AcquirerFees;
  readonly now: () => Date;
  /** Lines worked on at once (ledger reads and postings). */
  readonly concurrency?: number;
}

const PAYMENT_ID = /^pay_[a-z2-7]{26}$/;

/**
 * What the ledger holds for the payment a line names (undefined when it holds no capture of it), and the ids
 * of its transactions (to see a settlement already posted without asking again).
 */
export const ledgerPaymentOf = async (ledger: LedgerPostingDeps, paymentId: string): Promise<(LedgerPayment & { readonly transactionIds: ReadonlySet<string> }) | undefined> => {
  if (!PAYMENT_ID.test(paymentId)) return undefined;
  const history = await ledger.ledger.getPositionHistory(paymentId);
  const position = history?.position;
  if (!history || !position || position.kind !== 'payment' || counter(position, 'captured') === 0 || !position.currency || !position.channel) return undefined;
  const capture = history.transactions.find((transaction) => transaction.id === position.captureTransactionId);
  return {
    paymentId,
    merchantId: position.merchantId,
    channel: position.channel,
    currency: position.currency,
    captured: counter(position, 'captured'),
    refunded: counter(position, 'refunded'),
    capturedAt: capture?.createdAt ?? history.transactions[0]?.createdAt ?? new Date(0).toISOString(),
    transactionIds: new Set(history.transactions.map((transaction) => transaction.id)),
  };
};

export const toBreak = (draft: BreakDraft, context: { channel: string; batchId: string; sha256: string; detectedAt: string }, discriminator: string): ReconciliationBreak => ({
  ...draft,
  id: breakId(context.channel, context.batchId, draft.kind, draft.theirReference ?? draft.reference, discriminator),
  status: 'open',
  channel: context.channel,
  batchId: context.batchId,
  reportSha256: context.sha256,
  detectedAt: context.detectedAt,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
});

export const reconcileSettlementLines = async (deps: ReconciliationDeps, input: ReconcileChunkInput): Promise<ChunkResult> => {
  const report = await readAcceptedReport(deps.source, input.channel, input.file, input.sha256);
  if (report.batchId !== input.batchId) throw new RangeError(`${input.file} is batch ${report.batchId}, the run says ${input.batchId}`);
  const duplicates = duplicateLines(report.lines);
  const fees = deps.feesOf(input.channel);
  const context = { channel: input.channel, batchId: input.batchId, sha256: input.sha256, detectedAt: deps.now().toISOString() };
  const breaks: ReconciliationBreak[] = [];
  let settled = 0;
  let alreadySettled = 0;
  const chunk = report.lines.slice(input.from, input.to);
  await forEachLimited(chunk, deps.concurrency ?? 16, async (line: ReportLine) => {
    if (duplicates.has(line.lineNumber)) {
      breaks.push(
        toBreak(
          {
            kind: 'duplicate',
            reference: line.ourReference || line.theirReference,
            theirReference: line.theirReference,
            merchantId: null,
            currency: line.currency,
            expected: null,
            actual: line.gross,
            lineNumber: line.lineNumber,
            detail: `${line.type} ${line.theirReference} listed again on line ${line.lineNumber}: applied once`,
          },
          context,
          String(line.lineNumber),
        ),
      );
      return;
    }
    if (line.type === 'fee') return;
    const payment = await ledgerPaymentOf(deps.ledger, line.ourReference);
    const match = matchLine(line, payment, fees, input.channel);
    breaks.push(...match.breaks.map((draft) => toBreak(draft, context, `${line.type}`)));
    if (match.settle && payment) {
      // Settled already under this capture's id (its webhook came first): the posting would be a replay.
      if (payment.transactionIds.has(paymentSettled.transactionId({ paymentId: payment.paymentId, settlementId: line.theirReference }))) {
        alreadySettled += 1;
        return;
      }
      try {
        const result = await postLedgerEvent(deps.ledger, paymentSettled, { merchantId: payment.merchantId, paymentId: payment.paymentId, settlementId: line.theirReference });
        if (result.replayed) alreadySettled += 1;
        else settled += 1;
      } catch (error) {
        // Settled before under another settlement id (an earlier capture of a re-captured payment): nothing left to move.
        if (!(error instanceof PostingRejectedError && error.reason === 'nothing_to_settle')) throw error;
        alreadySettled += 1;
      }
    }
  });
  const written = await deps.reports.recordBreaks(breaks);
  return { lines: chunk.length, settled, alreadySettled, breaks: written };
};
