import { ACCOUNT_RULES, parseAccountKey, signedEffect } from './accounts';
import type { ShardBalance } from './balances';
import { type Counter, type Position, counter, countersOf, positionKindOf } from './positions';
import { type JournalTransaction, type LineStatus, type StatementLine, entryProblems, linesOf } from './transaction';

/**
 * The ledger's proof obligations, checked from what is stored (no I/O here; the adapter scans):
 * 1. every transaction is well formed and balances in each currency;
 * 2. every account's balance, recomputed from the journal, equals the sum of its stored shards
 *    (balance, debits and credits alike);
 * 3. no shard of a non-negative account is below zero;
 * 4. every payment and payout position equals the sum of its transactions' deltas;
 * 5. every transaction with a statement line has it, with the same amounts and the status the journal's
 *    status changes imply; no line exists without its transaction.
 */
export type DifferenceKind =
  | 'malformed_transaction'
  | 'balance_mismatch'
  | 'negative_balance'
  | 'position_mismatch'
  | 'missing_line'
  | 'line_mismatch'
  | 'orphan_line';

export interface LedgerDifference {
  readonly kind: DifferenceKind;
  /** The transaction, account, position or line concerned. */
  readonly subject: string;
  readonly detail: string;
}

export interface LedgerSnapshot {
  readonly transactions: readonly JournalTransaction[];
  readonly shards: readonly ShardBalance[];
  readonly positions: readonly Position[];
  readonly lines: readonly StatementLine[];
}

export interface VerificationReport {
  readonly transactions: number;
  readonly accounts: number;
  readonly positions: number;
  readonly lines: number;
  readonly differences: readonly LedgerDifference[];
}

interface Totals {
  balance: number;
  debits: number;
  credits: number;
}

const add = (map: Map<string, Totals>, key: string, balance: number, debits: number, credits: number) => {
  const totals = map.get(key) ?? { balance: 0, debits: 0, credits: 0 };
  totals.balance += balance;
  totals.debits += debits;
  totals.credits += credits;
  map.set(key, totals);
};

export const verifySnapshot = (snapshot: LedgerSnapshot): VerificationReport => {
  const differences: LedgerDifference[] = [];

  // 1 and 2: the journal, and balances recomputed from it.
  const fromJournal = new Map<string, Totals>();
  for (const transaction of snapshot.transactions) {
    for (const problem of entryProblems(transaction)) {
      differences.push({ kind: 'malformed_transaction', subject: transaction.id, detail: problem });
    }
    for (const entry of transaction.entries) {
      try {
        const { type } = parseAccountKey(entry.account);
        add(fromJournal, entry.account, signedEffect(type, entry.side, entry.amount), entry.side === 'debit' ? entry.amount : 0, entry.side === 'credit' ? entry.amount : 0);
      } catch {
        // Reported above as malformed.
      }
    }
  }
  const stored = new Map<string, Totals>();
  for (const shard of snapshot.shards) {
    add(stored, shard.account, shard.balance, shard.debits, shard.credits);
    try {
      const { type } = parseAccountKey(shard.account);
      if (ACCOUNT_RULES[type].nonNegative && shard.balance < 0) {
        differences.push({ kind: 'negative_balance', subject: `${shard.account}#${shard.shard}`, detail: `balance ${shard.balance} below zero` });
      }
    } catch {
      differences.push({ kind: 'balance_mismatch', subject: shard.account, detail: 'balance item names no valid account' });
    }
  }
  const accounts = new Set([...fromJournal.keys(), ...stored.keys()]);
  for (const account of [...accounts].sort()) {
    const expected = fromJournal.get(account) ?? { balance: 0, debits: 0, credits: 0 };
    const actual = stored.get(account) ?? { balance: 0, debits: 0, credits: 0 };
    if (expected.balance !== actual.balance || expected.debits !== actual.debits || expected.credits !== actual.credits) {
      differences.push({
        kind: 'balance_mismatch',
        subject: account,
        detail: `journal says balance ${expected.balance} (debits ${expected.debits}, credits ${expected.credits}); stored shards say ${actual.balance} (debits ${actual.debits}, credits ${actual.credits})`,
      });
    }
  }

  // 4: positions.
  const expectedPositions = new Map<string, { counters: Map<Counter, number>; transactions: number }>();
  for (const transaction of snapshot.transactions) {
    const position = expectedPositions.get(transaction.positionId) ?? { counters: new Map(), transactions: 0 };
    position.transactions += 1;
    for (const [name, value] of Object.entries(transaction.positionDelta) as [Counter, number][]) {
      position.counters.set(name, (position.counters.get(name) ?? 0) + value);
    }
    expectedPositions.set(transaction.positionId, position);
  }
  const storedPositions = new Map(snapshot.positions.map((position) => [position.id, position]));
  for (const id of new Set([...expectedPositions.keys(), ...storedPositions.keys()])) {
    const expected = expectedPositions.get(id);
    const actual = storedPositions.get(id);
    const names = countersOf(positionKindOf(id));
    const mismatched = names.filter((name) => (expected?.counters.get(name) ?? 0) !== (actual ? counter(actual, name) : 0));
    if (mismatched.length > 0) {
      differences.push({
        kind: 'position_mismatch',
        subject: id,
        detail: mismatched.map((name) => `${name}: journal ${expected?.counters.get(name) ?? 0}, stored ${actual ? counter(actual, name) : 0}`).join('; '),
      });
    }
    if ((expected?.transactions ?? 0) !== (actual?.version ?? 0)) {
      differences.push({ kind: 'position_mismatch', subject: id, detail: `${expected?.transactions ?? 0} transactions, stored version ${actual?.version ?? 0}` });
    }
  }

  // 5: statement lines.
  const flips = new Map<string, number>();
  for (const transaction of snapshot.transactions) {
    for (const change of transaction.lineChanges) {
      if (change.from !== change.to) flips.set(change.lineId, (flips.get(change.lineId) ?? 0) + (change.to === 'available' ? 1 : -1));
    }
  }
  const storedLines = new Map(snapshot.lines.map((line) => [line.id, line]));
  const expectedLineIds = new Set<string>();
  for (const transaction of snapshot.transactions) {
    for (const written of linesOf(transaction)) {
      expectedLineIds.add(written.id);
      const line = storedLines.get(written.id);
      if (!line) {
        const which = written.id === transaction.id ? 'transaction has no statement line' : `transaction has no statement line ${written.id}`;
        differences.push({ kind: 'missing_line', subject: transaction.id, detail: which });
        continue;
      }
      const flipped = flips.get(written.id) ?? 0;
      const status: LineStatus | 'invalid' =
        flipped === 0 ? written.status : flipped === 1 && written.status === 'pending' ? 'available' : flipped === -1 && written.status === 'available' ? 'pending' : 'invalid';
      const fields = ['merchantId', 'type', 'source', 'amount', 'fee', 'net', 'currency'] as const;
      const wrong = fields.filter((field) => line[field] !== written[field]).map((field) => `${field}: journal ${written[field]}, line ${line[field]}`);
      if (line.status !== status) wrong.push(`status: journal implies ${status}, line ${line.status}`);
      if (wrong.length > 0) differences.push({ kind: 'line_mismatch', subject: written.id, detail: wrong.join('; ') });
    }
  }
  for (const line of snapshot.lines) {
    if (!expectedLineIds.has(line.id)) differences.push({ kind: 'orphan_line', subject: line.id, detail: 'statement line without a transaction' });
  }

  return {
    transactions: snapshot.transactions.length,
    accounts: accounts.size,
    positions: new Set([...expectedPositions.keys(), ...storedPositions.keys()]).size,
    lines: snapshot.lines.length,
    differences,
  };
};
