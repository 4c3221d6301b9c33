import type { BreakDraft, BreakKind, BreakStatus } from '../domain/reconciliation/matching';
import type { BankPayIn, BankPayoutDebit } from '../domain/reconciliation/statement-matching';

/**
 * What reconciliation keeps (table `reconciliation`, docs/data-model.md): the reports received, the captures
 * each batch should hold, the breaks found, and for bank statements (decision 0032) the pay-ins each accepted
 * report announced, the debit each paid payout is due (decision 0043), and which statement entry booked each
 * pay-in, payout debit and return. A bank statement is
 * recorded as a report of channel `bank:<account>` whose batch is the statement's id (same identity rules:
 * its SHA-256, and one file per statement id).
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

/** What a statement entry books: an acquirer's pay-in, a payout's debit, a payout's return. */
export type BankEntrySide = 'credit' | 'debit' | 'return';

/** What the entry that books a reference says (decision 0043, amended). */
export interface BookedEntry {
  /** The entry's amount, minor units, and its account's currency. */
  readonly amount: number;
  readonly currency: string;
  /**
   * A payout's debit booked before the ledger paid the payout: the `missing_in_ledger` break it got. Its amount is
   * checked, and the break resolved, when the statement that judges the payout's due debit runs.
   */
  readonly unpaidBreak?: string;
}

/** `banked#<reference>` / side: the entry that booked it (absent: none yet), and the breaks that found it missing. */
export interface BankBooking extends Partial<BookedEntry> {
  readonly entry?: string;
  readonly missingBreaks: readonly string[];
}

export interface ReconciliationRepository {
  getReport(channel: string, sha256: string): Promise<ReportRecord | undefined>;
  /** Record a report refused whole (rejected or quarantined) unless this file is already recorded; answers what is stored. */
  recordRefusedReport(report: ReportRecord): Promise<ReportRecord>;
  /** Record an accepted report and claim its batch, both or neither. */
  claimReport(report: ReportRecord): Promise<ClaimOutcome>;
  finishReport(channel: string, sha256: string, completedAt: string, summary: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * Record captures announced settled (decision 0059): one item per batch among them (per 50 captures of a batch),
   * keyed by the set of its capture ids, so the same captures again write the same item. Resolves once every
   * item is stored; rejects if any is not (write the same expectations again: nothing is counted twice).
   */
  recordExpectations(expectations: readonly SettlementExpectation[]): Promise<void>;
  hasExpectations(channel: string, batchId: string): Promise<boolean>;
  /** Every capture announced in the batch, once each (its earliest announcement), by capture id. */
  listExpectations(channel: string, batchId: string): Promise<readonly SettlementExpectation[]>;
  /** Write breaks not already recorded (same id: found before); answers how many were new. */
  recordBreaks(breaks: readonly ReconciliationBreak[]): Promise<number>;
  getBreak(id: string): Promise<ReconciliationBreak | undefined>;
  listBreaks(filter: BreakFilter): Promise<{ readonly breaks: readonly ReconciliationBreak[]; readonly hasMore: boolean }>;
  /** The pay-in an accepted report announces (same content again: no change). */
  recordBankPayIn(payIn: BankPayIn): Promise<void>;
  getBankPayIn(reference: string): Promise<BankPayIn | undefined>;
  /** Pay-ins due in a currency on a value date. */
  listBankPayIns(currency: string, valueDate: string): Promise<readonly BankPayIn[]>;
  /** The debit a paid payout is due, listed by currency and value date (same content again: no change). */
  recordPayoutDebit(debit: BankPayoutDebit): Promise<void>;
  /** Payout debits due in a currency on a value date. */
  listPayoutDebits(currency: string, valueDate: string): Promise<readonly BankPayoutDebit[]>;
  /**
   * Book `reference` (a pay-in's or payout's) on one statement entry (`entryKey`), once. `firstEntry`: null when
   * this entry holds it (now or from an earlier attempt), else the entry that booked it first. When this entry
   * holds it: `missingBreaks`, the breaks statements opened for it as missing before it was booked (to resolve:
   * the booking came late, or its statement was reconciled after the one that judged it).
   */
  claimBankEntry(reference: string, side: BankEntrySide, entryKey: string, booked: BookedEntry): Promise<{ readonly firstEntry: string | null; readonly missingBreaks: readonly string[] }>;
  /** What booked `reference` on this side, if anything has, or found it missing. */
  bankBookingOf(reference: string, side: BankEntrySide): Promise<BankBooking | undefined>;
  /**
   * Note that break `breakId` found `reference` missing on this side, unless an entry has booked it: 'booked'
   * then (nothing written), else 'noted' (the entry that books it later finds the break in `missingBreaks`).
   */
  noteMissingBankEntry(reference: string, side: BankEntrySide, breakId: string): Promise<'noted' | 'booked'>;
  /** Resolve an open break; BreakNotOpenError when it is not open. */
  resolveBreak(id: string, resolution: { readonly at: string; readonly by: string; readonly note: string }): Promise<ReconciliationBreak>;
}
