import { type BankStatement, BankStatementRejectedError, parseBankStatement, type StatementEntry } from '../../adapters/bank/camt053';
import { counter } from '../../domain/ledger/positions';
import { payoutPaid } from '../../domain/ledger/postings';
import { breakId } from '../../domain/reconciliation/matching';
import { type BankPayIn, type BankPayoutDebit, type LedgerPayout, matchCredit, matchEarlyDebit, matchPayoutEntry, missingPayIn, missingPayoutDebit, payoutDebitDaysJudged } from '../../domain/reconciliation/statement-matching';
import type { BreakDraft } from '../../domain/reconciliation/matching';
import type { BankStatementSource } from '../../ports/bank-statement-source';
import { BreakNotOpenError, type ReconciliationBreak, type ReconciliationRepository, type ReportRecord } from '../../ports/reconciliation-repository';
import type { LedgerPostingDeps } from '../ledger/postings';
import { forEachLimited } from '../../shared/concurrency';
import { sha256Of } from './settlement-reports';

/**
 * Bank statement reconciliation (decision 0032): a camt.053 statement of one of the platform's accounts
 * closes the three-way match. A Standard workflow per file (statemachines/bank-statement-reconciliation.asl.json):
 *   Ingest     read, hash, parse whole; the same bytes again are `replayed`; a malformed, truncated or
 *              altered file is `rejected` with its reason; another file with a statement id already
 *              received is `quarantined` (`statement_already_received`). Recorded as a report of channel
 *              `bank:<account>` whose batch is the statement id: nothing of a refused file is applied.
 *   Reconcile  each entry against what it books: an acquirer's credit against the pay-in its accepted
 *              report announced, a payout's debit or return against the ledger; each pay-in, debit and
 *              return is booked by one entry (a conditional write), a second is a `duplicate`; then every
 *              pay-in due in the statement's days and currency that no statement credited, and every
 *              payout debit due the day before each of its days (decision 0043: a day's grace, for payouts
 *              paid late in the day) that no statement debited, is `missing_in_statement`.
 *              Statements may be reconciled in any order, and the bank may debit before the ledger pays
 *              (decision 0043, amended): a payout's debit is booked even when the ledger has not paid it yet
 *              (`missing_in_ledger` then, noted with the booking and resolved when the due debit is judged,
 *              with a mismatch break if the bank debited another amount); a debit found missing is noted
 *              with the booking, and the entry that books it later resolves that break.
 *              Nothing here moves money: the statement checks the books, it does not post to them. Break
 *              ids derive from the statement and entry, so a retried step writes nothing new; a break is
 *              resolved by a conditional write, so once.
 */
export interface BankStatementDeps {
  readonly reports: ReconciliationRepository;
  readonly statements: BankStatementSource;
  readonly ledger: LedgerPostingDeps;
  readonly now: () => Date;
  readonly concurrency?: number;
}

export class BankStatementChangedError extends Error {
  override readonly name = 'BankStatementChanged';
}

/** The channel under which a statement of `account` is recorded among the reports. */
export const statementChannel = (account: string): string => `bank:${account}`;

export type StatementIngestResult =
  | { readonly outcome: 'accepted'; readonly file: string; readonly sha256: string; readonly account: string; readonly statementId: string; readonly entries: number }
  | { readonly outcome: 'replayed'; readonly sha256: string; readonly status: string }
  | { readonly outcome: 'rejected' | 'quarantined'; readonly sha256: string; readonly reason: string; readonly detail: string };

/** A statement refused before its account is known is recorded under `bank:unknown`. */
const UNPARSED = 'unknown';

export const ingestBankStatement = async (deps: Pick<BankStatementDeps, 'reports' | 'statements' | 'now'>, input: { readonly file: string }): Promise<StatementIngestResult> => {
  const bytes = await deps.statements.read(input.file);
  const sha256 = sha256Of(bytes);
  const receivedAt = deps.now().toISOString();
  let statement: BankStatement | undefined;
  let rejection: BankStatementRejectedError | undefined;
  try {
    statement = parseBankStatement(bytes.toString('utf8'));
  } catch (error) {
    if (!(error instanceof BankStatementRejectedError)) throw error;
    rejection = error;
  }
  const channel = statementChannel(statement?.account ?? UNPARSED);
  const known = await deps.reports.getReport(channel, sha256);
  if (known) return { outcome: 'replayed', sha256, status: known.status };
  const record = (fields: Pick<ReportRecord, 'batchId' | 'status' | 'reason' | 'detail'>): ReportRecord => ({
    channel,
    sha256,
    fileName: input.file,
    receivedAt,
    completedAt: null,
    summary: null,
    lineCount: statement?.entries.length ?? 0,
    ...fields,
  });
  const refuse = async (status: 'rejected' | 'quarantined', batchId: string | null, reason: string, detail: string): Promise<StatementIngestResult> => {
    const stored = await deps.reports.recordRefusedReport(record({ batchId, status, reason, detail }));
    if (stored.status !== status) return { outcome: 'replayed', sha256, status: stored.status };
    return { outcome: status, sha256, reason, detail };
  };
  if (!statement) return refuse('rejected', null, rejection?.reason ?? 'not_xml', `${input.file}: ${rejection?.message ?? 'unreadable'}`);
  const claim = await deps.reports.claimReport(record({ batchId: statement.statementId, status: 'reconciling', reason: null, detail: null }));
  if (claim.outcome === 'same_file') return { outcome: 'replayed', sha256, status: claim.existing.status };
  if (claim.outcome === 'batch_taken') {
    return refuse('quarantined', statement.statementId, 'statement_already_received', `statement ${statement.statementId} of ${statement.account} was already received in another file (sha256 ${claim.bySha256}); ${input.file} quarantined`);
  }
  return { outcome: 'accepted', file: input.file, sha256, account: statement.account, statementId: statement.statementId, entries: statement.entries.length };
};

/** What the ledger holds of the payout a statement entry names. */
export const ledgerPayoutOf = async (ledger: LedgerPostingDeps, payoutId: string): Promise<LedgerPayout | undefined> => {
  if (!/^po_[A-Za-z0-9]{10,40}$/.test(payoutId)) return undefined;
  const history = await ledger.ledger.getPositionHistory(payoutId);
  const position = history?.position;
  if (!history || !position || position.kind !== 'payout' || !position.currency) return undefined;
  const convertedPaid = counter(position, 'convertedPaid');
  const returned = history.transactions.some((transaction) => transaction.line?.type === 'payout_return');
  if (returned) {
    // The return reversed the payment (and a conversion, back into the reserved currency): what left is what
    // the payment, reversed or not, sent through the rail's clearing account, in its currency (the converted
    // one for a payout that converted). A payout returned without a recorded payment: what its return released.
    const paymentId = payoutPaid.transactionId({ payoutId });
    const left = history.transactions.find((transaction) => transaction.id === paymentId)?.entries.find((entry) => entry.side === 'credit');
    return { payoutId, merchantId: position.merchantId, sent: left ? left.amount : counter(position, 'released'), currency: left ? left.currency : position.currency, returned };
  }
  return {
    payoutId,
    merchantId: position.merchantId,
    sent: convertedPaid > 0 ? convertedPaid : counter(position, 'paid'),
    currency: convertedPaid > 0 && position.convertedCurrency ? position.convertedCurrency : position.currency,
    returned,
  };
};

const days = (from: string, to: string): string[] => {
  const list: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`) && list.length < 62; at += 86_400_000) list.push(new Date(at).toISOString().slice(0, 10));
  return list;
};

export interface StatementSummary {
  readonly account: string;
  readonly statement_id: string;
  readonly file: string;
  readonly sha256: string;
  readonly entries: number;
  readonly acquirer_credits: number;
  readonly payout_debits: number;
  readonly payout_returns: number;
  readonly other_entries: number;
  readonly matched: number;
  readonly breaks: number;
  readonly missing_in_statement: number;
  /** Open breaks this statement resolved: found missing before their entry came, or a debit booked before the ledger paid. */
  readonly resolved: number;
  readonly currency: string;
  readonly closing_balance: number;
}

export const reconcileBankStatement = async (deps: BankStatementDeps, input: { readonly file: string; readonly sha256: string }): Promise<StatementSummary> => {
  const bytes = await deps.statements.read(input.file);
  if (sha256Of(bytes) !== input.sha256) throw new BankStatementChangedError(`${input.file} changed since the run accepted it`);
  const statement = parseBankStatement(bytes.toString('utf8'));
  const detectedAt = deps.now().toISOString();
  const breaks: ReconciliationBreak[] = [];
  const toBreak = (draft: BreakDraft, where: { readonly channel: string; readonly batchId: string }, discriminator: string): ReconciliationBreak => ({
    ...draft,
    id: breakId(where.channel, where.batchId, draft.kind, draft.theirReference ?? draft.reference, discriminator),
    status: 'open',
    channel: where.channel,
    batchId: where.batchId,
    reportSha256: input.sha256,
    detectedAt,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
  });
  const onStatement = { channel: 'bank', batchId: statement.statementId };
  const entryKey = (entry: StatementEntry) => `${statement.account}/${statement.statementId}/${entry.index}`;
  // Open breaks a later fact settles (decision 0043, amended); each is resolved once (a conditional write).
  const settled: { readonly id: string; readonly note: string }[] = [];
  let matched = 0;
  const count = { acquirer_credit: 0, payout_debit: 0, payout_return: 0, other: 0 };
  await forEachLimited(statement.entries, deps.concurrency ?? 16, async (entry) => {
    count[entry.kind] += 1;
    if (entry.kind === 'other') return;
    const toMatch = { ...entry, kind: entry.kind };
    const booked = { amount: entry.amount, currency: entry.currency };
    let found: readonly BreakDraft[];
    let where = onStatement;
    if (entry.kind === 'acquirer_credit') {
      const payIn = await deps.reports.getBankPayIn(entry.endToEndId);
      const first = payIn ? (await deps.reports.claimBankEntry(payIn.reference, 'credit', entryKey(entry), booked)).firstEntry : null;
      found = matchCredit(toMatch, payIn, first);
      if (payIn) where = { channel: payIn.channel, batchId: payIn.batchId };
    } else {
      const payout = await ledgerPayoutOf(deps.ledger, entry.endToEndId);
      const side = entry.kind === 'payout_return' ? 'return' : 'debit';
      // A debit is booked for any payout the ledger knows, paid or not yet: a bank that debits when it sends is
      // ahead of the rail's "paid". Its `missing_in_ledger` break (the ledger has not paid it) is noted with it.
      const known = payout && (side === 'debit' || (payout.sent > 0 && payout.returned));
      const unpaidBreak = payout && side === 'debit' && payout.sent === 0 ? breakId(onStatement.channel, onStatement.batchId, 'missing_in_ledger', entry.endToEndId, entryKey(entry)) : undefined;
      const claim = known ? await deps.reports.claimBankEntry(entry.endToEndId, side, entryKey(entry), unpaidBreak ? { ...booked, unpaidBreak } : booked) : undefined;
      found = matchPayoutEntry(toMatch, payout, claim?.firstEntry ?? null);
      // A statement reconciled earlier found this debit missing: its own day's statement came later, or the debit did.
      for (const id of claim?.missingBreaks ?? []) settled.push({ id, note: `debited by ${entryKey(entry)} (${entry.amount} ${entry.currency}), booked after a statement found it missing` });
    }
    if (found.length === 0) matched += 1;
    breaks.push(...found.map((draft) => toBreak(draft, where, entryKey(entry))));
  });
  // Pay-ins due in the statement's days, in its currency, that no statement credited.
  const due: BankPayIn[] = [];
  for (const day of days(statement.from, statement.to)) due.push(...(await deps.reports.listBankPayIns(statement.currency, day)));
  const missing: ReconciliationBreak[] = [];
  await forEachLimited(due, deps.concurrency ?? 16, async (payIn) => {
    if ((await deps.reports.bankBookingOf(payIn.reference, 'credit'))?.entry !== undefined) return;
    missing.push(toBreak(missingPayIn(payIn, statement.statementId), { channel: payIn.channel, batchId: payIn.batchId }, `${payIn.currency}/${payIn.valueDate}`));
  });
  // Payouts the ledger paid, due the day before the statement's days, in its currency, that no statement debited.
  // Each found missing is noted on the payout's booking before its break is written, so the entry that books
  // it later (in a statement reconciled after this one) resolves the break; one booked meanwhile is seen below.
  const dueDebits: BankPayoutDebit[] = [];
  for (const day of payoutDebitDaysJudged(statement.from, statement.to)) dueDebits.push(...(await deps.reports.listPayoutDebits(statement.currency, day)));
  const missingDebits: ReconciliationBreak[] = [];
  await forEachLimited(dueDebits, deps.concurrency ?? 16, async (debit) => {
    const missingDebit = toBreak(missingPayoutDebit(debit, statement.statementId), onStatement, `${debit.currency}/${debit.valueDate}`);
    let booking = await deps.reports.bankBookingOf(debit.payoutId, 'debit');
    if (booking?.entry === undefined) {
      if ((await deps.reports.noteMissingBankEntry(debit.payoutId, 'debit', missingDebit.id)) === 'noted') {
        missingDebits.push(missingDebit);
        return;
      }
      booking = await deps.reports.bankBookingOf(debit.payoutId, 'debit');
    }
    if (booking?.entry === undefined) return;
    // A retried run whose break the booking's entry could not resolve yet (it was not written): resolve it now.
    if (booking.missingBreaks.includes(missingDebit.id)) settled.push({ id: missingDebit.id, note: `debited by ${booking.entry}` });
    // Booked before the ledger paid: what the bank debited then against what the ledger paid.
    if (booking.unpaidBreak && booking.amount !== undefined && booking.currency !== undefined) {
      const early = matchEarlyDebit({ entry: booking.entry, amount: booking.amount, currency: booking.currency }, debit);
      // Its id derives from the entry, not from this statement: another statement judging the same day finds the same break.
      breaks.push(...early.map((draft) => ({ ...toBreak(draft, onStatement, booking.entry as string), id: breakId('bank', booking.entry as string, draft.kind, debit.payoutId, 'debited_before_paid') })));
      settled.push({ id: booking.unpaidBreak, note: `the ledger paid payout ${debit.payoutId} (${debit.amount} ${debit.currency}, value date ${debit.valueDate}) after ${booking.entry} debited it${early.length ? `: ${early.map((each) => each.kind).join(', ')} found by ${statement.statementId}` : ''}` });
    }
  });
  const written = await deps.reports.recordBreaks([...breaks, ...missing, ...missingDebits]);
  // A debit booked after its break was noted and before it was written could not resolve it: resolve it here.
  await forEachLimited(missingDebits, deps.concurrency ?? 16, async (found) => {
    const booking = await deps.reports.bankBookingOf(found.theirReference ?? found.reference, 'debit');
    if (booking?.entry !== undefined) settled.push({ id: found.id, note: `debited by ${booking.entry}` });
  });
  let resolved = 0;
  await forEachLimited(settled, deps.concurrency ?? 16, async ({ id, note }) => {
    try {
      await deps.reports.resolveBreak(id, { at: detectedAt, by: `bank-statement:${statement.statementId}`, note });
      resolved += 1;
    } catch (error) {
      // Resolved already (by an operator, or by an earlier attempt of this run).
      if (!(error instanceof BreakNotOpenError)) throw error;
    }
  });
  const summary: StatementSummary = {
    account: statement.account,
    statement_id: statement.statementId,
    file: input.file,
    sha256: input.sha256,
    entries: statement.entries.length,
    acquirer_credits: count.acquirer_credit,
    payout_debits: count.payout_debit,
    payout_returns: count.payout_return,
    other_entries: count.other,
    matched,
    breaks: written,
    missing_in_statement: missing.length + missingDebits.length,
    resolved,
    currency: statement.currency,
    closing_balance: statement.closing,
  };
  await deps.reports.finishReport(statementChannel(statement.account), input.sha256, detectedAt, { ...summary });
  return summary;
};
