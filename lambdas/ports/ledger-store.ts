import type { BalanceUpdate, ShardBalance } from '../domain/ledger/balances';
import type { HomeRegionMarker } from '../domain/ledger/home-region';
import type { Position } from '../domain/ledger/positions';
import type { JournalTransaction, StatementLine } from '../domain/ledger/transaction';

/**
 * Storage of the ledger: the journal, the balance shards, positions, statement lines and home-region
 * markers. `commit` writes a transaction and everything it changes atomically, or nothing.
 */
export interface PostingContext {
  /** The transaction with this id if it was already posted (a retry). */
  readonly existing: JournalTransaction | undefined;
  /** The position the transaction changes (version 0 if it has none yet). */
  readonly position: Position;
  readonly home: HomeRegionMarker | undefined;
}

export interface PreparedPosting {
  readonly transaction: JournalTransaction;
  /** The position as read: its version guards the write. */
  readonly positionBefore: Position;
  readonly positionAfter: Position;
  readonly balanceUpdates: readonly BalanceUpdate[];
  /** The region writing (recorded on the transaction for audits after a failover). */
  readonly region: string;
}

export type CommitOutcome =
  | { readonly outcome: 'committed' }
  /** The transaction id exists: this posting was already made (by a retry or a concurrent duplicate). */
  | { readonly outcome: 'duplicate' }
  /** The position or a balance shard changed since it was read: plan again from fresh reads. */
  | { readonly outcome: 'stale'; readonly detail: string }
  /** Transaction conflict or throttling: back off and try again. */
  | { readonly outcome: 'contention'; readonly detail: string };

/** A read that lost to a concurrent transaction or was throttled: back off and try again. */
export class LedgerStoreContentionError extends Error {
  override readonly name = 'LedgerStoreContentionError';
}

export interface LinePage {
  readonly lines: readonly StatementLine[];
  readonly hasMore: boolean;
}

export interface LedgerStore {
  /** One consistent snapshot of the transaction (if posted), the position and the home marker. */
  loadContext(transactionId: string, positionId: string, merchantId: string): Promise<PostingContext>;
  getTransaction(id: string): Promise<JournalTransaction | undefined>;
  /** Current shards of each account, strongly consistent. */
  readShards(accounts: readonly string[]): Promise<ReadonlyMap<string, readonly ShardBalance[]>>;
  commit(posting: PreparedPosting): Promise<CommitOutcome>;
  getPosition(id: string): Promise<Position | undefined>;
  /** Every balance shard of a merchant's accounts, all currencies. */
  merchantShards(merchantId: string): Promise<readonly ShardBalance[]>;
  getLine(id: string): Promise<StatementLine | undefined>;
  /** Newest first; `after` is a line of the same merchant to continue after. */
  listLines(merchantId: string, page: { readonly limit: number; readonly after?: StatementLine }): Promise<LinePage>;
  getHomeRegion(merchantId: string): Promise<HomeRegionMarker | undefined>;
  /** Writes the marker if its stored epoch is still `expectedEpoch` (0: none stored); false otherwise. */
  putHomeRegion(marker: HomeRegionMarker, expectedEpoch: number): Promise<boolean>;
}
