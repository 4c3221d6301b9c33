import { type ShardDelta, heldAfter, pinnedFieldOf } from './balances';
import { type Counter, type Position, emptyPosition } from './positions';
import { type JournalTransaction, type StatementLine, linesOf } from './transaction';

/**
 * The journal as stored: each transaction belongs to one position (a payment, payout or conversion) and
 * has a number in it (1, 2, 3...), the shards its merchant money moved on (its allocation) and the region
 * that wrote it. A position's transactions are its whole history: the position, its pinned funds and the
 * status of its statement lines are folds of it, never stored apart.
 */
export interface PostedTransaction {
  readonly transaction: JournalTransaction;
  /**
   * The transaction's number in its position, from 1. Numbers are unique within a region's writes; two
   * regions numbering the same one (possible only in an unplanned failover) is a difference the verifier reports.
   */
  readonly sequence: number;
  /** What it did to its merchant's balance items. */
  readonly allocation: readonly ShardDelta[];
  /** The region that wrote it (each region's journal is aggregated on its own). */
  readonly region: string;
  /**
   * How many extra statement lines (stored as items of their own) its journal item says it has; the
   * verifier checks they are all there. Absent: as many as `transaction.extraLines` holds.
   */
  readonly extraLineCount?: number;
}

const bySequence = (a: PostedTransaction, b: PostedTransaction) => a.sequence - b.sequence;

/** The position after its transactions, in their order: counters, fields, version and pinned funds. */
export const foldPosition = (positionId: string, merchantId: string, history: readonly PostedTransaction[]): Position => {
  const ordered = [...history].sort(bySequence);
  const start = emptyPosition(positionId, ordered[0]?.transaction.merchantId ?? merchantId);
  const pinned = pinnedFieldOf(start);
  const counters: Partial<Record<Counter, number>> = {};
  let position: Position = start;
  let held: Readonly<Record<string, number>> = {};
  for (const { transaction, allocation } of ordered) {
    for (const [name, value] of Object.entries(transaction.positionDelta) as [Counter, number][]) {
      if (value !== 0) counters[name] = (counters[name] ?? 0) + value;
    }
    held = heldAfter(held, allocation, pinned);
    position = { ...position, ...transaction.positionFields };
  }
  // The highest number, not the count: the next posting takes the number after it in any case.
  const version = ordered.reduce((highest, posted) => Math.max(highest, posted.sequence), 0);
  return { ...position, version, counters: { ...counters }, ...(pinned ? { held } : {}) };
};

/**
 * Every statement line of a position's transactions with its status now: as written, then moved by the
 * later transactions' status changes (a settlement makes its payment's capture line available, the
 * settlement's reversal makes it pending again). Lines in the order they were written.
 */
export const positionLines = (history: readonly PostedTransaction[]): StatementLine[] => {
  const lines = new Map<string, StatementLine>();
  for (const { transaction } of [...history].sort(bySequence)) {
    for (const line of linesOf(transaction)) lines.set(line.id, line);
    for (const change of transaction.lineChanges) {
      const line = lines.get(change.lineId);
      if (line && line.status === change.from) lines.set(change.lineId, { ...line, status: change.to, availableOn: change.availableOn });
    }
  }
  return [...lines.values()];
};
