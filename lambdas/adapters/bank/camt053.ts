import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isSupportedCurrency } from '../../domain/money';
import { fromDecimalAmount } from '../rails/amounts';

/**
 * A bank's end-of-day statement of one of the platform's accounts: ISO 20022 camt.053.001.08
 * (Bank-to-Customer Statement), read whole or refused whole. XML is fast-xml-parser's (well-formedness by
 * its validator, then the tree); the checks here are the message's own and what reconciliation needs:
 *   - the camt.053.001.08 namespace, one statement (`Stmt`) per file, its id, sequence, period (FrToDt: the
 *     booking days it covers), account and currency;
 *   - every entry booked (`BOOK`), in the account's currency, an amount with at most the currency's digits,
 *     credit or debit, booking and value dates, one transaction with an EndToEndId;
 *   - opening booked balance + credits − debits = closing booked balance, and the transaction summary's
 *     counts and sums when present: a truncated, cut-and-pasted or altered statement does not add up.
 * A DOCTYPE is refused outright (no entity of the file's own is ever expanded). The published schema
 * (shared/schemas/camt.053.001.08.xsd) is what the bank's files and the simulator's are checked against in
 * tests (libxml2); at run time these checks decide.
 *
 * Entries are classified by their bank transaction code (ISO external code list):
 *   PMNT/RCDT/*  credit   acquirer_credit  a received credit transfer: an acquirer paying a batch's net
 *   PMNT/ICDT/RRTN credit payout_return    an issued credit transfer sent back (RtrInf gives the reason)
 *   PMNT/ICDT/*  debit    payout_debit     an issued credit transfer: a payout
 *   anything else          other            listed, not matched (bank charges, interest)
 */
export const CAMT_053 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/** A statement's file name on the bank's SFTP server (`/statements/<file>`). */
export const STATEMENT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.xml$/;

/** Statements above this many entries are refused (a day of one account). */
export const MAX_STATEMENT_ENTRIES = 200_000;

export type StatementEntryKind = 'acquirer_credit' | 'payout_debit' | 'payout_return' | 'other';

export interface StatementEntry {
  /** 1-based position of the entry in the statement: what an operator is pointed at. */
  readonly index: number;
  /** The bank's reference of the entry (NtryRef, else AcctSvcrRef). */
  readonly entryReference: string;
  readonly kind: StatementEntryKind;
  readonly credit: boolean;
  /** Minor units, > 0. */
  readonly amount: number;
  readonly currency: string;
  readonly bookingDate: string;
  readonly valueDate: string;
  readonly endToEndId: string;
  readonly remittance: string | null;
  readonly returnReason: string | null;
}

export interface BankStatement {
  readonly messageId: string;
  readonly statementId: string;
  readonly sequence: number | null;
  readonly account: string;
  readonly currency: string;
  readonly createdAt: string;
  /** The booking days the statement covers (FrToDt, dates of its start and end). */
  readonly from: string;
  readonly to: string;
  readonly opening: number;
  readonly closing: number;
  readonly entries: readonly StatementEntry[];
}

export type StatementRejection =
  | 'not_xml'
  | 'doctype_not_allowed'
  | 'not_camt053'
  | 'one_statement_per_file'
  | 'missing_field'
  | 'unsupported_currency'
  | 'entry_currency'
  | 'bad_amount'
  | 'bad_date'
  | 'entry_not_booked'
  | 'duplicate_entry_reference'
  | 'balance_mismatch'
  | 'summary_mismatch'
  | 'too_many_entries';

export class BankStatementRejectedError extends Error {
  override readonly name = 'BankStatementRejected';
  constructor(
    readonly reason: StatementRejection,
    message: string,
  ) {
    super(message);
  }
}

type Node = Record<string, unknown>;

const REPEATED = new Set(['Stmt', 'Bal', 'Ntry', 'NtryDtls', 'TxDtls']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => REPEATED.has(name),
});

const reject = (reason: StatementRejection, message: string): never => {
  throw new BankStatementRejectedError(reason, message);
};

const child = (node: unknown, name: string): unknown => (node && typeof node === 'object' ? (node as Node)[name] : undefined);

const at = (node: unknown, ...path: string[]): unknown => path.reduce<unknown>((current, name) => {
  const value = child(current, name);
  return Array.isArray(value) ? value[0] : value;
}, node);

/** Text of an element (a leaf is a string; with attributes, its `#text`). */
const textOf = (node: unknown): string | undefined => {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && typeof (node as Node)['#text'] === 'string') return (node as Node)['#text'] as string;
  return undefined;
};

const required = (where: string, node: unknown, ...path: string[]): string => {
  const value = textOf(at(node, ...path));
  if (value === undefined || value === '') return reject('missing_field', `${where}: ${path.join('/')} is missing`);
  return value;
};

const optional = (node: unknown, ...path: string[]): string | null => {
  const value = textOf(at(node, ...path));
  return value === undefined || value === '' ? null : value;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateOf = (where: string, node: unknown): string => {
  const value = optional(node, 'Dt') ?? optional(node, 'DtTm')?.slice(0, 10) ?? reject('missing_field', `${where}: Dt is missing`);
  if (!DATE.test(value) || !new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)) reject('bad_date', `${where}: '${value}' is not a date`);
  return value;
};

const amountOf = (where: string, text: string, currency: string): number => {
  try {
    return fromDecimalAmount(text, currency);
  } catch {
    return reject('bad_amount', `${where}: '${text}' is not an amount in ${currency}`);
  }
};

const classify = (credit: boolean, domain: string | null, family: string | null, subFamily: string | null): StatementEntryKind => {
  if (domain !== 'PMNT') return 'other';
  if (family === 'RCDT' && credit) return 'acquirer_credit';
  if (family === 'ICDT' && credit && subFamily === 'RRTN') return 'payout_return';
  if (family === 'ICDT' && !credit) return 'payout_debit';
  return 'other';
};

export const parseBankStatement = (source: string): BankStatement => {
  if (/<!DOCTYPE/i.test(source)) reject('doctype_not_allowed', 'The statement has a DOCTYPE; statements are plain camt.053 documents');
  const valid = XMLValidator.validate(source);
  if (valid !== true) reject('not_xml', `Not well-formed XML (truncated?): ${valid.err.msg} at line ${valid.err.line}`);
  const tree = parser.parse(source) as Node;
  const document = tree.Document as Node | undefined;
  if (!document || document['@_xmlns'] !== CAMT_053) reject('not_camt053', `Not a camt.053.001.08 document (root Document in ${CAMT_053})`);
  const message = child(document, 'BkToCstmrStmt');
  const statements = child(message, 'Stmt');
  if (!Array.isArray(statements) || statements.length !== 1) reject('one_statement_per_file', `A file holds one statement; this one holds ${Array.isArray(statements) ? statements.length : 0}`);
  const statement = (statements as unknown[])[0];
  const messageId = required('GrpHdr', message, 'GrpHdr', 'MsgId');
  const createdAt = required('GrpHdr', message, 'GrpHdr', 'CreDtTm');
  const statementId = required('Stmt', statement, 'Id');
  const sequenceText = optional(statement, 'ElctrncSeqNb');
  const sequence = sequenceText === null ? null : Number(sequenceText);
  const account = optional(statement, 'Acct', 'Id', 'IBAN') ?? required('Stmt/Acct', statement, 'Acct', 'Id', 'Othr', 'Id');
  const currency = required('Stmt/Acct', statement, 'Acct', 'Ccy');
  const from = dateOf('Stmt/FrToDt/FrDtTm', { DtTm: required('Stmt', statement, 'FrToDt', 'FrDtTm') });
  const to = dateOf('Stmt/FrToDt/ToDtTm', { DtTm: required('Stmt', statement, 'FrToDt', 'ToDtTm') });
  if (to < from) reject('bad_date', `Stmt/FrToDt: ends (${to}) before it starts (${from})`);
  if (!isSupportedCurrency(currency)) reject('unsupported_currency', `Stmt/Acct: currency ${currency} is not one the platform keeps`);

  const balances = (child(statement, 'Bal') as unknown[] | undefined) ?? [];
  const balance = (codes: readonly string[]): number => {
    const found = balances.find((each) => codes.includes(textOf(at(each, 'Tp', 'CdOrPrtry', 'Cd')) ?? ''));
    if (!found) return reject('missing_field', `Stmt: no ${codes.join(' or ')} balance`);
    const where = `Bal ${codes[0]}`;
    const amountNode = at(found, 'Amt');
    if ((amountNode as Node | undefined)?.['@_Ccy'] !== currency) reject('entry_currency', `${where}: not in the account's currency ${currency}`);
    const value = amountOf(where, required(where, found, 'Amt'), currency);
    return required(where, found, 'CdtDbtInd') === 'DBIT' ? -value : value;
  };
  const opening = balance(['OPBD', 'PRCD']);
  const closing = balance(['CLBD']);

  const rawEntries = (child(statement, 'Ntry') as unknown[] | undefined) ?? [];
  if (rawEntries.length > MAX_STATEMENT_ENTRIES) reject('too_many_entries', `${rawEntries.length} entries; at most ${MAX_STATEMENT_ENTRIES}`);
  const seen = new Set<string>();
  const entries = rawEntries.map((node, position): StatementEntry => {
    const index = position + 1;
    const where = `Ntry ${index}`;
    const entryReference = optional(node, 'NtryRef') ?? required(where, node, 'AcctSvcrRef');
    if (seen.has(entryReference)) reject('duplicate_entry_reference', `${where}: entry reference ${entryReference} appears twice in the statement`);
    seen.add(entryReference);
    const amountNode = at(node, 'Amt');
    const entryCurrency = String((amountNode as Node | undefined)?.['@_Ccy'] ?? '');
    if (entryCurrency !== currency) reject('entry_currency', `${where}: amount in '${entryCurrency}', the account is in ${currency}`);
    const amount = amountOf(where, required(where, node, 'Amt'), currency);
    if (amount <= 0) reject('bad_amount', `${where}: an entry moves a positive amount`);
    const direction = required(where, node, 'CdtDbtInd');
    if (direction !== 'CRDT' && direction !== 'DBIT') reject('missing_field', `${where}: CdtDbtInd is '${direction}'`);
    const status = optional(node, 'Sts', 'Cd') ?? optional(node, 'Sts');
    if (status !== 'BOOK') reject('entry_not_booked', `${where}: status ${status ?? 'missing'}; a statement lists booked entries`);
    const credit = direction === 'CRDT';
    const kind = classify(credit, optional(node, 'BkTxCd', 'Domn', 'Cd'), optional(node, 'BkTxCd', 'Domn', 'Fmly', 'Cd'), optional(node, 'BkTxCd', 'Domn', 'Fmly', 'SubFmlyCd'));
    const transactions = ((child(at(node, 'NtryDtls'), 'TxDtls') as unknown[] | undefined) ?? []);
    if (kind !== 'other' && transactions.length !== 1) reject('missing_field', `${where}: a payment entry has one transaction (NtryDtls/TxDtls), this one ${transactions.length}`);
    const transaction = transactions[0];
    const endToEndId = kind === 'other' ? (optional(transaction, 'Refs', 'EndToEndId') ?? '') : required(where, transaction, 'Refs', 'EndToEndId');
    return {
      index,
      entryReference,
      kind,
      credit,
      amount,
      currency,
      bookingDate: dateOf(`${where} BookgDt`, at(node, 'BookgDt')),
      valueDate: dateOf(`${where} ValDt`, at(node, 'ValDt')),
      endToEndId,
      remittance: optional(transaction, 'RmtInf', 'Ustrd'),
      returnReason: optional(transaction, 'RtrInf', 'Rsn', 'Cd'),
    };
  });
  const net = entries.reduce((sum, entry) => sum + (entry.credit ? entry.amount : -entry.amount), 0);
  if (opening + net !== closing) {
    reject('balance_mismatch', `Opening balance ${opening} + entries ${net} ≠ closing balance ${closing} (minor units): entries missing or altered`);
  }
  const summary = at(statement, 'TxsSummry');
  if (summary) {
    const check = (path: string, list: readonly StatementEntry[]) => {
      const count = optional(summary, path, 'NbOfNtries');
      const sum = optional(summary, path, 'Sum');
      if (count !== null && Number(count) !== list.length) reject('summary_mismatch', `TxsSummry/${path}: ${count} entries, the statement lists ${list.length}`);
      if (sum !== null && amountOf(`TxsSummry/${path}`, sum, currency) !== list.reduce((total, entry) => total + entry.amount, 0)) {
        reject('summary_mismatch', `TxsSummry/${path}: sum ${sum} differs from the entries'`);
      }
    };
    check('TtlNtries', entries);
    check('TtlCdtNtries', entries.filter((entry) => entry.credit));
    check('TtlDbtNtries', entries.filter((entry) => !entry.credit));
  }
  return { messageId, statementId, sequence: Number.isSafeInteger(sequence) ? sequence : null, account, currency, createdAt, from, to, opening, closing, entries };
};
