import { deriveId } from '../ids';
import type { ReportLine } from './settlement-report';

/**
 * Matching one report line with what the ledger holds for its payment, and the breaks it finds. Pure: the
 * reconciliation use cases read the ledger and write the breaks (use-cases/reconciliation/).
 *
 * A break is a difference between the platform's books and what the acquirer says it did, recorded for an
 * operator to resolve. Kinds:
 *   missing_in_ledger   a line whose payment (or refund, or dispute) the ledger does not have
 *   missing_in_report   a capture the acquirer announced in this batch (its capture.settled webhook) that
 *                       the batch's report does not list
 *   amount_mismatch     gross differs from what the ledger captured (or refunded)
 *   currency_mismatch   the line's currency is not the payment's
 *   fee_mismatch        interchange + scheme fee differ from the contract (platform/channels.ts)
 *   duplicate           the same capture, refund or chargeback twice in one report (applied once)
 *   late                settled more than LATE_AFTER_DAYS after the capture
 *   unknown_batch       a report for a batch the acquirer never announced (the report is quarantined), or a
 *                       bank credit naming a payout reference no accepted report gave
 *   missing_in_statement a batch's net an accepted report says the acquirer paid, that the bank's statement
 *                       of its currency and value date does not credit (decision 0032), or a payout the
 *                       ledger paid that no statement debits by the day after its value date (decision 0043)
 * The statement-side kinds reuse the others: amount_mismatch / currency_mismatch (a credit differs from the
 * report's net, a debit from the payout the ledger paid), duplicate (a batch credited, or a payout debited or
 * returned, twice), late (credited with a value date after the batch's), missing_in_ledger (a debit or
 * return of a payout the ledger never paid or returned). statement-matching.ts.
 */
export const BREAK_KINDS = [
  'missing_in_ledger',
  'missing_in_report',
  'amount_mismatch',
  'currency_mismatch',
  'fee_mismatch',
  'duplicate',
  'late',
  'unknown_batch',
  'missing_in_statement',
] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

export const BREAK_STATUSES = ['open', 'resolved'] as const;
export type BreakStatus = (typeof BREAK_STATUSES)[number];

/** A capture settled more than this many days after it was captured is `late` (card schemes: T+1 to T+3). */
export const LATE_AFTER_DAYS = 3;

export interface BreakDraft {
  readonly kind: BreakKind;
  /** The payment (or other object) it concerns, when known. */
  readonly reference: string;
  /** The acquirer's id of the line (capture, refund, chargeback), when there is one. */
  readonly theirReference: string | null;
  readonly merchantId: string | null;
  readonly currency: string;
  /** What the platform's books say (minor units), when they say something. */
  readonly expected: number | null;
  /** What the acquirer says. */
  readonly actual: number | null;
  readonly lineNumber: number | null;
  readonly detail: string;
}

/** A break's id: derived from where it was found, so finding it again (a retried chunk, a re-run) writes nothing new. */
export const breakId = (channel: string, batchId: string, kind: BreakKind, reference: string, discriminator: string): string =>
  deriveId('brk', channel, batchId, kind, reference, discriminator);

/** What the ledger holds for the payment a line names (use-cases read it from the payment's position). */
export interface LedgerPayment {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly channel: string;
  readonly currency: string;
  /** Gross captured (live capture), minor units. */
  readonly captured: number;
  readonly refunded: number;
  /** When the live capture was posted (ISO 8601). */
  readonly capturedAt: string;
}

/** The acquirer's contract fee for a capture: percentage rounded half up, plus the fixed part (platform/channels.ts). */
export interface AcquirerFees {
  readonly percentBps: number;
  readonly fixed: Readonly<Record<string, number>>;
}

export const contractFee = (fees: AcquirerFees, amount: number, currency: string): number => {
  const percentage = Number((BigInt(amount) * BigInt(fees.percentBps) + 5_000n) / 10_000n);
  return percentage + (fees.fixed[currency] ?? 0);
};

export interface LineMatch {
  /** Move the payment's funds from pending to available (post its settlement): the report confirms it. */
  readonly settle: boolean;
  readonly breaks: readonly BreakDraft[];
}

const days = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(from)) / 86_400_000;

/**
 * One line against the ledger. A capture the report confirms (its payment, currency and gross agree) is
 * settled, even if its fee differs from the contract (the money is right; the fee break is the platform's
 * cost to chase) or it is late. A capture whose amount or currency differs is not settled: its funds stay
 * pending until an operator resolves the break. Refunds and chargebacks move no funds here (a refund was
 * booked when the channel accepted it; the platform has no disputes yet, so a chargeback is always a
 * `missing_in_ledger` break). Fee lines are booked with the batch's fees and need no match.
 */
export const matchLine = (line: ReportLine, payment: LedgerPayment | undefined, fees: AcquirerFees, channel: string): LineMatch => {
  const draft = (kind: BreakKind, detail: string, expected: number | null, actual: number | null): BreakDraft => ({
    kind,
    reference: line.ourReference || line.theirReference,
    theirReference: line.theirReference,
    merchantId: payment?.merchantId ?? null,
    currency: line.currency,
    expected,
    actual,
    lineNumber: line.lineNumber,
    detail,
  });
  const fee = line.interchangeFee + line.schemeFee;
  if (line.type === 'fee') return { settle: false, breaks: [] };
  if (line.type === 'chargeback') {
    return { settle: false, breaks: [draft('missing_in_ledger', `chargeback ${line.theirReference}: the ledger has no dispute for ${line.ourReference}`, null, line.gross)] };
  }
  if (!payment) return { settle: false, breaks: [draft('missing_in_ledger', `${line.type} ${line.theirReference}: the ledger has no capture of ${line.ourReference}`, null, line.gross)] };
  if (payment.channel !== channel) {
    return { settle: false, breaks: [draft('missing_in_ledger', `${line.type} ${line.theirReference}: ${payment.paymentId} was captured through ${payment.channel}, not ${channel}`, null, line.gross)] };
  }
  if (line.currency !== payment.currency) {
    return { settle: false, breaks: [draft('currency_mismatch', `${line.type} in ${line.currency}, the payment was captured in ${payment.currency}`, null, null)] };
  }
  if (line.type === 'refund') {
    const refunded = -line.gross;
    const breaks: BreakDraft[] = [];
    if (payment.refunded === 0) breaks.push(draft('missing_in_ledger', `refund ${line.theirReference}: the ledger has no refund of ${payment.paymentId}`, 0, refunded));
    else if (refunded > payment.refunded) breaks.push(draft('amount_mismatch', `refund of ${refunded} exceeds the ${payment.refunded} the ledger refunded`, payment.refunded, refunded));
    if (fee !== 0) breaks.push(draft('fee_mismatch', `a refund carries no fee by contract, the report deducts ${fee}`, 0, fee));
    return { settle: false, breaks };
  }
  if (line.gross !== payment.captured) {
    return { settle: false, breaks: [draft('amount_mismatch', `capture of ${line.gross} in the report, ${payment.captured} in the ledger`, payment.captured, line.gross)] };
  }
  const breaks: BreakDraft[] = [];
  const expectedFee = contractFee(fees, line.gross, line.currency);
  if (fee !== expectedFee) breaks.push(draft('fee_mismatch', `fees of ${fee} (interchange ${line.interchangeFee} + scheme ${line.schemeFee}), the contract says ${expectedFee}`, expectedFee, fee));
  const lag = days(payment.capturedAt, line.valueDate);
  if (lag > LATE_AFTER_DAYS) breaks.push(draft('late', `settled on ${line.valueDate}, ${Math.floor(lag)} days after the capture`, null, null));
  return { settle: true, breaks };
};

/** Lines after the first with the same type and acquirer reference: each is a `duplicate` break, never applied. */
export const duplicateLines = (lines: readonly ReportLine[]): Set<number> => {
  const seen = new Set<string>();
  const duplicates = new Set<number>();
  for (const line of lines) {
    const key = `${line.type}\u0000${line.theirReference}`;
    if (seen.has(key)) duplicates.add(line.lineNumber);
    else seen.add(key);
  }
  return duplicates;
};
