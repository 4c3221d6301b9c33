import type { BreakDraft } from './matching';

/**
 * The two legs of the three-way match that a bank statement closes (decision 0032), pure: the use case reads
 * the reconciliation table and the ledger and writes the breaks (use-cases/reconciliation/bank-statements.ts).
 *   acquirer report ↔ statement: each accepted report's batch net (its `payout` line) is credited once, to the
 *     account of its currency, with that amount, on or before the batch's value date;
 *   ledger payouts ↔ statement: each payout debit is a payout the ledger paid, for what it paid, in its
 *     currency; each return is of a payout the ledger shows returned; and each payout the ledger paid is
 *     debited by the bank on its value date or the next day (PAYOUT_DEBIT_GRACE_DAYS). A debit booked before
 *     the ledger paid is checked when the payout's due debit is judged (matchEarlyDebit).
 */

/** What the bank should credit for an accepted settlement report (written when the report is reconciled). */
export interface BankPayIn {
  readonly channel: string;
  readonly batchId: string;
  /** The report's payout reference: the EndToEndId of the acquirer's transfer. */
  readonly reference: string;
  /** The report's net, minor units. */
  readonly amount: number;
  readonly currency: string;
  readonly valueDate: string;
}

/**
 * What the bank must debit for a payout the ledger paid (written by the payout workflow's Settle step, after
 * the `payout_paid` posting): its amount and currency are the posting's (the converted currency for a payout
 * that converted), its value date the posting's UTC day. A returned payout keeps it: it was debited, then
 * the return credited.
 */
export interface BankPayoutDebit {
  readonly payoutId: string;
  readonly merchantId: string;
  /** The rail that paid it. */
  readonly channel: string;
  /** Minor units, > 0. */
  readonly amount: number;
  readonly currency: string;
  readonly valueDate: string;
}

/**
 * How many days after its value date a payout's debit may still be booked before it is missing (decision
 * 0043): a payout paid late in the day (after the bank's cut-off, or confirmed by the rail after the bank
 * booked its day) is debited on the next day's statement. So a statement of day D checks the debits due on
 * D − 1: neither D − 1's statement nor D's booked them. A debit due on D is checked by D + 1's statement.
 */
export const PAYOUT_DEBIT_GRACE_DAYS = 1;

const plusDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The value dates whose payout debits a statement of days `from`..`to` judges (at most 62 days). */
export const payoutDebitDaysJudged = (from: string, to: string): string[] => {
  const list: string[] = [];
  for (let day = from; day <= to && list.length < 62; day = plusDays(day, 1)) list.push(plusDays(day, -PAYOUT_DEBIT_GRACE_DAYS));
  return list;
};

/** What the ledger holds of a payout a statement entry names (undefined: no such payout). */
export interface LedgerPayout {
  readonly payoutId: string;
  readonly merchantId: string;
  /**
   * What left the platform's account for it, in `currency` (0: nothing): what it paid (in the payout's
   * converted currency when it converted), or for a payout the bank returned, what its return released
   * (the ledger books a returned payout as released, never as paid).
   */
  readonly sent: number;
  readonly currency: string;
  readonly returned: boolean;
}

/** A statement entry as matching sees it (adapters/bank/camt053.ts StatementEntry). */
export interface EntryToMatch {
  readonly index: number;
  readonly kind: 'acquirer_credit' | 'payout_debit' | 'payout_return';
  readonly amount: number;
  readonly currency: string;
  readonly valueDate: string;
  readonly endToEndId: string;
}

const draft = (entry: EntryToMatch, fields: Pick<BreakDraft, 'kind' | 'reference' | 'merchantId' | 'expected' | 'detail'>): BreakDraft => ({
  ...fields,
  theirReference: entry.endToEndId,
  currency: entry.currency,
  actual: entry.amount,
  lineNumber: entry.index,
});

/** An acquirer's credit against the pay-in its report announced; `duplicateOf` the entry that credited it first. */
export const matchCredit = (entry: EntryToMatch, payIn: BankPayIn | undefined, duplicateOf: string | null): readonly BreakDraft[] => {
  if (!payIn) {
    return [draft(entry, { kind: 'unknown_batch', reference: entry.endToEndId, merchantId: null, expected: null, detail: `credit ${entry.endToEndId} (entry ${entry.index}) names no batch an accepted settlement report paid` })];
  }
  const reference = `${payIn.channel}/${payIn.batchId}`;
  if (duplicateOf) {
    return [draft(entry, { kind: 'duplicate', reference, merchantId: null, expected: payIn.amount, detail: `batch ${payIn.batchId} of ${payIn.channel} credited again (entry ${entry.index}); first credited by ${duplicateOf}` })];
  }
  const breaks: BreakDraft[] = [];
  if (entry.currency !== payIn.currency) {
    breaks.push(draft(entry, { kind: 'currency_mismatch', reference, merchantId: null, expected: payIn.amount, detail: `batch ${payIn.batchId} of ${payIn.channel} is in ${payIn.currency}, credited to the ${entry.currency} account` }));
  } else if (entry.amount !== payIn.amount) {
    breaks.push(draft(entry, { kind: 'amount_mismatch', reference, merchantId: null, expected: payIn.amount, detail: `batch ${payIn.batchId} of ${payIn.channel}: the report's net is ${payIn.amount}, the bank credited ${entry.amount}` }));
  }
  if (entry.valueDate > payIn.valueDate) {
    breaks.push(draft(entry, { kind: 'late', reference, merchantId: null, expected: payIn.amount, detail: `batch ${payIn.batchId} of ${payIn.channel} was due on ${payIn.valueDate}, credited with value date ${entry.valueDate}` }));
  }
  return breaks;
};

/** A payout debit or return against the payout in the ledger; `duplicateOf` the entry that booked it first. */
export const matchPayoutEntry = (entry: EntryToMatch, payout: LedgerPayout | undefined, duplicateOf: string | null): readonly BreakDraft[] => {
  const what = entry.kind === 'payout_return' ? 'return' : 'debit';
  const merchantId = payout?.merchantId ?? null;
  // A second booking of a payout's debit is a duplicate whether or not the ledger has paid it yet (decision 0043, amended).
  if (payout && duplicateOf) {
    return [draft(entry, { kind: 'duplicate', reference: entry.endToEndId, merchantId, expected: payout.sent || null, detail: `payout ${entry.endToEndId} booked again as a ${what} (entry ${entry.index}); first by ${duplicateOf}` })];
  }
  if (!payout || payout.sent === 0 || (entry.kind === 'payout_return' && !payout.returned)) {
    const state = !payout ? 'has no such payout' : payout.sent === 0 ? 'has not paid it' : 'has not booked its return';
    return [draft(entry, { kind: 'missing_in_ledger', reference: entry.endToEndId, merchantId, expected: payout?.sent || null, detail: `${what} of payout ${entry.endToEndId} (entry ${entry.index}): the ledger ${state}` })];
  }
  if (entry.currency !== payout.currency) {
    return [draft(entry, { kind: 'currency_mismatch', reference: entry.endToEndId, merchantId, expected: payout.sent, detail: `payout ${entry.endToEndId} was paid in ${payout.currency}, the ${what} is on the ${entry.currency} account` })];
  }
  if (entry.amount !== payout.sent) {
    return [draft(entry, { kind: 'amount_mismatch', reference: entry.endToEndId, merchantId, expected: payout.sent, detail: `payout ${entry.endToEndId} sent ${payout.sent}, the bank's ${what} is ${entry.amount}` })];
  }
  return [];
};

/** A payout debit a statement entry booked before the ledger paid the payout: the entry's key, amount and currency. */
export interface EarlyDebit {
  readonly entry: string;
  readonly amount: number;
  readonly currency: string;
}

/**
 * A debit the bank booked before the ledger paid its payout (decision 0043, amended) against what the ledger then
 * paid, when the payout's due debit is judged: its entry was a `missing_in_ledger` break at the time (right then);
 * now it is either what the ledger paid (no break) or another currency or amount, the break its statement would
 * have found had the ledger paid first.
 */
export const matchEarlyDebit = (booked: EarlyDebit, debit: BankPayoutDebit): readonly BreakDraft[] => {
  const fields = { reference: debit.payoutId, theirReference: debit.payoutId, merchantId: debit.merchantId, currency: booked.currency, expected: debit.amount, actual: booked.amount, lineNumber: null };
  if (booked.currency !== debit.currency) {
    return [{ ...fields, kind: 'currency_mismatch', detail: `payout ${debit.payoutId} was paid in ${debit.currency} (value date ${debit.valueDate}), debited earlier on the ${booked.currency} account by ${booked.entry}` }];
  }
  if (booked.amount !== debit.amount) {
    return [{ ...fields, kind: 'amount_mismatch', detail: `payout ${debit.payoutId} paid ${debit.amount} (value date ${debit.valueDate}), the bank debited ${booked.amount} earlier by ${booked.entry}` }];
  }
  return [];
};

/** Pay-ins due in the statement's days that no statement credited: `missing_in_statement`. */
export const missingPayIn = (payIn: BankPayIn, statementId: string): BreakDraft => ({
  kind: 'missing_in_statement',
  reference: `${payIn.channel}/${payIn.batchId}`,
  theirReference: payIn.reference,
  merchantId: null,
  currency: payIn.currency,
  expected: payIn.amount,
  actual: null,
  lineNumber: null,
  detail: `batch ${payIn.batchId} of ${payIn.channel} (net ${payIn.amount}, value date ${payIn.valueDate}) is not credited on statement ${statementId}`,
});

/** A payout the ledger paid that no statement debited within its grace: `missing_in_statement`. */
export const missingPayoutDebit = (debit: BankPayoutDebit, statementId: string): BreakDraft => ({
  kind: 'missing_in_statement',
  reference: debit.payoutId,
  theirReference: debit.payoutId,
  merchantId: debit.merchantId,
  currency: debit.currency,
  expected: debit.amount,
  actual: null,
  lineNumber: null,
  detail: `payout ${debit.payoutId} (${debit.amount} ${debit.currency} through ${debit.channel}, value date ${debit.valueDate}) is not debited on its day's statement nor by ${statementId}`,
});
