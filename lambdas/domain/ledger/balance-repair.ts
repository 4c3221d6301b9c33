import { type BalanceShard, type FieldAmounts, MERCHANT_FIELDS } from './balances';
import type { PostedTransaction } from './journal';
import { shardTotalsFromJournal } from './verification';

/**
 * The balance repair of a forced home-region move (docs/decisions/0039-region-loss-repair-adoption-and-webhooks.md):
 * a merchant's balance items recomputed from its journal, the ledger's record of what happened.
 *
 * Why the journal wins: a balance item is the sum of the allocations its merchant's transactions made to it
 * (0013), nothing more; replication between regions is per item, not per transaction, so a lost region can leave
 * the survivor with a journal item whose balance update never arrived, or (the reverse) a balance update whose
 * journal item never arrived. In both cases the journal says what the survivor knows was posted; a posting that
 * is missing from it is posted again, journal and balance together, by the payment's own recovery (or the
 * merchant's retried request) once the survivor is home. Keeping the orphaned balance update instead would count
 * that posting twice when it is posted again. No journal item is written: the entries stay as posted (double
 * entry holds); only the items that summarise them are brought back to their sum.
 */
export interface BalanceCorrection {
  readonly currency: string;
  readonly shard: number;
  /** As stored (zeros when the item does not exist). */
  readonly stored: FieldAmounts;
  /** The sum of the journal's allocations to it. */
  readonly journal: FieldAmounts;
}

const ZERO: FieldAmounts = { pending: 0, available: 0, reserved: 0 };
const key = (currency: string, shard: number) => `${currency}#${shard}`;

/** Every balance item of the merchant whose stored amounts differ from its journal's, in currency and shard order. */
export const balanceCorrections = (
  merchantId: string,
  journal: readonly PostedTransaction[],
  stored: readonly BalanceShard[],
): BalanceCorrection[] => {
  const own = journal.filter((posted) => posted.transaction.merchantId === merchantId);
  const totals = new Map<string, FieldAmounts>();
  for (const [item, sum] of shardTotalsFromJournal(own)) totals.set(item.slice(item.lastIndexOf('/') + 1), sum);
  const items = new Map<string, BalanceShard>();
  for (const shard of stored) if (shard.merchantId === merchantId) items.set(key(shard.currency, shard.shard), shard);
  const corrections: BalanceCorrection[] = [];
  for (const item of new Set([...totals.keys(), ...items.keys()])) {
    const separator = item.lastIndexOf('#');
    const currency = item.slice(0, separator);
    const shard = Number(item.slice(separator + 1));
    const want = totals.get(item) ?? ZERO;
    const found = items.get(item);
    const got: FieldAmounts = found ? { pending: found.pending, available: found.available, reserved: found.reserved } : ZERO;
    if (MERCHANT_FIELDS.some((field) => want[field] !== got[field])) corrections.push({ currency, shard, stored: got, journal: { ...want } });
  }
  return corrections.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.shard - b.shard));
};
