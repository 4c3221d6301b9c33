import { ACCOUNT_RULES, parseAccountKey, signedEffect } from './accounts';
import { type BalanceShard, MERCHANT_FIELDS, type MerchantField, fieldIsNonNegative, merchantChanges, parseHeldKey } from './balances';
import { type PostedTransaction, foldPosition } from './journal';
import { counter, positionProblems } from './positions';
import { type LineStatus, type StatementLine, entryProblems, linesOf } from './transaction';

/**
 * The ledger's proof obligations, checked from what is stored (no I/O here; the adapter scans):
 * 1. every transaction is well formed, balances in each currency and is in the journal once;
 * 2. every transaction's allocation moves exactly what its entries move on its merchant's accounts;
 * 3. every balance item equals the sum of the allocations the journal made to it, so every merchant
 *    account's balance equals its journal; no item of a non-negative account is below zero;
 * 4. every position's transactions are numbered 1..n without a gap or a number twice (two regions writing
 *    one position: an unplanned failover, decision 0004), the fold of them obeys the position
 *    rules, and its pinned funds (a payment's pending, a payout's reserved) are what its counters say;
 * 5. every statement line a transaction writes is stored (a conversion's second line is an item of its
 *    own, and no such item exists without its transaction), a transaction's lines add up, per currency,
 *    to what its entries do to the merchant's available + pending funds, and the status changes of later
 *    transactions apply to lines of the same position that were in the status they move from.
 * Platform and channel accounts have no balance items: `derivedBalances` computes them from the journal,
 * per writing region (each region's journal adds up on its own; the account's balance is their sum).
 */
export type DifferenceKind =
  | 'malformed_transaction'
  | 'allocation_mismatch'
  | 'balance_mismatch'
  | 'negative_balance'
  | 'position_mismatch'
  | 'missing_line'
  | 'line_mismatch'
  | 'orphan_line';

export interface LedgerDifference {
  readonly kind: DifferenceKind;
  /** The transaction, account, balance item, position or line concerned. */
  readonly subject: string;
  readonly detail: string;
}

/** A statement line stored apart from its transaction (a conversion's second line). */
export interface StoredExtraLine {
  readonly transactionId: string;
  readonly line: StatementLine;
}

export interface LedgerSnapshot {
  /** Transactions as stored, each with the extra lines found with it (`transaction.extraLines`). */
  readonly transactions: readonly PostedTransaction[];
  /** Extra line items, whether or not their transaction exists. */
  readonly extraLines: readonly StoredExtraLine[];
  readonly balances: readonly BalanceShard[];
}

export interface DerivedBalance {
  readonly account: string;
  /** The region whose journal this is; `all` for the sum over regions. */
  readonly region: string;
  readonly balance: number;
  readonly debits: number;
  readonly credits: number;
}

export interface VerificationReport {
  readonly transactions: number;
  readonly accounts: number;
  readonly positions: number;
  readonly lines: number;
  readonly differences: readonly LedgerDifference[];
  /** Platform and channel balances from the journal, per region and over all regions. */
  readonly derivedBalances: readonly DerivedBalance[];
}

interface Totals {
  balance: number;
  debits: number;
  credits: number;
}

const addTo = (map: Map<string, Totals>, key: string, balance: number, debits: number, credits: number) => {
  const totals = map.get(key) ?? { balance: 0, debits: 0, credits: 0 };
  totals.balance += balance;
  totals.debits += debits;
  totals.credits += credits;
  map.set(key, totals);
};

/** Every account's balance from the journal entries (all owners), optionally only one region's. */
export const journalBalances = (transactions: readonly PostedTransaction[], region?: string): Map<string, Totals> => {
  const balances = new Map<string, Totals>();
  for (const posted of transactions) {
    if (region !== undefined && posted.region !== region) continue;
    for (const entry of posted.transaction.entries) {
      try {
        const { type } = parseAccountKey(entry.account);
        addTo(balances, entry.account, signedEffect(type, entry.side, entry.amount), entry.side === 'debit' ? entry.amount : 0, entry.side === 'credit' ? entry.amount : 0);
      } catch {
        // Not an account: reported as a malformed transaction.
      }
    }
  }
  return balances;
};

/** Platform and channel balances from the journal: per writing region, then summed (`region: 'all'`). */
export const derivedBalances = (transactions: readonly PostedTransaction[]): DerivedBalance[] => {
  const shared = (account: string) => {
    try {
      return ACCOUNT_RULES[parseAccountKey(account).type].owner !== 'merchant';
    } catch {
      return false;
    }
  };
  const regions = [...new Set(transactions.map((posted) => posted.region))].sort();
  const rows: DerivedBalance[] = [];
  for (const region of [...regions, 'all']) {
    const balances = journalBalances(transactions, region === 'all' ? undefined : region);
    for (const [account, totals] of [...balances].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (shared(account)) rows.push({ account, region, ...totals });
    }
  }
  return rows;
};

const itemKey = (merchantId: string, currency: string, shard: number) => `${merchantId}/${currency}#${shard}`;

/**
 * What every balance item should hold: the sum of the allocations the journal's transactions made to it, keyed
 * `<merchant>/<currency>#<shard>`. The verifier compares the stored items with it; the balance repair of a forced
 * home-region move (balance-repair.ts) writes it.
 */
export const shardTotalsFromJournal = (transactions: readonly PostedTransaction[]): Map<string, Record<MerchantField, number>> => {
  const totals = new Map<string, Record<MerchantField, number>>();
  for (const { transaction, allocation } of transactions) {
    for (const change of allocation) {
      const item = itemKey(transaction.merchantId, change.currency, change.shard);
      const sum = totals.get(item) ?? { pending: 0, available: 0, reserved: 0 };
      for (const field of MERCHANT_FIELDS) sum[field] += change.delta[field];
      totals.set(item, sum);
    }
  }
  return totals;
};

/**
 * Obligation 4's numbering: a position's transactions are numbered 1..n without a gap or a number twice. Else what
 * was found: a gap (a transaction that has not arrived, or was lost) or two regions that wrote the same number.
 * The balance repair of a forced home-region move (balance-repair.ts) trusts no position this finds a problem in.
 */
export const numberingProblem = (history: readonly PostedTransaction[]): string | undefined => {
  const numbers = history.map((posted) => posted.sequence).sort((a, b) => a - b);
  if (!numbers.some((number, index) => number !== index + 1)) return undefined;
  const written = [...history].sort((a, b) => a.sequence - b.sequence).map((posted) => `${posted.sequence} (${posted.region})`);
  return `transactions numbered ${written.join(', ')}, not 1..${numbers.length}: a gap, or two regions wrote the same number`;
};

export const verifySnapshot = (snapshot: LedgerSnapshot): VerificationReport => {
  const differences: LedgerDifference[] = [];
  const report = (kind: DifferenceKind, subject: string, detail: string) => differences.push({ kind, subject, detail });

  // 1 and 2: the journal, and its allocations against its entries.
  const seen = new Map<string, PostedTransaction>();
  for (const posted of snapshot.transactions) {
    const first = seen.get(posted.transaction.id);
    if (first) {
      report('malformed_transaction', posted.transaction.id, `posted twice: number ${first.sequence} by ${first.region} and number ${posted.sequence} by ${posted.region}`);
    }
    seen.set(posted.transaction.id, posted);
  }
  const fromJournal = shardTotalsFromJournal(snapshot.transactions);
  for (const { transaction, allocation } of snapshot.transactions) {
    for (const problem of entryProblems(transaction)) report('malformed_transaction', transaction.id, problem);
    let expected: Map<string, Readonly<Record<MerchantField, number>>>;
    try {
      expected = merchantChanges(transaction);
    } catch (error) {
      report('malformed_transaction', transaction.id, error instanceof Error ? error.message : String(error));
      continue;
    }
    const allocated = new Map<string, Record<MerchantField, number>>();
    for (const change of allocation) {
      const sum = allocated.get(change.currency) ?? { pending: 0, available: 0, reserved: 0 };
      for (const field of MERCHANT_FIELDS) sum[field] += change.delta[field];
      allocated.set(change.currency, sum);
    }
    for (const currency of new Set([...expected.keys(), ...allocated.keys()])) {
      const want = expected.get(currency) ?? { pending: 0, available: 0, reserved: 0 };
      const got = allocated.get(currency) ?? { pending: 0, available: 0, reserved: 0 };
      const wrong = MERCHANT_FIELDS.filter((field) => want[field] !== got[field]);
      if (wrong.length > 0) {
        report('allocation_mismatch', transaction.id, wrong.map((field) => `${field} ${currency}: entries ${want[field]}, allocated ${got[field]}`).join('; '));
      }
    }
  }

  // 3: balance items against the journal's allocations, and the rules.
  const stored = new Map<string, BalanceShard>();
  for (const item of snapshot.balances) {
    stored.set(itemKey(item.merchantId, item.currency, item.shard), item);
    for (const field of MERCHANT_FIELDS) {
      if (fieldIsNonNegative(field) && item[field] < 0) {
        report('negative_balance', itemKey(item.merchantId, item.currency, item.shard), `${field} ${item[field]} below zero`);
      }
    }
  }
  for (const key of [...new Set([...fromJournal.keys(), ...stored.keys()])].sort()) {
    const want = fromJournal.get(key) ?? { pending: 0, available: 0, reserved: 0 };
    const got = stored.get(key) ?? { pending: 0, available: 0, reserved: 0 };
    const wrong = MERCHANT_FIELDS.filter((field) => want[field] !== got[field]);
    if (wrong.length > 0) {
      report('balance_mismatch', key, wrong.map((field) => `${field}: journal says ${want[field]}, stored ${got[field]}`).join('; '));
    }
  }
  const accounts = journalBalances(snapshot.transactions);

  // 4: positions, folded from their transactions.
  const histories = new Map<string, PostedTransaction[]>();
  for (const posted of snapshot.transactions) {
    const history = histories.get(posted.transaction.positionId) ?? [];
    history.push(posted);
    histories.set(posted.transaction.positionId, history);
  }
  for (const [id, history] of [...histories].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const numbering = numberingProblem(history);
    if (numbering) report('position_mismatch', id, numbering);
    const merchants = new Set(history.map((posted) => posted.transaction.merchantId));
    if (merchants.size > 1) report('position_mismatch', id, `transactions of several merchants: ${[...merchants].join(', ')}`);
    const position = foldPosition(id, history[0]?.transaction.merchantId ?? '', history);
    for (const problem of positionProblems(position)) report('position_mismatch', id, problem);
    const heldIn = (currency: string | undefined) =>
      Object.entries(position.held ?? {}).reduce((sum, [key, amount]) => sum + (parseHeldKey(key).currency === currency ? amount : 0), 0);
    const heldTotal = Object.values(position.held ?? {}).reduce((sum, amount) => sum + amount, 0);
    const pinnedChecks: [string, number, number][] =
      position.kind === 'payment'
        ? [['pending funds held', heldTotal, counter(position, 'pendingNet')]]
        : position.kind === 'payout'
          ? [
              ['reserved funds held', heldIn(position.currency), counter(position, 'outstanding')],
              ['converted funds held', heldIn(position.convertedCurrency), counter(position, 'convertedOutstanding')],
              ['funds held in all', heldTotal, counter(position, 'outstanding') + counter(position, 'convertedOutstanding')],
            ]
          : [];
    for (const [what, held, expected] of pinnedChecks) {
      if (held !== expected) report('position_mismatch', id, `${what} ${held}, counters say ${expected}`);
    }
    if (Object.values(position.held ?? {}).some((amount) => amount < 0)) report('position_mismatch', id, 'a shard holds a negative amount of its pinned funds');
  }

  // 5: statement lines: all stored, and telling the merchant what the entries did to its funds.
  const byTransaction = new Map(snapshot.transactions.map((posted) => [posted.transaction.id, posted]));
  const foundExtra = new Map<string, number>();
  for (const extra of snapshot.extraLines) {
    if (!byTransaction.has(extra.transactionId)) report('orphan_line', extra.line.id, `statement line without its transaction ${extra.transactionId}`);
    else foundExtra.set(extra.transactionId, (foundExtra.get(extra.transactionId) ?? 0) + 1);
  }
  let lines = 0;
  for (const { transaction, extraLineCount } of snapshot.transactions) {
    const written = linesOf(transaction);
    lines += written.length;
    const declared = extraLineCount ?? transaction.extraLines?.length ?? 0;
    const found = foundExtra.get(transaction.id) ?? 0;
    if (found !== declared) report('missing_line', transaction.id, `transaction has ${declared} extra statement line(s), ${found} stored`);
    let effects: Map<string, Readonly<Record<MerchantField, number>>>;
    try {
      effects = merchantChanges(transaction);
    } catch {
      continue; // reported above
    }
    const nets = new Map<string, number>();
    for (const line of written) {
      if (line.merchantId !== transaction.merchantId) report('line_mismatch', line.id, `line of ${line.merchantId} on a transaction of ${transaction.merchantId}`);
      if (line.net !== line.amount - line.fee) report('line_mismatch', line.id, `net ${line.net} is not amount ${line.amount} − fee ${line.fee}`);
      nets.set(line.currency, (nets.get(line.currency) ?? 0) + line.net);
    }
    for (const currency of new Set([...nets.keys(), ...effects.keys()])) {
      const effect = effects.get(currency);
      const funds = (effect?.pending ?? 0) + (effect?.available ?? 0);
      if ((nets.get(currency) ?? 0) !== funds) {
        report('line_mismatch', transaction.id, `its lines say ${nets.get(currency) ?? 0} ${currency}, its entries move available + pending by ${funds}`);
      }
    }
  }
  for (const [id, history] of histories) {
    const statuses = new Map<string, LineStatus>();
    for (const { transaction } of [...history].sort((a, b) => a.sequence - b.sequence)) {
      for (const line of linesOf(transaction)) statuses.set(line.id, line.status);
      for (const change of transaction.lineChanges) {
        const status = statuses.get(change.lineId);
        if (status === undefined) report('line_mismatch', change.lineId, `${transaction.id} changes a line that is not one of ${id}'s`);
        else if (status !== change.from) report('line_mismatch', change.lineId, `${transaction.id} moves it from ${change.from}, it was ${status}`);
        else statuses.set(change.lineId, change.to);
      }
    }
  }

  return {
    transactions: snapshot.transactions.length,
    accounts: accounts.size,
    positions: histories.size,
    lines,
    differences,
    derivedBalances: derivedBalances(snapshot.transactions),
  };
};
