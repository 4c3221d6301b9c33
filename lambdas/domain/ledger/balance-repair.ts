import { type BalanceShard, type FieldAmounts, MERCHANT_FIELDS, fieldIsNonNegative } from './balances';
import type { PostedTransaction } from './journal';
import { numberingProblem, shardTotalsFromJournal } from './verification';

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
 *
 * Except where the journal itself is known to be incomplete (amended 2026-12-07): a position whose transactions
 * are not numbered 1..n (the verifier's own check, `numberingProblem`) lacks an earlier transaction that the
 * stored item may well include (the lost region replicated the balance item and transaction 2, not transaction 1).
 * The sum of what arrived is then not what was posted, and nothing will post the missing one again (the object
 * finished in the lost region), so it cannot win: every item such a position allocated to is withheld, as is any
 * correction that would set a non-negative field below zero (a sum the postings' guards never allow is a sum
 * that misses something).
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

/** A correction not made: the journal is known to lack something the item may include. */
export interface WithheldCorrection extends BalanceCorrection {
  readonly reason: string;
}

/**
 * The corrections the repair may write, and those it must not: items that a position with a numbering gap
 * allocated to, and corrections to a negative amount in a field that is never negative.
 *
 * All or nothing (amended 2026-12-07, a second review): a journal known to be incomplete anywhere may lack what ANY
 * item of the merchant includes (a refund whose item never arrived was taken from another payment's shard), and a
 * correction written before the step fails would outlive a move that is then called off. So when anything is
 * withheld, or a position has a gap even where the sums agree, every correction is withheld too (`blocked` names
 * them and the gapped items) and the repair writes nothing.
 */
export const balanceRepairPlan = (
  merchantId: string,
  journal: readonly PostedTransaction[],
  stored: readonly BalanceShard[],
): { readonly corrections: readonly BalanceCorrection[]; readonly withheld: readonly WithheldCorrection[]; readonly blocked: readonly { readonly currency: string; readonly shard: number; readonly reason: string }[] } => {
  const histories = new Map<string, PostedTransaction[]>();
  for (const posted of journal) {
    if (posted.transaction.merchantId !== merchantId) continue;
    const history = histories.get(posted.transaction.positionId) ?? [];
    history.push(posted);
    histories.set(posted.transaction.positionId, history);
  }
  const gapped = new Map<string, string>();
  for (const [positionId, history] of histories) {
    const problem = numberingProblem(history);
    if (!problem) continue;
    for (const { allocation } of history) {
      for (const change of allocation) if (!gapped.has(key(change.currency, change.shard))) gapped.set(key(change.currency, change.shard), `position ${positionId}: ${problem}`);
    }
  }
  const corrections: BalanceCorrection[] = [];
  const withheld: WithheldCorrection[] = [];
  for (const correction of balanceCorrections(merchantId, journal, stored)) {
    const gap = gapped.get(key(correction.currency, correction.shard));
    const negative = MERCHANT_FIELDS.filter((field) => fieldIsNonNegative(field) && correction.journal[field] < 0);
    if (gap) withheld.push({ ...correction, reason: gap });
    else if (negative.length > 0) withheld.push({ ...correction, reason: `the journal's sum sets ${negative.map((field) => `${field} to ${correction.journal[field]}`).join(', ')}, below zero` });
    else corrections.push(correction);
  }
  if (withheld.length === 0 && gapped.size === 0) return { corrections, withheld, blocked: [] };
  const firstReason = withheld[0]?.reason ?? [...gapped.values()][0];
  for (const correction of corrections) withheld.push({ ...correction, reason: `held with the rest: ${firstReason}` });
  const blocked: { currency: string; shard: number; reason: string }[] = withheld.map(({ currency, shard, reason }) => ({ currency, shard, reason }));
  const named = new Set(blocked.map(({ currency, shard }) => key(currency, shard)));
  for (const [item, reason] of gapped) {
    if (named.has(item)) continue;
    const separator = item.lastIndexOf('#');
    blocked.push({ currency: item.slice(0, separator), shard: Number(item.slice(separator + 1)), reason });
  }
  return { corrections: [], withheld, blocked };
};
