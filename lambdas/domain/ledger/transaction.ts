import { createHash } from 'node:crypto';
import { deriveId } from '../ids';
import { type EntrySide, parseAccountKey } from './accounts';
import { PostingRejectedError, UnbalancedTransactionError } from './errors';
import type { PositionDelta, PositionFields } from './positions';

/**
 * A journal transaction is one money movement: entries whose debits equal credits in every currency,
 * integer minor units only. Once written it never changes; a correction is a new transaction, usually
 * the reversal (`reverse`) of the one it corrects. Its id derives from the business event, so a retried
 * posting is the same transaction and the conditional write makes the retry a no-op.
 */
export interface Entry {
  /** Account key (accounts.ts `accountKey`). */
  readonly account: string;
  readonly side: EntrySide;
  /** Positive integer count of minor units of `currency`. */
  readonly amount: number;
  readonly currency: string;
}

export const TRANSACTION_KINDS = [
  'payment_captured',
  'payment_settled',
  'payment_refunded',
  'payout_funds_reserved',
  'payout_funds_released',
  'payout_paid',
  'payout_funds_converted',
  'conversion',
  'acquirer_fees',
  'reversal',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** What a merchant sees on its statement (`GET /v1/balance_transactions`), one per transaction at most. */
export const LINE_TYPES = ['payment', 'refund', 'payout', 'payout_cancel', 'payout_failure', 'payout_return', 'conversion', 'adjustment'] as const;
export type LineType = (typeof LINE_TYPES)[number];
export type LineStatus = 'pending' | 'available';

export interface StatementLine {
  /** The transaction's id (`txn_...`). */
  readonly id: string;
  readonly merchantId: string;
  readonly type: LineType;
  /** The object the money movement comes from: `pay_...`, `re_...`, `po_...`. */
  readonly source: string;
  /** Effect on the merchant's available + pending funds, before the fee. */
  readonly amount: number;
  readonly fee: number;
  /** amount − fee: what the merchant's available + pending changed by. */
  readonly net: number;
  readonly currency: string;
  /** `pending` until the channel settles the money it describes, then `available`. */
  readonly status: LineStatus;
  readonly availableOn: string | null;
  readonly createdAt: string;
  readonly description: string;
}

/** A later transaction moving an earlier line from one status to another (settlement, or its reversal). */
export interface LineStatusChange {
  readonly lineId: string;
  readonly from: LineStatus;
  readonly to: LineStatus;
  readonly availableOn: string | null;
}

export interface JournalTransaction {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly merchantId: string;
  /** The business object the event belongs to (`pay_`, `re_`, `po_`). */
  readonly sourceId: string;
  /** The payment or payout whose position (positions.ts) this transaction changes. */
  readonly positionId: string;
  readonly entries: readonly Entry[];
  readonly positionDelta: PositionDelta;
  /** Position fields this transaction sets (a capture records currency, channel, its own id). */
  readonly positionFields: Partial<PositionFields>;
  readonly line: StatementLine | null;
  /**
   * Further statement lines, for a transaction that changes a merchant's funds in more than one currency
   * (a conversion: the sold currency on `line`, the bought one here). Ids from `extraLineId`. Absent on
   * transactions written before conversions existed: read with `linesOf`.
   */
  readonly extraLines?: readonly StatementLine[];
  readonly lineChanges: readonly LineStatusChange[];
  /** For a reversal: the transaction it reverses. */
  readonly reverses: string | null;
  /** SHA-256 of the business event's input: tells a retry from a different event reusing the id. */
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly description: string;
}

/**
 * Transaction ids route to their journal: `txn_` + 10 base32 characters derived from the position the
 * transaction belongs to (its payment, payout or conversion) + 16 derived from the whole event, e.g. (kind,
 * payment id, sequence). Every transaction of a position, and every statement line it writes, shares the
 * first 10, which are the journal partition's key (adapters/dynamodb/ledger-store.ts): a transaction or a
 * line is found from its id alone, with one strongly consistent read, and no index. 80 bits of event
 * hash within a position and 50 bits of position hash keep ids collision-free in practice.
 */
export const ROUTE_LENGTH = 10;

/** The routing part of the ids of a position's transactions (the journal partition key's suffix). */
export const routeOfPosition = (positionId: string): string => deriveId('txn', 'position', positionId).slice(4, 4 + ROUTE_LENGTH);

/** The routing part of a transaction or line id (any string: an id that is not one routes nowhere useful). */
export const routeOfId = (id: string): string => id.slice(4, 4 + ROUTE_LENGTH);

const routedId = (route: string, ...parts: readonly string[]): string => `txn_${route}${deriveId('txn', ...parts).slice(4, 30 - ROUTE_LENGTH)}`;

/**
 * `txn_` + 26 base32 characters from the event's parts, e.g. (kind, payment id, sequence). The first part
 * is the position's id, except for a reversal, whose first part is the transaction it reverses (same
 * position, same route).
 */
export const transactionId = (kind: TransactionKind, ...parts: readonly string[]): string => {
  const [first = ''] = parts;
  return routedId(kind === 'reversal' ? routeOfId(first) : routeOfPosition(first), kind, ...parts);
};

/** The id of a transaction's n-th extra statement line (n from 1): a balance-transaction id, never a transaction's. */
export const extraLineId = (transactionId: string, n: number): string => routedId(routeOfId(transactionId), 'line', transactionId, String(n));

/** Every statement line a transaction writes: `line` first, then its extra lines. */
export const linesOf = (transaction: Pick<JournalTransaction, 'line' | 'extraLines'>): StatementLine[] => [
  ...(transaction.line ? [transaction.line] : []),
  ...(transaction.extraLines ?? []),
];

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, node: unknown) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );

/** 128 bits of SHA-256 over the event, base64url (22 characters): tells a retry from another event under the same id. */
export const fingerprintOf = (event: unknown): string => createHash('sha256').update(canonical(event)).digest().subarray(0, 16).toString('base64url');

export interface CurrencyTotals {
  readonly debits: number;
  readonly credits: number;
}

export const totalsByCurrency = (entries: readonly Entry[]): Map<string, CurrencyTotals> => {
  const totals = new Map<string, { debits: number; credits: number }>();
  for (const entry of entries) {
    const current = totals.get(entry.currency) ?? { debits: 0, credits: 0 };
    if (entry.side === 'debit') current.debits += entry.amount;
    else current.credits += entry.amount;
    totals.set(entry.currency, current);
  }
  return totals;
};

/** Problems with a transaction's entries; empty when it is well formed and balances in every currency. */
export const entryProblems = (transaction: Pick<JournalTransaction, 'id' | 'entries' | 'lineChanges'>): string[] => {
  const problems: string[] = [];
  // Only a settlement of a fully refunded payment moves no money: it just marks the capture line settled.
  if (transaction.entries.length === 0 && transaction.lineChanges.length === 0) problems.push('has no entries');
  for (const entry of transaction.entries) {
    if (!Number.isSafeInteger(entry.amount) || entry.amount <= 0) {
      problems.push(`entry on ${entry.account} has amount ${entry.amount}, not a positive integer`);
    }
    let currency: string | undefined;
    try {
      currency = parseAccountKey(entry.account).currency;
    } catch {
      problems.push(`entry names no valid account: '${entry.account}'`);
    }
    if (currency !== undefined && currency !== entry.currency) {
      problems.push(`entry on ${entry.account} is in ${entry.currency}`);
    }
  }
  for (const [currency, totals] of totalsByCurrency(transaction.entries)) {
    if (totals.debits !== totals.credits) {
      problems.push(`does not balance in ${currency}: debits ${totals.debits}, credits ${totals.credits}`);
    }
  }
  return problems;
};

/** Throws unless the entries balance per currency: every template's output passes through here. */
export const assertBalanced = (transaction: Pick<JournalTransaction, 'id' | 'entries' | 'lineChanges'>): void => {
  for (const [currency, totals] of totalsByCurrency(transaction.entries)) {
    if (totals.debits !== totals.credits) {
      throw new UnbalancedTransactionError(transaction.id, currency, totals.debits, totals.credits);
    }
  }
  const problems = entryProblems(transaction);
  if (problems.length > 0) throw new RangeError(`Transaction ${transaction.id} ${problems.join('; ')}`);
};

const negate = (delta: PositionDelta): PositionDelta =>
  Object.fromEntries(Object.entries(delta).filter(([, value]) => value).map(([counter, value]) => [counter, 0 - (value ?? 0)])) as PositionDelta;

const mirroredLine = (original: StatementLine, id: string, createdAt: string): StatementLine => ({
  id,
  merchantId: original.merchantId,
  type: 'adjustment',
  source: original.source,
  amount: 0 - original.amount, // 0 - x, not -x: a zero fee stays 0, never -0
  fee: 0 - original.fee,
  net: 0 - original.net,
  currency: original.currency,
  // A reversed pending line takes the money back out of pending: it is pending too, and stays so.
  status: original.status === 'pending' ? 'pending' : 'available',
  availableOn: original.status === 'pending' ? null : createdAt,
  createdAt,
  description: `Reversal of ${original.id}`,
});

/** A reversal's id and fingerprint, from the transaction it reverses: `reverse` and the reversal template both use these. */
export const reversalId = (originalId: string): string => transactionId('reversal', originalId);
export const reversalFingerprint = (originalId: string): string => fingerprintOf({ reverses: originalId });

/**
 * The mirror of a transaction: every entry on the other side, the position change undone, the line
 * negated as an `adjustment`, status changes walked back. Its id derives from the original's, so a
 * transaction is reversed at most once. Whether the reversal is allowed (the position after it must
 * still be valid) is checked by the posting template, which knows the current position.
 */
export const reverse = (original: JournalTransaction, createdAt: string): JournalTransaction => {
  if (original.kind === 'reversal') {
    throw new PostingRejectedError('reversal_of_reversal', `${original.id} is itself a reversal; post the event again instead`);
  }
  const id = reversalId(original.id);
  return {
    id,
    kind: 'reversal',
    merchantId: original.merchantId,
    sourceId: original.sourceId,
    positionId: original.positionId,
    entries: original.entries.map((entry) => ({ ...entry, side: entry.side === 'debit' ? 'credit' : 'debit' })),
    positionDelta: negate(original.positionDelta),
    positionFields: {},
    line: original.line ? mirroredLine(original.line, id, createdAt) : null,
    ...(original.extraLines?.length
      ? { extraLines: original.extraLines.map((line, index) => mirroredLine(line, extraLineId(id, index + 1), createdAt)) }
      : {}),
    lineChanges: original.lineChanges.map((change) => ({
      lineId: change.lineId,
      from: change.to,
      to: change.from,
      availableOn: change.from === 'available' ? createdAt : null,
    })),
    reverses: original.id,
    fingerprint: reversalFingerprint(original.id),
    createdAt,
    description: `Reversal of ${original.id} (${original.description})`,
  };
};
