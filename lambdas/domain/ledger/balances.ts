import { ACCOUNT_RULES, type AccountType, parseAccountKey, signedEffect } from './accounts';
import { InsufficientFundsError } from './errors';
import type { JournalTransaction } from './transaction';

/**
 * Balances are kept in shards: each account's balance is the sum of a few items, so concurrent postings
 * to one hot account (a popular merchant's pending funds, the platform's fee revenue) mostly touch
 * different items (docs/decisions/0003-ledger-hot-accounts.md). This module plans, without I/O, which
 * shards a transaction changes:
 * - an increase, or any change to an account without a rule, goes whole to one shard picked at random;
 * - a decrease of a non-negative account is taken from shards that hold it, read just before, each
 *   shard guarded by "balance ≥ what is taken from it" in the same DynamoDB transaction, so every shard
 *   stays ≥ 0 and therefore so does the account. A stale read only fails that condition: the posting is
 *   planned again from fresh balances. If all shards together hold too little, the posting is refused.
 */
export interface ShardBalance {
  readonly account: string;
  readonly shard: number;
  /** Normal-side balance of this shard. */
  readonly balance: number;
  readonly debits: number;
  readonly credits: number;
}

export interface BalanceUpdate {
  readonly account: string;
  readonly shard: number;
  /** Normal-side change. */
  readonly delta: number;
  readonly debits: number;
  readonly credits: number;
  /** The shard must hold at least this before the update (non-negative accounts only), else null. */
  readonly requireAtLeast: number | null;
}

export type ShardCounts = Partial<Record<AccountType, number>>;

export const MAX_SHARDS = 64;

export const shardCountOf = (type: AccountType, overrides: ShardCounts = {}): number => {
  const count = overrides[type] ?? ACCOUNT_RULES[type].shards;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new RangeError(`Shard count for ${type} must be 1..${MAX_SHARDS}`);
  return count;
};

interface AccountChange {
  readonly account: string;
  readonly type: AccountType;
  debits: number;
  credits: number;
  delta: number;
}

export const accountChanges = (transaction: Pick<JournalTransaction, 'entries'>): AccountChange[] => {
  const changes = new Map<string, AccountChange>();
  for (const entry of transaction.entries) {
    const { type } = parseAccountKey(entry.account);
    const change = changes.get(entry.account) ?? { account: entry.account, type, debits: 0, credits: 0, delta: 0 };
    if (entry.side === 'debit') change.debits += entry.amount;
    else change.credits += entry.amount;
    change.delta += signedEffect(type, entry.side, entry.amount);
    changes.set(entry.account, change);
  }
  return [...changes.values()];
};

/** Accounts whose shards must be read before planning: non-negative accounts the transaction decreases. */
export const accountsToRead = (transaction: Pick<JournalTransaction, 'entries'>): string[] =>
  accountChanges(transaction)
    .filter((change) => ACCOUNT_RULES[change.type].nonNegative && change.delta < 0)
    .map((change) => change.account);

const pickIndex = (random: () => number, length: number): number => Math.min(length - 1, Math.floor(random() * length));

export const planBalanceUpdates = (
  transaction: Pick<JournalTransaction, 'entries'>,
  shardsRead: ReadonlyMap<string, readonly ShardBalance[]>,
  options: { readonly random: () => number; readonly shardCounts?: ShardCounts },
): BalanceUpdate[] => {
  const updates: BalanceUpdate[] = [];
  for (const change of accountChanges(transaction)) {
    const rule = ACCOUNT_RULES[change.type];
    if (!rule.nonNegative || change.delta >= 0) {
      const shard = pickIndex(options.random, shardCountOf(change.type, options.shardCounts));
      updates.push({ account: change.account, shard, delta: change.delta, debits: change.debits, credits: change.credits, requireAtLeast: null });
      continue;
    }
    const needed = -change.delta;
    const holding = (shardsRead.get(change.account) ?? []).filter((shard) => shard.balance > 0);
    const total = holding.reduce((sum, shard) => sum + shard.balance, 0);
    if (total < needed) throw new InsufficientFundsError(change.account, needed, total);

    // One shard if any holds enough (picked at random among them, so concurrent debits spread out);
    // otherwise the fullest shards first, which touches the fewest items.
    const sufficient = holding.filter((shard) => shard.balance >= needed);
    const chosen: { shard: number; take: number }[] = [];
    if (sufficient.length > 0) {
      const shard = sufficient[pickIndex(options.random, sufficient.length)] as ShardBalance;
      chosen.push({ shard: shard.shard, take: needed });
    } else {
      let remaining = needed;
      for (const shard of [...holding].sort((a, b) => b.balance - a.balance)) {
        if (remaining === 0) break;
        const take = Math.min(remaining, shard.balance);
        chosen.push({ shard: shard.shard, take });
        remaining -= take;
      }
    }
    // The increasing side (if the transaction also adds to this account) rides on the first shard.
    const increasing = rule.normalSide === 'credit' ? change.credits : change.debits;
    chosen.forEach(({ shard, take }, index) => {
      const increase = index === 0 ? increasing : 0;
      const decrease = take + increase;
      updates.push({
        account: change.account,
        shard,
        delta: -take,
        debits: rule.normalSide === 'credit' ? decrease : increase,
        credits: rule.normalSide === 'credit' ? increase : decrease,
        requireAtLeast: take,
      });
    });
  }
  return updates;
};

export interface MerchantCurrencyBalance {
  readonly currency: string;
  readonly available: number;
  readonly pending: number;
  readonly reserved: number;
}

/** A merchant's funds per currency from its shards, currencies in alphabetical order. */
export const summarizeMerchantShards = (shards: readonly ShardBalance[]): MerchantCurrencyBalance[] => {
  const byCurrency = new Map<string, { available: number; pending: number; reserved: number }>();
  for (const shard of shards) {
    const { type, currency } = parseAccountKey(shard.account);
    const totals = byCurrency.get(currency) ?? { available: 0, pending: 0, reserved: 0 };
    if (type === 'merchant_available') totals.available += shard.balance;
    else if (type === 'merchant_pending') totals.pending += shard.balance;
    else if (type === 'merchant_reserved') totals.reserved += shard.balance;
    byCurrency.set(currency, totals);
  }
  return [...byCurrency.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, totals]) => ({ currency, ...totals }));
};
