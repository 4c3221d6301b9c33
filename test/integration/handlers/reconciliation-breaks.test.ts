import { DynamoDbReconciliationRepository } from '../../../lambdas/adapters/dynamodb/reconciliation-repository';
import { type BreakKind, breakId } from '../../../lambdas/domain/reconciliation/matching';
import type { ReconciliationBreak } from '../../../lambdas/ports/reconciliation-repository';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The operator API's reconciliation routes over real HTTP with SigV4 roles: breaks listed by status, kind and
 * merchant, page by page; resolved with a note into the audit log; refusals name the field and change nothing.
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let reports: DynamoDbReconciliationRepository;

const found = (kind: BreakKind, reference: string, merchantId: string | null, detectedAt: string): ReconciliationBreak => ({
  id: breakId('atlas', 'atlas-usd-7', kind, reference, 'capture'),
  kind,
  status: 'open',
  channel: 'atlas',
  batchId: 'atlas-usd-7',
  reportSha256: 'a'.repeat(64),
  reference,
  theirReference: `cap_${reference}`,
  merchantId,
  currency: 'USD',
  expected: 320,
  actual: 400,
  lineNumber: 12,
  detail: `${kind} on ${reference}`,
  detectedAt,
  resolvedAt: null,
  resolvedBy: null,
  resolutionNote: null,
});

const breaks = [
  found('fee_mismatch', 'pay_1', 'mer_recon_a', '2026-12-06T10:00:01.000Z'),
  found('fee_mismatch', 'pay_2', 'mer_recon_b', '2026-12-06T10:00:02.000Z'),
  found('missing_in_report', 'pay_3', 'mer_recon_a', '2026-12-06T10:00:03.000Z'),
  found('amount_mismatch', 'pay_4', 'mer_recon_a', '2026-12-06T10:00:04.000Z'),
  found('unknown_batch', 'atlas-usd-7', null, '2026-12-06T10:00:05.000Z'),
];

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis();
  reports = new DynamoDbReconciliationRepository(db.documentClient, tableName('reconciliation'));
  expect(await reports.recordBreaks(breaks)).toBe(5);
  expect(await reports.recordBreaks(breaks)).toBe(0);
});

afterAll(async () => {
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

const list = async (query: string) => apis.asOperator('ops_viewer', 'GET', `/v1/reconciliation/breaks${query}`);

it('lists open breaks oldest first, by kind and merchant, a page at a time', async () => {
  const all = await list('');
  expect(all.status).toBe(200);
  expect(all.json).toMatchObject({ object: 'list', url: '/v1/reconciliation/breaks', has_more: false });
  expect(all.json.data.map((each: { reference: string }) => each.reference)).toEqual(['pay_1', 'pay_2', 'pay_3', 'pay_4', 'atlas-usd-7']);
  expect(all.json.data[0]).toMatchObject({ object: 'reconciliation_break', kind: 'fee_mismatch', status: 'open', merchant_id: 'mer_recon_a', expected_amount: 320, reported_amount: 400, line_number: 12 });

  expect((await list('?kind=fee_mismatch')).json.data.map((each: { reference: string }) => each.reference)).toEqual(['pay_1', 'pay_2']);
  expect((await list('?merchant=mer_recon_a&kind=fee_mismatch')).json.data.map((each: { reference: string }) => each.reference)).toEqual(['pay_1']);

  const first = await list('?limit=2');
  expect(first.json).toMatchObject({ has_more: true });
  const second = await list(`?limit=2&starting_after=${first.json.data[1].id}`);
  const third = await list(`?limit=2&starting_after=${second.json.data[1].id}`);
  expect([...first.json.data, ...second.json.data, ...third.json.data].map((each: { id: string }) => each.id)).toEqual(all.json.data.map((each: { id: string }) => each.id));
  expect(third.json.has_more).toBe(false);
});

it.each([
  ['?status=closed', 'status'],
  ['?kind=typo', 'kind'],
  ['?merchant=nobody', 'merchant'],
  ['?limit=0', 'limit'],
  ['?starting_after=brk_x', 'starting_after'],
  ['?colour=red', 'colour'],
])('refuses %s with a 422 naming the field', async (query, field) => {
  const answer = await list(query);
  expect(answer.status).toBe(422);
  expect(answer.json.errors.map((error: { field: string }) => error.field)).toContain(field);
});

it('resolves a break with a note, audited in its merchant\'s log; again is 409; viewers and bad bodies change nothing', async () => {
  const target = breaks[0] as ReconciliationBreak;
  const path = `/v1/reconciliation/breaks/${target.id}/resolve`;
  expect((await apis.asOperator('ops_viewer', 'POST', path, { body: { note: 'not mine to do' } })).json).toMatchObject({ status: 403, code: 'forbidden' });
  expect((await apis.asOperator('ops_admin', 'POST', path, { body: {} })).json).toMatchObject({ status: 422, errors: [{ field: 'note' }] });
  expect((await apis.asOperator('ops_admin', 'POST', path, { body: { note: '' } })).json).toMatchObject({ status: 422, errors: [{ field: 'note' }] });
  expect((await reports.getBreak(target.id))?.status).toBe('open');

  const resolved = await apis.asOperator('ops_admin', 'POST', path, { body: { note: 'Acquirer refunds the 0.80 in batch 8' } });
  expect(resolved.status).toBe(200);
  expect(resolved.json).toMatchObject({ id: target.id, status: 'resolved', resolution_note: 'Acquirer refunds the 0.80 in batch 8', resolved_by: expect.stringMatching(/^ops_admin\//) });
  expect((await apis.asOperator('ops_admin', 'POST', path, { body: { note: 'twice' } })).json).toMatchObject({ status: 409, code: 'break_not_open' });

  const audit = await apis.asOperator('ops_viewer', 'GET', '/v1/merchants/mer_recon_a/audit_entries');
  expect(audit.json.data[0]).toMatchObject({ action: 'reconciliation_break.resolve', target: { type: 'reconciliation_break', id: target.id } });
  expect((await list('')).json.data.map((each: { id: string }) => each.id)).not.toContain(target.id);
  expect((await list('?status=resolved')).json.data.map((each: { id: string }) => each.id)).toEqual([target.id]);

  const unknown = `/v1/reconciliation/breaks/${breakId('atlas', 'nope', 'late', 'x', 'y')}/resolve`;
  expect((await apis.asOperator('ops_admin', 'POST', unknown, { body: { note: 'n' } })).status).toBe(404);
});

it("lists a bank statement's break by its kind and resolves it with a note (decision 0032)", async () => {
  const statementBreak: ReconciliationBreak = {
    ...found('missing_in_statement', 'atlas/atlas-usd-7', null, '2026-12-07T06:00:00.000Z'),
    theirReference: 'pout_0123456789abcdef01234567',
    reportSha256: 'b'.repeat(64),
    expected: 96_800,
    actual: null,
    lineNumber: null,
    detail: 'batch atlas-usd-7 of atlas (net 96800, value date 2026-12-06) is not credited on statement XBORDER-OPERATING-USD-20261206-1',
  };
  expect(await reports.recordBreaks([statementBreak])).toBe(1);
  const listed = await list('?kind=missing_in_statement');
  expect(listed.json.data).toEqual([expect.objectContaining({ id: statementBreak.id, kind: 'missing_in_statement', their_reference: 'pout_0123456789abcdef01234567', expected_amount: 96_800, reported_amount: null })]);
  const resolved = await apis.asOperator('ops_admin', 'POST', `/v1/reconciliation/breaks/${statementBreak.id}/resolve`, { body: { note: 'Credited on the 8th, value date the 7th' } });
  expect(resolved.json).toMatchObject({ id: statementBreak.id, status: 'resolved' });
  expect((await list('?kind=missing_in_statement')).json.data).toEqual([]);
});
