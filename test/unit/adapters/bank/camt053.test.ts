import { BankStatementRejectedError, parseBankStatement } from '../../../../lambdas/adapters/bank/camt053';
import { buildBankStatement } from '../../../../local/simulators/bank/statements';

/** Reading a camt.053 statement whole or refusing it whole, with the reason an operator reads. */
const statement = buildBankStatement({
  currency: 'EUR',
  date: '2026-12-06',
  sequence: 3,
  openingBalance: 10_000,
  entries: [
    { kind: 'acquirer_credit', reference: 'pout_000000000000000000000001', amount: 50_000, valueDate: '2026-12-06', remittance: 'boreal settlement boreal-eur-9' },
    { kind: 'payout_debit', reference: `po_${'a'.repeat(26)}`, amount: 7_500, valueDate: '2026-12-06' },
    { kind: 'payout_debit', reference: `po_${'b'.repeat(26)}`, amount: 2_500, valueDate: '2026-12-06' },
  ],
});

const rejection = (source: string): string => {
  try {
    parseBankStatement(source);
  } catch (error) {
    if (error instanceof BankStatementRejectedError) return error.reason;
    throw error;
  }
  return 'accepted';
};

it('reads a statement: account, balances, entries classified by bank transaction code', () => {
  const parsed = parseBankStatement(statement.xml);
  expect(parsed).toMatchObject({ account: 'XBORDER-OPERATING-EUR', currency: 'EUR', sequence: 3, from: '2026-12-06', to: '2026-12-06', opening: 10_000, closing: 50_000 });
  expect(parsed.entries.map((entry) => [entry.kind, entry.credit, entry.amount])).toEqual([
    ['acquirer_credit', true, 50_000],
    ['payout_debit', false, 7_500],
    ['payout_debit', false, 2_500],
  ]);
});

it.each([
  ['truncated', statement.xml.slice(0, Math.floor(statement.xml.length * 0.7)), 'not_xml'],
  ['cut after an entry, closed again', statement.xml.replace(/<Ntry>(?:(?!<Ntry>).)*<\/Ntry><\/Stmt>/s, '</Stmt>'), 'balance_mismatch'],
  ['an amount altered', statement.xml.replace('<Amt Ccy="EUR">75.00</Amt>', '<Amt Ccy="EUR">76.00</Amt>'), 'balance_mismatch'],
  ['an entry in another currency', statement.xml.replace('<Amt Ccy="EUR">75.00</Amt>', '<Amt Ccy="USD">75.00</Amt>'), 'entry_currency'],
  ['more digits than the currency has', statement.xml.replace('<Amt Ccy="EUR">500.00</Amt>', '<Amt Ccy="EUR">500.001</Amt>'), 'bad_amount'],
  ['a pending entry', statement.xml.replace('<Cd>BOOK</Cd>', '<Cd>PDNG</Cd>'), 'entry_not_booked'],
  ['the same entry reference twice', statement.xml.replace('202612060003000002', '202612060003000001').replace('202612060003000002', '202612060003000001'), 'duplicate_entry_reference'],
  ['a DOCTYPE (entities)', statement.xml.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x "y">]>'), 'doctype_not_allowed'],
  ['another message', statement.xml.replaceAll('camt.053.001.08', 'camt.052.001.08'), 'not_camt053'],
  ['two statements in one file', statement.xml.replace(/(<Stmt>.*<\/Stmt>)/s, '$1$1'), 'one_statement_per_file'],
  ['no period', statement.xml.replace(/<FrToDt>.*?<\/FrToDt>/s, ''), 'missing_field'],
  ['no closing balance', statement.xml.replace(/<Bal><Tp><CdOrPrtry><Cd>CLBD<\/Cd>.*?<\/Bal>/s, ''), 'missing_field'],
  ['a payment entry without its EndToEndId', statement.xml.replace(/<Refs>.*?<\/Refs>/s, '<Refs></Refs>'), 'missing_field'],
  ['a summary that does not match', statement.xml.replace('<NbOfNtries>3</NbOfNtries>', '<NbOfNtries>4</NbOfNtries>'), 'summary_mismatch'],
  ['not XML at all', 'batch_id,our_reference\n', 'not_xml'],
])('refuses %s (%s)', (_name, source, reason) => {
  expect(source).not.toBe(statement.xml);
  expect(rejection(source)).toBe(reason);
});
