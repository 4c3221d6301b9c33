import { type BankPayIn, type BankPayoutDebit, type EntryToMatch, type LedgerPayout, PAYOUT_DEBIT_GRACE_DAYS, matchCredit, matchEarlyDebit, matchPayoutEntry, missingPayIn, missingPayoutDebit, payoutDebitDaysJudged } from '../../../../lambdas/domain/reconciliation/statement-matching';

/** The statement legs of the three-way match, table by table (decision 0032). */
const payIn: BankPayIn = { channel: 'atlas', batchId: 'atlas-usd-7', reference: 'pout_1', amount: 96_800, currency: 'USD', valueDate: '2026-12-06' };
const credit = (change: Partial<EntryToMatch> = {}): EntryToMatch => ({ index: 3, kind: 'acquirer_credit', amount: 96_800, currency: 'USD', valueDate: '2026-12-06', endToEndId: 'pout_1', ...change });
const paidPayout: LedgerPayout = { payoutId: 'po_1', merchantId: 'mer_1', sent: 5_000, currency: 'USD', returned: false };
const debit = (change: Partial<EntryToMatch> = {}): EntryToMatch => ({ index: 4, kind: 'payout_debit', amount: 5_000, currency: 'USD', valueDate: '2026-12-06', endToEndId: 'po_1', ...change });
const kinds = (drafts: readonly { kind: string }[]) => drafts.map((draft) => draft.kind);

it.each([
  ['the batch net, on time', credit(), payIn, null, []],
  ['credited a day early', credit({ valueDate: '2026-12-05' }), payIn, null, []],
  ['another amount', credit({ amount: 96_801 }), payIn, null, ['amount_mismatch']],
  ['to the account of another currency', credit({ currency: 'CAD' }), payIn, null, ['currency_mismatch']],
  ['after its value date', credit({ valueDate: '2026-12-07' }), payIn, null, ['late']],
  ['late and short', credit({ valueDate: '2026-12-08', amount: 1 }), payIn, null, ['amount_mismatch', 'late']],
  ['for no reported batch', credit(), undefined, null, ['unknown_batch']],
  ['a second time', credit(), payIn, 'XBORDER-OPERATING-USD/S1/2', ['duplicate']],
] as const)('a credit %s', (_name, entry, found, duplicateOf, expected) => {
  expect(kinds(matchCredit(entry, found, duplicateOf))).toEqual(expected);
});

it.each([
  ['of a paid payout, its amount', debit(), paidPayout, null, []],
  ['of another amount', debit({ amount: 5_001 }), paidPayout, null, ['amount_mismatch']],
  ['in another currency', debit({ currency: 'EUR' }), paidPayout, null, ['currency_mismatch']],
  ['of a payout the ledger does not have', debit(), undefined, null, ['missing_in_ledger']],
  ['of a payout the ledger has not paid', debit(), { ...paidPayout, sent: 0 }, null, ['missing_in_ledger']],
  ['booked twice', debit(), paidPayout, 'first', ['duplicate']],
  ['booked twice before the ledger paid it (the first entry is the missing_in_ledger one)', debit(), { ...paidPayout, sent: 0 }, 'first', ['duplicate']],
  ['return of a returned payout', debit({ kind: 'payout_return' }), { ...paidPayout, returned: true }, null, []],
  ['return the ledger has not booked', debit({ kind: 'payout_return' }), paidPayout, null, ['missing_in_ledger']],
] as const)('a payout entry %s', (_name, entry, payout, duplicateOf, expected) => {
  expect(kinds(matchPayoutEntry(entry, payout, duplicateOf))).toEqual(expected);
});

it('names a pay-in no statement credited, with what was expected', () => {
  expect(missingPayIn(payIn, 'S1')).toMatchObject({ kind: 'missing_in_statement', reference: 'atlas/atlas-usd-7', theirReference: 'pout_1', expected: 96_800, actual: null, currency: 'USD' });
});

const paidDebit: BankPayoutDebit = { payoutId: 'po_1', merchantId: 'mer_1', channel: 'meridian', amount: 5_000, currency: 'USD', valueDate: '2026-12-05' };

it('names a paid payout no statement debited, for its merchant, with what left', () => {
  expect(missingPayoutDebit(paidDebit, 'S2')).toMatchObject({ kind: 'missing_in_statement', reference: 'po_1', theirReference: 'po_1', merchantId: 'mer_1', expected: 5_000, actual: null, currency: 'USD', lineNumber: null });
  expect(missingPayoutDebit(paidDebit, 'S2').detail).toMatch(/po_1.*meridian.*2026-12-05.*S2/);
});

it.each([
  ['a day judges the debits due the day before (a payout paid late on the 5th is debited on the 6th)', '2026-12-06', '2026-12-06', ['2026-12-05']],
  ['across a month end', '2026-12-01', '2026-12-01', ['2026-11-30']],
  ['a statement of three days judges three days, each a day earlier', '2026-12-06', '2026-12-08', ['2026-12-05', '2026-12-06', '2026-12-07']],
  ['across a year end', '2027-01-01', '2027-01-02', ['2026-12-31', '2027-01-01']],
] as const)('payout debits are judged with a day of grace: %s', (_name, from, to, expected) => {
  expect(PAYOUT_DEBIT_GRACE_DAYS).toBe(1);
  expect(payoutDebitDaysJudged(from, to)).toEqual(expected);
});

it('never judges more than 62 days of debits, whatever period a statement claims', () => {
  expect(payoutDebitDaysJudged('2026-01-01', '2026-12-31')).toHaveLength(62);
});

it.each([
  ['what the ledger then paid', { entry: 'ACC/S1/4', amount: 5_000, currency: 'USD' }, []],
  ['another amount', { entry: 'ACC/S1/4', amount: 5_060, currency: 'USD' }, ['amount_mismatch']],
  ['on the account of another currency', { entry: 'ACC/S1/4', amount: 5_000, currency: 'EUR' }, ['currency_mismatch']],
] as const)('a debit booked before the ledger paid its payout, judged with the due debit: %s', (_name, booked, expected) => {
  const found = matchEarlyDebit(booked, paidDebit);
  expect(kinds(found)).toEqual(expected);
  for (const each of found) expect(each).toMatchObject({ reference: 'po_1', theirReference: 'po_1', merchantId: 'mer_1', expected: 5_000, actual: booked.amount, currency: booked.currency });
});
