import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toDecimalAmount } from '../../../lambdas/adapters/rails/amounts';
import { text, xml } from '../../../lambdas/adapters/rails/xml';
import { CAMT_053, STATEMENT_FILE_NAME } from '../../../lambdas/adapters/bank/camt053';
import { mulberry32 } from '../card-acquirer/random';
import type { BankCredit } from '../card-acquirer/settlement-reports';

/**
 * The simulated bank's end-of-day statements for the platform's accounts (one account per currency), as ISO
 * 20022 camt.053.001.08 Bank-to-Customer Statements: what a bank delivers over SFTP each morning
 * (docs/simulators.md). Entries are booked movements:
 *   acquirer_credit  an acquirer paid a settlement batch's net in (PMNT/RCDT/ESCT, credit; EndToEndId = the
 *                    report's payout reference, remittance `<channel> settlement <batch>`)
 *   payout_debit     a payout the platform sent (PMNT/ICDT/ESCT, debit; EndToEndId = the payout id)
 *   payout_return    a payout the beneficiary's bank sent back (PMNT/ICDT/RRTN, credit, with RtrInf)
 * with the opening and closing booked balances (OPBD, CLBD) and the totals (TxsSummry), so a truncated or
 * altered file does not add up. Written with the rails' XML writer (escaped text); checked in tests against
 * the published schema with libxml2 (xmllint-wasm).
 *
 * Deterministic for a seed, and a drill or test can ask for breaks (counts), told which entries carry them
 * (`injected`, named as reconciliation should find them).
 */
export type StatementEntryKind = 'acquirer_credit' | 'payout_debit' | 'payout_return';

export interface StatementEntryInput {
  readonly kind: StatementEntryKind;
  /** EndToEndId: the acquirer's payout reference for a credit, the payout id for a debit or return. */
  readonly reference: string;
  /** Minor units, > 0. */
  readonly amount: number;
  readonly valueDate: string;
  /** Free text (remittance): `<channel> settlement <batch>` for an acquirer's credit. */
  readonly remittance?: string;
  /** ISO return reason (AC04, ...) of a return. */
  readonly returnReason?: string;
}

export interface StatementBreaks {
  /** Acquirer credits left out: `missing_in_statement`. */
  readonly missing_credit?: number;
  /** Acquirer credits paid a different amount: `amount_mismatch`. */
  readonly credit_amount_mismatch?: number;
  /** Acquirer credits booked twice: `duplicate`. */
  readonly duplicate_credit?: number;
  /** Acquirer credits with a value date two days after the batch's: `late`. */
  readonly late_credit?: number;
  /** Credits naming a payout reference nobody reported: `unknown_batch`. */
  readonly unknown_credit?: number;
  /** Payout debits of a different amount: `amount_mismatch`. */
  readonly debit_amount_mismatch?: number;
  /** Payout debits booked twice: `duplicate`. */
  readonly duplicate_debit?: number;
  /** Debits for payouts the platform never paid: `missing_in_ledger`. */
  readonly unknown_debit?: number;
  /**
   * Payout debits left out: `missing_in_statement`, found by the statement of the day after the payout's
   * value date (decision 0043's day of grace), so put them in for payouts due the day before.
   */
  readonly missing_debit?: number;
}

export interface InjectedStatementBreak {
  readonly kind: 'missing_in_statement' | 'amount_mismatch' | 'duplicate' | 'late' | 'unknown_batch' | 'missing_in_ledger';
  /** The EndToEndId of the entry (or of the credit left out). */
  readonly reference: string;
}

export interface StatementEntryRecord extends StatementEntryInput {
  /** The bank's reference of the entry (NtryRef, AcctSvcrRef): unique in the account. */
  readonly entryReference: string;
}

export interface BankStatementFile {
  readonly fileName: string;
  readonly xml: string;
  readonly sha256: string;
  readonly statementId: string;
  readonly entries: readonly StatementEntryRecord[];
  readonly openingBalance: number;
  readonly closingBalance: number;
  readonly injected: readonly InjectedStatementBreak[];
}

const BANK_TX_CODES: Readonly<Record<StatementEntryKind, { family: string; subFamily: string; credit: boolean }>> = {
  acquirer_credit: { family: 'RCDT', subFamily: 'ESCT', credit: true },
  payout_debit: { family: 'ICDT', subFamily: 'ESCT', credit: false },
  payout_return: { family: 'ICDT', subFamily: 'RRTN', credit: true },
};

/** The platform's operating account in a currency at the simulated bank. */
export const platformAccountId = (currency: string): string => `XBORDER-OPERATING-${currency}`;

const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const pick = (random: () => number, pool: number[], count: number): number[] => {
  const chosen: number[] = [];
  for (let i = 0; i < count && pool.length > 0; i += 1) chosen.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return chosen;
};

export const buildBankStatement = (input: {
  readonly currency: string;
  /** The booking date the statement covers (YYYY-MM-DD). */
  readonly date: string;
  /** Electronic sequence number of the account's statements (1, 2, ...). */
  readonly sequence: number;
  readonly openingBalance: number;
  readonly entries: readonly StatementEntryInput[];
  readonly createdAt?: string;
  readonly seed?: number;
  readonly breaks?: StatementBreaks;
}): BankStatementFile => {
  const account = platformAccountId(input.currency);
  const statementId = `${account}-${input.date.replaceAll('-', '')}-${input.sequence}`;
  const random = mulberry32(input.seed ?? 1);
  const breaks = input.breaks ?? {};
  const injected: InjectedStatementBreak[] = [];
  let entries: StatementEntryInput[] = [...input.entries];
  const indexesOf = (kind: StatementEntryKind) => entries.flatMap((entry, index) => (entry.kind === kind ? [index] : []));
  const credits = indexesOf('acquirer_credit');
  const debits = indexesOf('payout_debit');
  const change = (index: number, patch: Partial<StatementEntryInput>) => {
    entries[index] = { ...(entries[index] as StatementEntryInput), ...patch };
  };
  for (const index of pick(random, credits, breaks.credit_amount_mismatch ?? 0)) {
    const entry = entries[index] as StatementEntryInput;
    injected.push({ kind: 'amount_mismatch', reference: entry.reference });
    change(index, { amount: entry.amount + 1 + Math.floor(random() * 100) });
  }
  for (const index of pick(random, credits, breaks.late_credit ?? 0)) {
    const entry = entries[index] as StatementEntryInput;
    injected.push({ kind: 'late', reference: entry.reference });
    change(index, { valueDate: plusDays(entry.valueDate, 2) });
  }
  const duplicateCredits = pick(random, credits, breaks.duplicate_credit ?? 0);
  const missing = new Set(pick(random, credits, breaks.missing_credit ?? 0));
  for (const index of pick(random, debits, breaks.debit_amount_mismatch ?? 0)) {
    const entry = entries[index] as StatementEntryInput;
    injected.push({ kind: 'amount_mismatch', reference: entry.reference });
    change(index, { amount: entry.amount + 1 + Math.floor(random() * 100) });
  }
  const duplicateDebits = pick(random, debits, breaks.duplicate_debit ?? 0);
  for (const index of pick(random, debits, breaks.missing_debit ?? 0)) missing.add(index);
  for (const index of [...duplicateCredits, ...duplicateDebits]) injected.push({ kind: 'duplicate', reference: (entries[index] as StatementEntryInput).reference });
  for (const index of missing) injected.push({ kind: 'missing_in_statement', reference: (entries[index] as StatementEntryInput).reference });
  const extra: StatementEntryInput[] = [];
  for (let i = 0; i < (breaks.unknown_credit ?? 0); i += 1) {
    const reference = `pout_${createHash('sha256').update(`unknown\u0000${statementId}\u0000${i}`).digest('hex').slice(0, 24)}`;
    injected.push({ kind: 'unknown_batch', reference });
    extra.push({ kind: 'acquirer_credit', reference, amount: 1_000 + Math.floor(random() * 100_000), valueDate: input.date, remittance: 'settlement' });
  }
  for (let i = 0; i < (breaks.unknown_debit ?? 0); i += 1) {
    const reference = `po_${createHash('sha256').update(`unknown-debit\u0000${statementId}\u0000${i}`).digest('hex').slice(0, 26)}`;
    injected.push({ kind: 'missing_in_ledger', reference });
    extra.push({ kind: 'payout_debit', reference, amount: 1_000 + Math.floor(random() * 100_000), valueDate: input.date });
  }
  entries = [...entries.filter((_, index) => !missing.has(index)), ...[...duplicateCredits, ...duplicateDebits].map((index) => entries[index] as StatementEntryInput), ...extra];
  const records: StatementEntryRecord[] = entries.map((entry, index) => ({ ...entry, entryReference: `${input.date.replaceAll('-', '')}${String(input.sequence).padStart(4, '0')}${String(index + 1).padStart(6, '0')}` }));

  const signed = (entry: StatementEntryInput) => (BANK_TX_CODES[entry.kind].credit ? entry.amount : -entry.amount);
  const closingBalance = records.reduce((sum, entry) => sum + signed(entry), input.openingBalance);
  const creditEntries = records.filter((entry) => BANK_TX_CODES[entry.kind].credit);
  const debitEntries = records.filter((entry) => !BANK_TX_CODES[entry.kind].credit);
  const sumOf = (list: readonly StatementEntryRecord[]) => list.reduce((sum, entry) => sum + entry.amount, 0);
  const net = sumOf(creditEntries) - sumOf(debitEntries);
  const amount = (value: number) => toDecimalAmount(Math.abs(value), input.currency);
  const direction = (value: number) => (value < 0 ? 'DBIT' : 'CRDT');
  const createdAt = input.createdAt ?? `${plusDays(input.date, 1)}T05:00:00Z`;
  const balance = (code: 'OPBD' | 'CLBD', value: number, date: string) =>
    xml(
      'Bal',
      null,
      xml('Tp', null, xml('CdOrPrtry', null, xml('Cd', null, code))),
      xml('Amt', { Ccy: input.currency }, amount(value)),
      xml('CdtDbtInd', null, direction(value)),
      xml('Dt', null, xml('Dt', null, date)),
    );
  const entryXml = (entry: StatementEntryRecord) => {
    const code = BANK_TX_CODES[entry.kind];
    const bankTxCode = xml('BkTxCd', null, xml('Domn', null, xml('Cd', null, 'PMNT'), xml('Fmly', null, xml('Cd', null, code.family), xml('SubFmlyCd', null, code.subFamily))));
    const creditDebit = code.credit ? 'CRDT' : 'DBIT';
    return xml(
      'Ntry',
      null,
      xml('NtryRef', null, text(entry.entryReference)),
      xml('Amt', { Ccy: input.currency }, amount(entry.amount)),
      xml('CdtDbtInd', null, creditDebit),
      xml('Sts', null, xml('Cd', null, 'BOOK')),
      xml('BookgDt', null, xml('Dt', null, input.date)),
      xml('ValDt', null, xml('Dt', null, entry.valueDate)),
      xml('AcctSvcrRef', null, text(entry.entryReference)),
      bankTxCode,
      xml(
        'NtryDtls',
        null,
        xml(
          'TxDtls',
          null,
          xml('Refs', null, xml('EndToEndId', null, text(entry.reference))),
          xml('Amt', { Ccy: input.currency }, amount(entry.amount)),
          xml('CdtDbtInd', null, creditDebit),
          entry.remittance ? xml('RmtInf', null, xml('Ustrd', null, text(entry.remittance.slice(0, 140)))) : undefined,
          entry.kind === 'payout_return' ? xml('RtrInf', null, xml('Rsn', null, xml('Cd', null, text(entry.returnReason ?? 'AC04')))) : undefined,
        ),
      ),
    );
  };
  const document = `<?xml version="1.0" encoding="UTF-8"?>\n${xml(
    'Document',
    { xmlns: CAMT_053 },
    xml(
      'BkToCstmrStmt',
      null,
      xml('GrpHdr', null, xml('MsgId', null, text(`STMT-${input.currency}-${input.date.replaceAll('-', '')}-${input.sequence}`)), xml('CreDtTm', null, createdAt)),
      xml(
        'Stmt',
        null,
        xml('Id', null, text(statementId)),
        xml('ElctrncSeqNb', null, String(input.sequence)),
        xml('CreDtTm', null, createdAt),
        xml('FrToDt', null, xml('FrDtTm', null, `${input.date}T00:00:00Z`), xml('ToDtTm', null, `${input.date}T23:59:59Z`)),
        xml('Acct', null, xml('Id', null, xml('Othr', null, xml('Id', null, text(account)))), xml('Ccy', null, input.currency), xml('Nm', null, 'xborder payments operating account')),
        balance('OPBD', input.openingBalance, plusDays(input.date, -1)),
        balance('CLBD', closingBalance, input.date),
        xml(
          'TxsSummry',
          null,
          xml(
            'TtlNtries',
            null,
            xml('NbOfNtries', null, String(records.length)),
            xml('Sum', null, amount(sumOf(records))),
            xml('TtlNetNtry', null, xml('Amt', null, amount(net)), xml('CdtDbtInd', null, direction(net))),
          ),
          xml('TtlCdtNtries', null, xml('NbOfNtries', null, String(creditEntries.length)), xml('Sum', null, amount(sumOf(creditEntries)))),
          xml('TtlDbtNtries', null, xml('NbOfNtries', null, String(debitEntries.length)), xml('Sum', null, amount(sumOf(debitEntries)))),
        ),
        records.map(entryXml),
      ),
    ),
  )}\n`;
  const fileName = `camt053-${statementId}.xml`;
  if (!STATEMENT_FILE_NAME.test(fileName)) throw new RangeError(`Statement file name ${fileName} is not one the platform reads`);
  return { fileName, xml: document, sha256: createHash('sha256').update(document).digest('hex'), statementId, entries: records, openingBalance: input.openingBalance, closingBalance, injected };
};

/**
 * The bank's side of the local runtime: the acquirers' transfers their simulators recorded
 * (`bank-credits.jsonl` in each acquirer's report directory) become credits on the statement of their
 * currency and value date; payouts and returns a test or drill names are added; the file is written into
 * the statements directory the SFTP server serves (`/statements/<file>`).
 */
export const STATEMENTS_DIRECTORY = 'statements';

export const acquirerCreditsOf = (reportsRoot: string, currency: string, valueDate: string): StatementEntryInput[] => {
  const credits: StatementEntryInput[] = [];
  for (const name of readdirSync(reportsRoot, { withFileTypes: true })) {
    if (!name.isDirectory() || name.name === STATEMENTS_DIRECTORY) continue;
    let lines: string[];
    try {
      lines = readFileSync(join(reportsRoot, name.name, 'bank-credits.jsonl'), 'utf8').split('\n').filter(Boolean);
    } catch {
      continue;
    }
    for (const line of lines) {
      const credit = JSON.parse(line) as BankCredit;
      if (credit.currency !== currency || credit.valueDate !== valueDate || credit.amount <= 0) continue;
      credits.push({ kind: 'acquirer_credit', reference: credit.reference, amount: credit.amount, valueDate: credit.valueDate, remittance: `${name.name} settlement ${credit.batchId}` });
    }
  }
  return credits;
};

export const writeBankStatement = (reportsRoot: string, statement: BankStatementFile): string => {
  const directory = join(reportsRoot, STATEMENTS_DIRECTORY);
  mkdirSync(directory, { recursive: true });
  const path = join(directory, statement.fileName);
  writeFileSync(path, statement.xml);
  return path;
};
