import type { BreakDraft, BreakKind, BreakStatus } from '../domain/reconciliation/matching';

/**
 * What reconciliation keeps (table `reconciliation`, docs/data-model.md): the reports received, the captures
 * each batch should hold, and the breaks found.
 */
export type ReportStatus = 'reconciling' | 'reconciled' | 'rejected' | 'quarantined';

export interface ReportRecord {
  readonly channel: string;
  /** SHA-256 of the file's bytes, hex: a report's identity with its batch. */
  readonly sha256: string;
  readonly fileName: string;
  readonly batchId: string | null;
  readonly status: ReportStatus;
  /** Why a report was rejected or quarantined (a code), and the detail an operator reads. */
  readonly reason: string | null;
  readonly detail: string | null;
  readonly lineCount: number;
  readonly receivedAt: string;
  readonly completedAt: string | null;
  readonly summary: Readonly<Record<string, unknown>> | null;
}

/** A capture the acquirer announced as settled in a batch (its `capture.settled` webhook). */
export interface SettlementExpectation {
  readonly channel: string;
  readonly batchId: string;
  readonly captureId: string;
  readonly paymentId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  readonly announcedAt: string;
}

export interface ReconciliationBreak extends BreakDraft {
  readonly id: string;
  readonly status: BreakStatus;
  readonly channel: string;
  readonly batchId: string;
  /** The report that showed it (absent for none). */
  readonly reportSha256: string | null;
  readonly detectedAt: string;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly resolutionNote: string | null;
}

export type ClaimOutcome =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'same_file'; readonly existing: ReportRecord }
  | { readonly outcome: 'batch_taken'; readonly bySha256: string };

export interface BreakFilter {
  readonly status: BreakStatus;
  readonly kind?: BreakKind;
  readonly merchantId?: string;
  readonly limit: number;
  /** The last break of the previous page (`starting_after`). */
  readonly after?: ReconciliationBreak;
}

export class BreakNotOpenError extends Error {
  override readonly name = 'BreakNotOpenError';
}

export interface ReconciliationRepository {
  getReport(channel: string, sha256: string): Promise<ReportRecord | undefined>;
  /** Record a report refused whole (rejected or quarantined) unless this file is already recorded; answers what is stored. */
  recordRefusedReport(report: ReportRecord): Promise<ReportRecord>;
  /** Record an accepted report and claim its batch, both or neither. */
  claimReport(report: ReportRecord): Promise<ClaimOutcome>;
  finishReport(channel: string, sha256: string, completedAt: string, summary: Readonly<Record<string, unknown>>): Promise<void>;
  recordExpectation(expectation: SettlementExpectation): Promise<void>;
  /** Several at once (bulk loads: drills). */
  recordExpectations(expectations: readonly SettlementExpectation[]): Promise<void>;
  hasExpectations(channel: string, batchId: string): Promise<boolean>;
  listExpectations(channel: string, batchId: string): Promise<readonly SettlementExpectation[]>;
  /** Write breaks not already recorded (same id: found before); answers how many were new. */
  recordBreaks(breaks: readonly ReconciliationBreak[]): Promise<number>;
  getBreak(id: string): Promise<ReconciliationBreak | undefined>;
  listBreaks(filter: BreakFilter): Promise<{ readonly breaks: readonly ReconciliationBreak[]; readonly hasMore: boolean }>;
  /** Resolve an open break; BreakNotOpenError when it is not open. */
  resolveBreak(id: string, resolution: { readonly at: string; readonly by: string; readonly note: string }): Promise<ReconciliationBreak>;
}
