import type { BalanceShard, ShardDelta } from '../../domain/ledger/balances';
import type { PostedTransaction } from '../../domain/ledger/journal';
import { parseAccountKey } from '../../domain/ledger/accounts';
import type { PositionDelta, PositionFields } from '../../domain/ledger/positions';
import type { Entry, JournalTransaction, LineStatusChange, StatementLine, TransactionKind } from '../../domain/ledger/transaction';
import { routeOfId, routeOfPosition } from '../../domain/ledger/transaction';

/**
 * How ledger records are laid out in the `ledger` table (pk/sk strings; docs/ledger.md, "Storage"):
 *
 *   j#<route>  / <position id>#<n>#<region>      journal transaction n (1, 2...) of a payment, payout or
 *                                        conversion, with its statement line, written by <region>; immutable
 *                                        (conditional put). <route> is the 10 routing characters every id of
 *                                        the position's transactions carries (transaction.ts), so a
 *                                        transaction or line is found from its id alone. The region in the
 *                                        key means no two regions ever write the same journal item: should
 *                                        both number a position's transaction n (an unplanned failover), both
 *                                        survive replication and the verifier reports it (decision 0004).
 *   j#<route>  / <position id>#<n>#<region>#<k>  the k-th extra statement line of transaction n (a
 *                                        conversion's bought currency); immutable.
 *   bal#<merchant>#<p> / <currency>#<ss> a merchant's balance shard ss in one currency (pending, available,
 *                                        reserved), in partition p = ss mod balancePartitions.
 *   home#<merchant> / home               the merchant's home-region marker.
 * Index `merchant-line-shards` (KEYS_ONLY): `gm` = <merchant>#<statement partition>, `gt` =
 * <created at>#<line id>, on every item carrying a statement line; written once, with the item.
 *
 * Journal items use short attribute names and leave out whatever the transaction implies (a line's id,
 * merchant, source and date are its transaction's; net is amount − fee; an entry's currency is its
 * account's): every item is billed per started KB, and a transaction's item stays under one.
 */
type Item = Record<string, unknown>;

export const JOURNAL_PREFIX = 'j#';
export const BALANCE_PREFIX = 'bal#';
export const HOME_PREFIX = 'home#';
export const STATEMENT_INDEX = 'merchant-line-shards';

const SEQUENCE_DIGITS = 6;

export const journalPartition = (positionId: string): string => `${JOURNAL_PREFIX}${routeOfPosition(positionId)}`;
export const journalPartitionOfId = (id: string): string => `${JOURNAL_PREFIX}${routeOfId(id)}`;
export const journalKey = (positionId: string, sequence: number, region: string) => ({
  pk: journalPartition(positionId),
  sk: `${positionId}#${String(sequence).padStart(SEQUENCE_DIGITS, '0')}#${region}`,
});
export const extraLineKey = (positionId: string, sequence: number, region: string, n: number) => {
  const key = journalKey(positionId, sequence, region);
  return { pk: key.pk, sk: `${key.sk}#${n}` };
};

export const balancePartition = (merchantId: string, partition: number): string => `${BALANCE_PREFIX}${merchantId}#${partition}`;
export const balanceKey = (merchantId: string, currency: string, shard: number, partitions: number) => ({
  pk: balancePartition(merchantId, shard % partitions),
  sk: `${currency}#${String(shard).padStart(2, '0')}`,
});
export const homeKey = (merchantId: string) => ({ pk: `${HOME_PREFIX}${merchantId}`, sk: 'home' });

/** Which statement index partition a line goes to: spread evenly by its id's last character. */
export const statementPartitionOf = (lineId: string, partitions: number): number => {
  const code = lineId.charCodeAt(lineId.length - 1);
  return (Number.isNaN(code) ? 0 : code) % partitions;
};
export const statementIndexKeys = (line: Pick<StatementLine, 'id' | 'merchantId' | 'createdAt'>, partitions: number) => ({
  gm: `${line.merchantId}#${statementPartitionOf(line.id, partitions)}`,
  gt: `${line.createdAt}#${line.id}`,
});

export type RecordType = 'transaction' | 'extra_line' | 'balance' | 'home' | 'unknown';

export const recordTypeOf = (item: Item): RecordType => {
  const pk = String(item.pk);
  if (pk.startsWith(JOURNAL_PREFIX)) return String(item.sk).split('#').length === 4 ? 'extra_line' : 'transaction';
  if (pk.startsWith(BALANCE_PREFIX)) return 'balance';
  if (pk.startsWith(HOME_PREFIX)) return 'home';
  return 'unknown';
};

/** Position id, number, writing region (and extra line number) of a journal item, from its sort key. */
export const parseJournalSortKey = (sk: string): { positionId: string; sequence: number; region: string; extra?: number } => {
  const [positionId = '', sequence = '0', region = '', extra] = sk.split('#');
  return { positionId, sequence: Number(sequence), region, ...(extra === undefined ? {} : { extra: Number(extra) }) };
};

// ---- Transactions ----

const encodeEntry = (entry: Entry): string => {
  const side = entry.side === 'debit' ? 'D' : 'C';
  let currency: string | undefined;
  try {
    currency = parseAccountKey(entry.account).currency;
  } catch {
    currency = undefined;
  }
  return `${side} ${entry.amount} ${entry.account}${currency === entry.currency ? '' : ` ${entry.currency}`}`;
};

const decodeEntry = (text: string): Entry => {
  const [side = '', amount = '', account = '', currency] = text.split(' ');
  return {
    account,
    side: side === 'D' ? 'debit' : 'credit',
    amount: Number(amount),
    currency: currency ?? parseAccountKey(account).currency,
  };
};

/** A line relative to its transaction: only what the transaction does not imply. */
const encodeLine = (line: StatementLine, transaction: JournalTransaction): Item => {
  const item: Item = { t: line.type, a: line.amount, c: line.currency, st: line.status, ds: line.description };
  if (line.fee !== 0) item.f = line.fee;
  if (line.net !== line.amount - line.fee) item.n = line.net;
  if (line.availableOn !== null) item.on = line.availableOn === transaction.createdAt ? '=' : line.availableOn;
  if (line.id !== transaction.id) item.id = line.id;
  if (line.merchantId !== transaction.merchantId) item.m = line.merchantId;
  if (line.source !== transaction.sourceId) item.s = line.source;
  if (line.createdAt !== transaction.createdAt) item.at = line.createdAt;
  return item;
};

const decodeLine = (item: Item, transaction: Pick<JournalTransaction, 'id' | 'merchantId' | 'sourceId' | 'createdAt'>): StatementLine => {
  const amount = item.a as number;
  const fee = (item.f as number | undefined) ?? 0;
  const on = item.on as string | undefined;
  return {
    id: (item.id as string | undefined) ?? transaction.id,
    merchantId: (item.m as string | undefined) ?? transaction.merchantId,
    type: item.t as StatementLine['type'],
    source: (item.s as string | undefined) ?? transaction.sourceId,
    amount,
    fee,
    net: (item.n as number | undefined) ?? amount - fee,
    currency: item.c as string,
    status: item.st as StatementLine['status'],
    availableOn: on === undefined ? null : on === '=' ? transaction.createdAt : on,
    createdAt: (item.at as string | undefined) ?? transaction.createdAt,
    description: item.ds as string,
  };
};

const encodeLineChange = (change: LineStatusChange): string => `${change.lineId} ${change.from} ${change.to} ${change.availableOn ?? '-'}`;

const decodeLineChange = (text: string): LineStatusChange => {
  const [lineId = '', from = '', to = '', on = '-'] = text.split(' ');
  return { lineId, from: from as LineStatusChange['from'], to: to as LineStatusChange['to'], availableOn: on === '-' ? null : on };
};

const encodeAllocation = (change: ShardDelta): string =>
  `${change.currency} ${change.shard} ${change.delta.pending} ${change.delta.available} ${change.delta.reserved}`;

const decodeAllocation = (text: string): ShardDelta => {
  const [currency = '', shard, pending, available, reserved] = text.split(' ');
  return { currency, shard: Number(shard), delta: { pending: Number(pending), available: Number(available), reserved: Number(reserved) } };
};

/** The journal item of transaction number `sequence` of its position, and its extra line items. */
export const transactionItems = (
  transaction: JournalTransaction,
  sequence: number,
  allocation: readonly ShardDelta[],
  region: string,
  statementPartitions: number,
): Item[] => {
  const item: Item = {
    ...journalKey(transaction.positionId, sequence, region),
    id: transaction.id,
    k: transaction.kind,
    m: transaction.merchantId,
    e: transaction.entries.map(encodeEntry),
    fp: transaction.fingerprint,
    at: transaction.createdAt,
    ds: transaction.description,
  };
  if (transaction.sourceId !== transaction.positionId) item.s = transaction.sourceId;
  if (Object.keys(transaction.positionDelta).length > 0) item.d = transaction.positionDelta;
  if (Object.keys(transaction.positionFields).length > 0) {
    // A capture names itself as the payment's live capture: '=' instead of its id again.
    const fields: Item = { ...transaction.positionFields };
    if (fields.captureTransactionId === transaction.id) fields.captureTransactionId = '=';
    item.f = fields;
  }
  if (transaction.line) {
    item.l = encodeLine(transaction.line, transaction);
    Object.assign(item, statementIndexKeys(transaction.line, statementPartitions));
  }
  if (transaction.extraLines !== undefined) item.x = transaction.extraLines.length;
  if (transaction.lineChanges.length > 0) item.c = transaction.lineChanges.map(encodeLineChange);
  if (transaction.reverses !== null) item.r = transaction.reverses;
  if (allocation.length > 0) item.a = allocation.map(encodeAllocation);
  const extra = (transaction.extraLines ?? []).map((line, index) => ({
    ...extraLineKey(transaction.positionId, sequence, region, index + 1),
    t: transaction.id,
    l: encodeLine(line, transaction),
    ...statementIndexKeys(line, statementPartitions),
  }));
  return [item, ...extra];
};

const decodeTransaction = (item: Item, extraLines: readonly Item[]): JournalTransaction => {
  const { positionId } = parseJournalSortKey(String(item.sk));
  const head = {
    id: item.id as string,
    merchantId: item.m as string,
    sourceId: (item.s as string | undefined) ?? positionId,
    createdAt: item.at as string,
  };
  const fields = { ...((item.f as Item | undefined) ?? {}) };
  if (fields.captureTransactionId === '=') fields.captureTransactionId = head.id;
  const transaction: JournalTransaction = {
    id: head.id,
    kind: item.k as TransactionKind,
    merchantId: head.merchantId,
    sourceId: head.sourceId,
    positionId,
    entries: ((item.e as string[] | undefined) ?? []).map(decodeEntry),
    positionDelta: { ...((item.d as PositionDelta | undefined) ?? {}) },
    positionFields: fields as Partial<PositionFields>,
    line: item.l ? decodeLine(item.l as Item, head) : null,
    ...(item.x === undefined ? {} : { extraLines: extraLines.map((extra) => decodeLine(extra.l as Item, head)) }),
    lineChanges: ((item.c as string[] | undefined) ?? []).map(decodeLineChange),
    reverses: (item.r as string | undefined) ?? null,
    fingerprint: item.fp as string,
    createdAt: head.createdAt,
    description: item.ds as string,
  };
  return transaction;
};

/**
 * The transactions among journal items (any order; extra line items included), each with its extra lines
 * found in the same items, in each position's order.
 */
export const decodeJournal = (items: readonly Item[]): PostedTransaction[] => {
  const extras = new Map<string, Item[]>();
  for (const item of items) {
    if (recordTypeOf(item) !== 'extra_line') continue;
    const owner = String(item.t);
    extras.set(owner, [...(extras.get(owner) ?? []), item]);
  }
  return items
    .filter((item) => recordTypeOf(item) === 'transaction')
    .map((item) => {
      const { sequence, region } = parseJournalSortKey(String(item.sk));
      const extra = (extras.get(String(item.id)) ?? []).filter((line) => parseJournalSortKey(String(line.sk)).region === region).sort((a, b) => (parseJournalSortKey(String(a.sk)).extra ?? 0) - (parseJournalSortKey(String(b.sk)).extra ?? 0));
      return {
        transaction: decodeTransaction(item, extra),
        sequence,
        allocation: ((item.a as string[] | undefined) ?? []).map(decodeAllocation),
        region,
        extraLineCount: (item.x as number | undefined) ?? 0,
      };
    })
    .sort((a, b) => (a.transaction.positionId < b.transaction.positionId ? -1 : a.transaction.positionId > b.transaction.positionId ? 1 : a.sequence - b.sequence));
};

/** An extra line item as the line it stores (its transaction's item supplies what it leaves out). */
export const decodeExtraLine = (item: Item, owner: Pick<JournalTransaction, 'id' | 'merchantId' | 'sourceId' | 'createdAt'>): StatementLine =>
  decodeLine(item.l as Item, owner);

// ---- Balances ----

export const decodeBalance = (item: Item): BalanceShard => {
  const pk = String(item.pk).slice(BALANCE_PREFIX.length);
  const [currency = '', shard = '0'] = String(item.sk).split('#');
  return {
    merchantId: pk.slice(0, pk.lastIndexOf('#')),
    currency,
    shard: Number(shard),
    pending: (item.pending as number | undefined) ?? 0,
    available: (item.available as number | undefined) ?? 0,
    reserved: (item.reserved as number | undefined) ?? 0,
  };
};
