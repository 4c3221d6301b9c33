import { createHash } from 'node:crypto';
import { ACCOUNT_RULES, type AccountType, accountKey, parseAccountKey, signedEffect } from './accounts';
import { InsufficientFundsError } from './errors';
import type { Position } from './positions';
import type { JournalTransaction } from './transaction';

/**
 * A merchant's money lives in balance shards: one item per (merchant, currency, shard) carrying all three
 * of its account types (pending, available, reserved), so a posting that moves money between them in one
 * currency (settlement: pending → available; a payout's reservation: available → reserved) changes one
 * item. Platform and channel accounts have no items: their balances are derived from the journal
 * (docs/decisions/0013-ledger-lean-postings.md). This module plans, without I/O, which shards a transaction
 * changes and by how much (its allocation, recorded on the journal item so the verifier can recompute every
 * shard from the journal):
 *
 * - A payment's pending funds are pinned to one shard (its position's `held`), and so are a payout's
 *   reserved funds (the shards they were reserved on). Pinned funds are taken back from exactly those
 *   shards: a shard's pending is the sum of its payments' pending funds, never below zero by
 *   construction, and a settlement or a capture reads no balance at all.
 * - Available funds are free: a decrease reads shards (the position's preferred shard first, every shard
 *   only if that one is short), takes the amount from one shard that holds enough (random among them, so
 *   concurrent debits spread), else from the fullest shards first; each shard written carries the
 *   condition "available ≥ what is taken from it" in the same DynamoDB transaction, so no shard, and so no
 *   account, goes below zero. A stale read only fails the condition: the posting is planned again.
 * - An increase follows the transaction's decreases in the same currency (the same items: a settlement
 *   credits available on the shard its pending leaves), else the position's preferred shard.
 */
export const MERCHANT_FIELDS = ['pending', 'available', 'reserved'] as const;
export type MerchantField = (typeof MERCHANT_FIELDS)[number];
export type FieldAmounts = Readonly<Record<MerchantField, number>>;

export const MERCHANT_ACCOUNT_OF: Readonly<Record<MerchantField, AccountType>> = {
  pending: 'merchant_pending',
  available: 'merchant_available',
  reserved: 'merchant_reserved',
};

const FIELD_OF: Partial<Record<AccountType, MerchantField>> = {
  merchant_pending: 'pending',
  merchant_available: 'available',
  merchant_reserved: 'reserved',
};

export const merchantFieldOf = (type: AccountType): MerchantField | undefined => FIELD_OF[type];

const ZERO: FieldAmounts = { pending: 0, available: 0, reserved: 0 };

/**
 * Where a merchant's balance items and statement index entries live. `balanceShards` items per merchant and
 * currency, over `balancePartitions` partition keys (shard s in partition s mod P): contention spreads over
 * the items, write rate over the partitions. The statement index spreads a merchant's lines over
 * `statementPartitions` index partitions. Shards may grow; the two partition counts are fixed once data
 * exists (readers query every partition).
 */
export interface LedgerLayout {
  readonly balanceShards: number;
  readonly balancePartitions: number;
  readonly statementPartitions: number;
}

export const DEFAULT_LEDGER_LAYOUT: LedgerLayout = { balanceShards: 32, balancePartitions: 16, statementPartitions: 4 };

export const MAX_BALANCE_SHARDS = 100;

export const checkLayout = (layout: LedgerLayout): LedgerLayout => {
  const { balanceShards, balancePartitions, statementPartitions } = layout;
  const whole = (value: number, max: number) => Number.isInteger(value) && value >= 1 && value <= max;
  if (!whole(balanceShards, MAX_BALANCE_SHARDS)) throw new RangeError(`balanceShards must be 1..${MAX_BALANCE_SHARDS}`);
  if (!whole(balancePartitions, balanceShards)) throw new RangeError('balancePartitions must be 1..balanceShards');
  if (!whole(statementPartitions, 32)) throw new RangeError('statementPartitions must be 1..32');
  return layout;
};

/** One balance item: a merchant's funds in one currency on one shard. */
export interface BalanceShard extends FieldAmounts {
  readonly merchantId: string;
  readonly currency: string;
  readonly shard: number;
}

/** What one transaction does to one balance item (the allocation, as recorded on its journal item). */
export interface ShardDelta {
  readonly currency: string;
  readonly shard: number;
  readonly delta: FieldAmounts;
}

/** A shard change to commit: the delta, and what each field must hold before it (0: no condition). */
export interface ShardChange extends ShardDelta {
  readonly atLeast: FieldAmounts;
}

/** The shard a position's pinned funds go to when it has none yet: a hash of its id, spread evenly. */
export const homeShard = (positionId: string, shards: number): number =>
  createHash('sha256').update(positionId).digest().readUInt32BE(0) % shards;

/** The funds a position pins: a payment's pending funds, a payout's reserved funds; a conversion none. */
export const pinnedFieldOf = (position: Pick<Position, 'kind'>): MerchantField | undefined =>
  position.kind === 'payment' ? 'pending' : position.kind === 'payout' ? 'reserved' : undefined;

const heldKey = (currency: string, shard: number) => `${currency}#${shard}`;

export const parseHeldKey = (key: string): { currency: string; shard: number } => {
  const [currency = '', shard = ''] = key.split('#');
  return { currency, shard: Number(shard) };
};

/** The shards holding a position's pinned funds in a currency, lowest shard first. */
export const heldShards = (position: Pick<Position, 'held'>, currency: string): { shard: number; amount: number }[] =>
  Object.entries(position.held ?? {})
    .map(([key, amount]) => ({ ...parseHeldKey(key), amount }))
    .filter((entry) => entry.currency === currency && entry.amount !== 0)
    .sort((a, b) => a.shard - b.shard)
    .map(({ shard, amount }) => ({ shard, amount }));

/** A position's pinned funds after a transaction's allocation (zero entries dropped). */
export const heldAfter = (
  held: Readonly<Record<string, number>> | undefined,
  allocation: readonly ShardDelta[],
  field: MerchantField | undefined,
): Readonly<Record<string, number>> => {
  const next: Record<string, number> = { ...held };
  if (field) {
    for (const change of allocation) {
      const amount = change.delta[field];
      if (amount === 0) continue;
      const key = heldKey(change.currency, change.shard);
      const value = (next[key] ?? 0) + amount;
      if (value === 0) delete next[key];
      else next[key] = value;
    }
  }
  return next;
};

/** The position's preferred shard: where its pinned funds are, else its home shard. */
export const preferredShard = (position: Pick<Position, 'id' | 'held'>, shards: number): number => {
  const held = Object.entries(position.held ?? {})
    .filter(([, amount]) => amount !== 0)
    .map(([key]) => parseHeldKey(key).shard)
    .sort((a, b) => a - b);
  return held[0] ?? homeShard(position.id, shards);
};

/**
 * The net change a transaction makes to its merchant's pending, available and reserved funds, per currency
 * (normal-side: positive = more money for the merchant). A transaction moves one merchant's money only.
 */
export const merchantChanges = (transaction: Pick<JournalTransaction, 'id' | 'merchantId' | 'entries'>): Map<string, FieldAmounts> => {
  const changes = new Map<string, Record<MerchantField, number>>();
  for (const entry of transaction.entries) {
    const { type, owner, currency } = parseAccountKey(entry.account);
    const field = merchantFieldOf(type);
    if (!field) continue;
    if (owner !== transaction.merchantId) throw new RangeError(`Transaction ${transaction.id} of ${transaction.merchantId} moves ${entry.account}`);
    const change = changes.get(currency) ?? { ...ZERO };
    change[field] += signedEffect(type, entry.side, entry.amount);
    changes.set(currency, change);
  }
  return changes;
};

/** What a planner read of one currency's shards returned; `complete` when every shard was read. */
export interface CurrencyRead {
  readonly items: readonly BalanceShard[];
  readonly complete: boolean;
}

export type BalanceReads = ReadonlyMap<string, CurrencyRead>;

/** Shards to read before the plan can be made: some (the preferred ones), or `all` of the currency's. */
export interface ReadRequest {
  readonly currency: string;
  readonly shards: readonly number[] | 'all';
}

export type BalancePlan = { readonly kind: 'planned'; readonly changes: readonly ShardChange[] } | { readonly kind: 'read'; readonly requests: readonly ReadRequest[] };

interface Take {
  readonly shard: number;
  readonly amount: number;
}

const pickIndex = (random: () => number, length: number): number => Math.min(length - 1, Math.floor(random() * length));

/**
 * Plan a transaction's balance changes. Returns the shards to read first when a free decrease (available
 * funds) has not been read yet; throws InsufficientFundsError when every shard was read and together
 * they hold too little.
 */
export const planBalanceChanges = (
  transaction: Pick<JournalTransaction, 'id' | 'merchantId' | 'entries'>,
  position: Pick<Position, 'id' | 'kind' | 'held'>,
  reads: BalanceReads,
  options: { readonly shards: number; readonly random: () => number },
): BalancePlan => {
  const pinned = pinnedFieldOf(position);
  const preferred = preferredShard(position, options.shards);
  const requests: ReadRequest[] = [];
  const changes = new Map<string, { currency: string; shard: number; delta: Record<MerchantField, number>; atLeast: Record<MerchantField, number> }>();
  const change = (currency: string, shard: number) => {
    const key = heldKey(currency, shard);
    const found = changes.get(key) ?? { currency, shard, delta: { ...ZERO }, atLeast: { ...ZERO } };
    changes.set(key, found);
    return found;
  };

  for (const [currency, net] of [...merchantChanges(transaction)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const decreases: Take[] = [];
    // Pinned decreases first: they say which shards the transaction already touches.
    const fields = [...MERCHANT_FIELDS].sort((a, b) => Number(b === pinned) - Number(a === pinned));
    for (const field of fields) {
      const needed = -net[field];
      if (needed <= 0) continue;
      let takes: Take[];
      if (field === pinned) {
        takes = [];
        let remaining = needed;
        for (const held of heldShards(position, currency)) {
          if (remaining === 0) break;
          const amount = Math.min(remaining, held.amount);
          if (amount > 0) takes.push({ shard: held.shard, amount });
          remaining -= amount;
        }
        // Pinned funds equal the position's counters (the verifier checks it): a shortfall is a bug.
        if (remaining > 0) throw new RangeError(`${position.id} holds ${needed - remaining} of ${field} ${currency}, transaction ${transaction.id} takes ${needed}`);
      } else {
        const read = reads.get(currency);
        const touched = [...new Set([...decreases.map((take) => take.shard), preferred])];
        if (!read) {
          requests.push({ currency, shards: touched });
          continue;
        }
        const holding = read.items.filter((item) => item[field] > 0);
        const sufficient = holding.filter((item) => item[field] >= needed);
        const onTouched = touched.map((shard) => sufficient.find((item) => item.shard === shard)).find((item) => item !== undefined);
        if (onTouched) {
          takes = [{ shard: onTouched.shard, amount: needed }];
        } else if (sufficient.length > 0) {
          const chosen = sufficient[pickIndex(options.random, sufficient.length)] as BalanceShard;
          takes = [{ shard: chosen.shard, amount: needed }];
        } else if (!read.complete) {
          requests.push({ currency, shards: 'all' });
          continue;
        } else {
          const total = holding.reduce((sum, item) => sum + item[field], 0);
          if (total < needed) throw new InsufficientFundsError(accountKey({ type: MERCHANT_ACCOUNT_OF[field], owner: transaction.merchantId, currency }), needed, total);
          takes = [];
          let remaining = needed;
          for (const item of [...holding].sort((a, b) => b[field] - a[field] || a.shard - b.shard)) {
            if (remaining === 0) break;
            const amount = Math.min(remaining, item[field]);
            takes.push({ shard: item.shard, amount });
            remaining -= amount;
          }
        }
      }
      for (const take of takes) {
        const target = change(currency, take.shard);
        target.delta[field] -= take.amount;
        target.atLeast[field] += take.amount;
      }
      decreases.push(...takes);
    }

    for (const field of MERCHANT_FIELDS) {
      const increase = net[field];
      if (increase <= 0) continue;
      const heldHere = field === pinned ? heldShards(position, currency) : [];
      const decreased = decreases.reduce((sum, take) => sum + take.amount, 0);
      let puts: Take[];
      if (heldHere[0]) puts = [{ shard: heldHere[0].shard, amount: increase }];
      else if (decreases.length > 0 && decreased === increase) puts = decreases;
      else if (decreases[0]) puts = [{ shard: decreases[0].shard, amount: increase }];
      else puts = [{ shard: preferred, amount: increase }];
      for (const put of puts) change(currency, put.shard).delta[field] += put.amount;
    }
  }

  if (requests.length > 0) return { kind: 'read', requests };
  return {
    kind: 'planned',
    changes: [...changes.values()]
      .filter((entry) => MERCHANT_FIELDS.some((field) => entry.delta[field] !== 0))
      .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.shard - b.shard)),
  };
};

export interface MerchantCurrencyBalance {
  readonly currency: string;
  readonly available: number;
  readonly pending: number;
  readonly reserved: number;
}

/** A merchant's funds per currency from its shards, currencies in alphabetical order. */
export const summarizeMerchantShards = (shards: readonly BalanceShard[]): MerchantCurrencyBalance[] => {
  const byCurrency = new Map<string, { available: number; pending: number; reserved: number }>();
  for (const shard of shards) {
    const totals = byCurrency.get(shard.currency) ?? { available: 0, pending: 0, reserved: 0 };
    totals.available += shard.available;
    totals.pending += shard.pending;
    totals.reserved += shard.reserved;
    byCurrency.set(shard.currency, totals);
  }
  return [...byCurrency.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, totals]) => ({ currency, ...totals }));
};

/** Non-negative rules of the merchant fields, for the verifier. */
export const fieldIsNonNegative = (field: MerchantField): boolean => ACCOUNT_RULES[MERCHANT_ACCOUNT_OF[field]].nonNegative;
