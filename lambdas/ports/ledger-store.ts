import type { ListWindow } from '../domain/list-window';
import type { BalanceShard, FieldAmounts, ShardChange } from '../domain/ledger/balances';
import type { PostedTransaction } from '../domain/ledger/journal';
import type { HomeRegionMarker } from '../domain/ledger/home-region';
import type { Position } from '../domain/ledger/positions';
import type { JournalTransaction, StatementLine } from '../domain/ledger/transaction';

/**
 * Storage of the ledger: the journal (each transaction numbered within its position, the position being the
 * fold of them), the merchants' balance shards, the statement lines and home-region markers. `commit`
 * writes a transaction and the balance changes it makes atomically, or nothing.
 */
export interface PostingContext {
  /** The transaction with this id if it was already posted (a retry). */
  readonly existing: JournalTransaction | undefined;
  /** The position the transaction changes, folded from its transactions (version 0 if it has none). */
  readonly position: Position;
  readonly home: HomeRegionMarker | undefined;
}

/**
 * One item of another table written in a posting's transaction, so that the posting and it exist together or not
 * at all (decision record 0062: a conversion's object with its posting): a Put of `item` into `tableName`, only if
 * `condition` holds on the item stored under its key (an expression with its names and values, in the store's
 * condition language). Built by that table's adapter; the ledger store carries it and knows nothing of what it is.
 */
export interface CompanionPut {
  readonly tableName: string;
  readonly item: Readonly<Record<string, unknown>>;
  readonly condition: {
    readonly expression: string;
    readonly names?: Readonly<Record<string, string>>;
    readonly values?: Readonly<Record<string, unknown>>;
  };
}

export interface PreparedPosting {
  readonly transaction: JournalTransaction;
  /** The position as read: the transaction is written as its number `version + 1`, only if still free. */
  readonly positionBefore: Position;
  readonly changes: readonly ShardChange[];
  /** The region writing (recorded on the transaction: each region's journal is aggregated on its own). */
  readonly region: string;
  /** Written in the same transaction, on its own condition (decision record 0062). */
  readonly companion?: CompanionPut;
}

export type CommitOutcome =
  | { readonly outcome: 'committed' }
  /**
   * The position's next number was taken (another posting, or this one by a retry or a concurrent
   * duplicate), or a balance shard changed since it was read: read again and plan again.
   */
  | { readonly outcome: 'stale'; readonly detail: string }
  /** Transaction conflict or throttling: back off and try again. */
  | { readonly outcome: 'contention'; readonly detail: string }
  /** The companion's condition failed while the posting's own held: nothing was written, and trying again would not change it. */
  | { readonly outcome: 'companion_refused'; readonly detail: string };

/** A read that lost to a concurrent transaction or was throttled: back off and try again. */
export class LedgerStoreContentionError extends Error {
  override readonly name = 'LedgerStoreContentionError';
}

/**
 * A posting's companion was refused by its own condition (its table holds an item the companion may not replace):
 * neither was written. Not a business refusal: the caller's own state says why (a 5xx if it cannot tell).
 */
export class CompanionRefusedError extends Error {
  override readonly name = 'CompanionRefusedError';
}

export interface LinePage {
  readonly lines: readonly StatementLine[];
  readonly hasMore: boolean;
}

export interface LedgerStore {
  /** The transaction (if posted), the position and the home marker, strongly consistent. */
  loadContext(transactionId: string, positionId: string, merchantId: string): Promise<PostingContext>;
  getTransaction(id: string): Promise<JournalTransaction | undefined>;
  /** Balance shards of a merchant in one currency, strongly consistent: the ones named, or every one. */
  readBalances(merchantId: string, currency: string, shards: readonly number[] | 'all'): Promise<readonly BalanceShard[]>;
  commit(posting: PreparedPosting): Promise<CommitOutcome>;
  /** The position folded from its transactions; undefined when it has none. */
  getPosition(id: string): Promise<Position | undefined>;
  /** The position and its transactions, oldest first (strongly consistent); undefined when it has none. */
  getPositionHistory(id: string): Promise<{ readonly position: Position; readonly transactions: readonly JournalTransaction[] } | undefined>;
  /** Every balance shard of a merchant, all currencies. */
  merchantShards(merchantId: string): Promise<readonly BalanceShard[]>;
  /** A statement line with its status now. */
  getLine(id: string): Promise<StatementLine | undefined>;
  /** One page of the merchant's statement lines, newest first; the window's cursors are lines of the same merchant. */
  listLines(merchantId: string, window: ListWindow): Promise<LinePage>;
  getHomeRegion(merchantId: string): Promise<HomeRegionMarker | undefined>;
  /** Writes the marker if its stored epoch is still `expectedEpoch` (0: none stored); false otherwise. */
  putHomeRegion(marker: HomeRegionMarker, expectedEpoch: number): Promise<boolean>;
}

/**
 * What the balance repair of a forced home-region move reads and writes (decision 0039): one merchant's journal
 * and balance items, and a compare-and-set of one item's amounts. Only while the merchant's ledger is fenced.
 */
export interface LedgerRepairStore {
  /** Every journal transaction of the merchant, strongly consistent (a scan of the table: no index lists them all). */
  merchantJournal(merchantId: string): Promise<readonly PostedTransaction[]>;
  /** Every balance shard of a merchant, all currencies, strongly consistent. */
  merchantShards(merchantId: string): Promise<readonly BalanceShard[]>;
  /** Sets the item's amounts to `to` if it still holds `from` (zeros: no item, or the field absent); false otherwise. */
  setShardAmounts(merchantId: string, currency: string, shard: number, from: FieldAmounts, to: FieldAmounts): Promise<boolean>;
}
