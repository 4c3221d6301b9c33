import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBankStatement } from '../../../lambdas/adapters/bank/camt053';
import { type StatementEntryInput, acquirerCreditsOf, buildBankStatement, writeBankStatement } from '../../../local/simulators/bank/statements';
import { validateAgainstSchema } from '../../support/xml-schema';

/** The simulated bank's camt.053 statements: valid against the published ISO 20022 schema, balanced, deterministic, and the breaks they carry. */
const entries: StatementEntryInput[] = [
  ...Array.from({ length: 6 }, (_, index): StatementEntryInput => ({
    kind: 'acquirer_credit',
    reference: `pout_${String(index).padStart(24, '0')}`,
    amount: 100_000 + index * 1_234,
    valueDate: '2026-12-06',
    remittance: `atlas settlement atlas-usd-${index} <&>`,
  })),
  ...Array.from({ length: 6 }, (_, index): StatementEntryInput => ({ kind: 'payout_debit', reference: `po_${String(index).padStart(26, 'a')}`, amount: 5_000 + index, valueDate: '2026-12-06' })),
  { kind: 'payout_return', reference: `po_${'r'.repeat(26)}`, amount: 4_321, valueDate: '2026-12-06', returnReason: 'AC04' },
];
const build = (breaks = {}, seed = 5, currency = 'USD') => buildBankStatement({ currency, date: '2026-12-06', sequence: 42, openingBalance: -2_500, entries, seed, breaks });

it('writes statements the published camt.053.001.08 schema accepts, with and without breaks, in a currency with 0 or 3 digits too', async () => {
  for (const statement of [
    build(),
    build({ missing_credit: 1, credit_amount_mismatch: 1, duplicate_credit: 1, late_credit: 1, unknown_credit: 2, debit_amount_mismatch: 1, duplicate_debit: 1, unknown_debit: 2 }),
    build({}, 5, 'JPY'),
    build({}, 5, 'KWD'),
  ]) {
    expect(await validateAgainstSchema('camt053', statement.xml)).toEqual({ valid: true, errors: [] });
  }
});

it('the schema check can fail: an entry without its bank transaction code, or an amount with letters, is refused by libxml2', async () => {
  const statement = build();
  const withoutCode = statement.xml.replace(/<BkTxCd>.*?<\/BkTxCd>/, '');
  const badAmount = statement.xml.replace('<Amt Ccy="USD">1000.00</Amt>', '<Amt Ccy="USD">10OO.00</Amt>');
  expect((await validateAgainstSchema('camt053', withoutCode)).valid).toBe(false);
  expect(badAmount).not.toBe(statement.xml);
  const refused = await validateAgainstSchema('camt053', badAmount);
  expect(refused.valid).toBe(false);
  expect(refused.errors.join('\n')).toMatch(/Amt/);
});

it('balances: opening + credits − debits = closing, and the platform reads back every entry', () => {
  const statement = build();
  const credits = entries.filter((entry) => entry.kind !== 'payout_debit').reduce((sum, entry) => sum + entry.amount, 0);
  const debits = entries.filter((entry) => entry.kind === 'payout_debit').reduce((sum, entry) => sum + entry.amount, 0);
  expect(statement.closingBalance).toBe(-2_500 + credits - debits);
  const parsed = parseBankStatement(statement.xml);
  expect(parsed).toMatchObject({ statementId: statement.statementId, sequence: 42, currency: 'USD', opening: -2_500, closing: statement.closingBalance });
  expect(parsed.entries.map((entry) => [entry.kind, entry.endToEndId, entry.amount])).toEqual(entries.map((entry) => [entry.kind, entry.reference, entry.amount]));
  expect(parsed.entries[0]?.remittance).toBe('atlas settlement atlas-usd-0 <&>');
  expect(parsed.entries.at(-1)?.returnReason).toBe('AC04');
});

it('is deterministic for a seed and names every break it puts in', () => {
  const breaks = { missing_credit: 1, credit_amount_mismatch: 1, duplicate_credit: 1, late_credit: 1, unknown_credit: 1, debit_amount_mismatch: 1, duplicate_debit: 1, unknown_debit: 1 };
  const one = build(breaks);
  expect(build(breaks).xml).toBe(one.xml);
  expect(build(breaks, 6).xml).not.toBe(one.xml);
  expect(one.injected.map((each) => each.kind).sort()).toEqual(['amount_mismatch', 'amount_mismatch', 'duplicate', 'duplicate', 'late', 'missing_in_ledger', 'missing_in_statement', 'unknown_batch']);
  const parsed = parseBankStatement(one.xml);
  const missing = one.injected.find((each) => each.kind === 'missing_in_statement')?.reference;
  expect(parsed.entries.some((entry) => entry.endToEndId === missing)).toBe(false);
  const late = one.injected.find((each) => each.kind === 'late')?.reference;
  expect(parsed.entries.find((entry) => entry.endToEndId === late)?.valueDate).toBe('2026-12-08');
  for (const duplicate of one.injected.filter((each) => each.kind === 'duplicate')) expect(parsed.entries.filter((entry) => entry.endToEndId === duplicate.reference)).toHaveLength(2);
});

it('leaves out payout debits on request, apart from the debits it alters or repeats, and names each', () => {
  const one = build({ debit_amount_mismatch: 2, duplicate_debit: 2, missing_debit: 2 });
  const left = one.injected.filter((each) => each.kind === 'missing_in_statement').map((each) => each.reference);
  expect(left).toHaveLength(2);
  expect(left.every((reference) => reference.startsWith('po_'))).toBe(true);
  const others = one.injected.filter((each) => each.kind !== 'missing_in_statement').map((each) => each.reference);
  expect(others.filter((reference) => left.includes(reference))).toEqual([]);
  const parsed = parseBankStatement(one.xml);
  expect(parsed.entries.filter((entry) => left.includes(entry.endToEndId))).toEqual([]);
  expect(parsed.entries.filter((entry) => entry.kind === 'payout_debit')).toHaveLength(6 - 2 + 2);
});

it("turns the acquirers' recorded transfers of a day and currency into credits, and writes the statement where the SFTP server serves it", () => {
  const root = mkdtempSync(join(tmpdir(), 'bank-'));
  mkdirSync(join(root, 'atlas'));
  writeFileSync(
    join(root, 'atlas', 'bank-credits.jsonl'),
    [
      { account: 'platform', batchId: 'atlas-usd-1', reference: 'pout_a', amount: 1_000, currency: 'USD', valueDate: '2026-12-06' },
      { account: 'platform', batchId: 'atlas-eur-1', reference: 'pout_b', amount: 2_000, currency: 'EUR', valueDate: '2026-12-06' },
      { account: 'platform', batchId: 'atlas-usd-0', reference: 'pout_c', amount: 3_000, currency: 'USD', valueDate: '2026-12-05' },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n') + '\n',
  );
  expect(acquirerCreditsOf(root, 'USD', '2026-12-06')).toEqual([{ kind: 'acquirer_credit', reference: 'pout_a', amount: 1_000, valueDate: '2026-12-06', remittance: 'atlas settlement atlas-usd-1' }]);
  const statement = build();
  const path = writeBankStatement(root, statement);
  expect(path).toBe(join(root, 'statements', statement.fileName));
  expect(readFileSync(path, 'utf8')).toBe(statement.xml);
});
