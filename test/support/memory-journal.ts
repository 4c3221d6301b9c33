import {
  type BalanceReads,
  type BalanceShard,
  MERCHANT_FIELDS,
  type ShardChange,
  merchantChanges,
  planBalanceChanges,
  summarizeMerchantShards,
} from '../../lambdas/domain/ledger/balances';
import { type PostedTransaction, foldPosition } from '../../lambdas/domain/ledger/journal';
import type { Position } from '../../lambdas/domain/ledger/positions';
import type { JournalTransaction } from '../../lambdas/domain/ledger/transaction';
import { type LedgerSnapshot, journalBalances, verifySnapshot } from '../../lambdas/domain/ledger/verification';

/**
 * The ledger's pure parts put together in memory, for unit tests: a posting is built from its position
 * (the fold of its transactions), planned over the balance shards (every shard read), applied, and
 * recorded as the position's next transaction; `verify` runs the verifier over the result.
 */
export const memoryJournal = (options: { readonly shards?: number; readonly random?: () => number } = {}) => {
  const shards = options.shards ?? 8;
  const random = options.random ?? (() => 0);
  const posted: PostedTransaction[] = [];
  const balances = new Map<string, BalanceShard>();
  const keyOf = (merchantId: string, currency: string, shard: number) => `${merchantId}/${currency}#${shard}`;
  const history = (positionId: string) => posted.filter((entry) => entry.transaction.positionId === positionId);

  const journal = {
    position: (id: string, merchantId = 'mer_1'): Position => foldPosition(id, merchantId, history(id)),
    /** Every shard of the merchant in `currency`, as a complete read. */
    reads: (merchantId: string, currencies: Iterable<string>): BalanceReads =>
      new Map(
        [...currencies].map((currency) => [
          currency,
          { items: [...balances.values()].filter((item) => item.merchantId === merchantId && item.currency === currency), complete: true },
        ]),
      ),
    post(build: (position: Position) => JournalTransaction, positionId: string, merchantId = 'mer_1'): JournalTransaction {
      return journal.postWithChanges(build, positionId, merchantId).transaction;
    },
    postWithChanges(build: (position: Position) => JournalTransaction, positionId: string, merchantId = 'mer_1'): { transaction: JournalTransaction; changes: readonly ShardChange[] } {
      const position = journal.position(positionId, merchantId);
      const transaction = build(position);
      const plan = planBalanceChanges(transaction, position, journal.reads(transaction.merchantId, merchantChanges(transaction).keys()), { shards, random });
      if (plan.kind !== 'planned') throw new Error('a complete read must be enough to plan');
      for (const change of plan.changes) {
        const key = keyOf(transaction.merchantId, change.currency, change.shard);
        const before = balances.get(key) ?? { merchantId: transaction.merchantId, currency: change.currency, shard: change.shard, pending: 0, available: 0, reserved: 0 };
        const after = { ...before };
        for (const field of MERCHANT_FIELDS) {
          if (before[field] < change.atLeast[field]) throw new Error(`${key} ${field} ${before[field]} < ${change.atLeast[field]}`);
          after[field] = before[field] + change.delta[field];
        }
        balances.set(key, after);
      }
      posted.push({
        transaction,
        sequence: position.version + 1,
        allocation: plan.changes.map(({ currency, shard, delta }) => ({ currency, shard, delta })),
        region: 'us-east-1',
      });
      return { transaction, changes: plan.changes };
    },
    balances: (merchantId = 'mer_1') => summarizeMerchantShards([...balances.values()].filter((item) => item.merchantId === merchantId)),
    shards: () => [...balances.values()],
    accountBalance: (account: string) => journalBalances(posted).get(account)?.balance ?? 0,
    snapshot: (): LedgerSnapshot => ({
      transactions: [...posted],
      extraLines: posted.flatMap(({ transaction }) => (transaction.extraLines ?? []).map((line) => ({ transactionId: transaction.id, line }))),
      balances: [...balances.values()],
    }),
    verify: () => verifySnapshot(journal.snapshot()),
  };
  return journal;
};
