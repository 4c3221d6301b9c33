import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_SFTP_USER } from '../../../local/card-channels';
import { LambdaHost } from '../../../local/lambda-host';
import { type SettledItem, buildSettlementReport } from '../../../local/simulators/card-acquirer/settlement-reports';
import { StepFunctionsEngine, declaredFunctionInvoker } from '../../../local/step-functions';
import { cardChannels } from '../../../platform/channels';
import { stateMachines } from '../../../platform/state-machines';
import { tableName } from '../../../platform/tables';
import { verifyLedger } from '../../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbReconciliationRepository } from '../../../lambdas/adapters/dynamodb/reconciliation-repository';
import { deriveId } from '../../../lambdas/domain/ids';
import { counter } from '../../../lambdas/domain/ledger/positions';
import { contractFee } from '../../../lambdas/domain/reconciliation/matching';
import { ledgerPostingDeps } from '../../../lambdas/wiring/ledger';
import { postLedgerEvent } from '../../../lambdas/use-cases/ledger/postings';
import { paymentCaptured, paymentSettled } from '../../../lambdas/domain/ledger/postings';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestSftpServer, startTestSftpServer, useAsSettlementServer } from '../../support/sftp';
import { temporaryExecutionStore } from '../../support/step-functions';

/**
 * The reconciliation workflow as deployed (statemachines/settlement-reconciliation.asl.json on the local
 * engine, the real task handlers through the Lambda host, DynamoDB Local), on reports the acquirer
 * simulator's generator writes and an acquirer's SFTP server serves (the functions fetch them over SFTP): it settles what the report confirms, finds the breaks put in it and no
 * others, books the acquirer's fees, leaves the ledger balanced, and a replayed, truncated or unannounced
 * file changes nothing.
 */
let db: IsolatedDynamoDb;
let engine: StepFunctionsEngine;
let reports: DynamoDbReconciliationRepository;
let sftp: TestSftpServer;
const reportsDir = mkdtempSync(join(tmpdir(), 'recon-reports-'));
const merchant = 'mer_recon_tests';
const channel = 'atlas';

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  mkdirSync(join(reportsDir, channel), { recursive: true });
  sftp = await startTestSftpServer({ [LOCAL_SFTP_USER]: reportsDir });
  useAsSettlementServer(sftp, LOCAL_SFTP_USER);
  const lambdas = new LambdaHost(resolve(import.meta.dirname, '..', '..', '..'));
  engine = new StepFunctionsEngine({
    invoke: declaredFunctionInvoker((key, payload) => lambdas.invoke(key, payload)),
    store: temporaryExecutionStore(),
    stateMachines: { settlementReconciliation: stateMachines.settlementReconciliation },
    timeScale: 0.001,
    taskTimeoutScale: 1,
  });
  reports = new DynamoDbReconciliationRepository(db.documentClient, tableName('reconciliation'));
});
afterAll(async () => {
  await engine.stop();
  await sftp.stop();
});

let counterForIds = 0;
/** A captured payment in the ledger (as the payment workflow posts it) and its settled capture at the acquirer. */
const capturedPayment = async (amount: number, batchId: string, settledByWebhook: boolean): Promise<SettledItem> => {
  counterForIds += 1;
  const paymentId = deriveId('pay', 'recon-test', String(counterForIds), String(Date.now()));
  const captureId = `cap_${counterForIds}_${batchId}`;
  await postLedgerEvent(ledgerPostingDeps(), paymentCaptured, { merchantId: merchant, paymentId, channel, currency: 'USD', amount, authorizedAmount: amount });
  // What the acquirer's capture.settled webhook does (record-channel-event.ts): expect it in its batch, maybe settle.
  await reports.recordExpectations([{ channel, batchId, captureId, paymentId, merchantId: merchant, amount, currency: 'USD', announcedAt: new Date().toISOString() }]);
  if (settledByWebhook) await postLedgerEvent(ledgerPostingDeps(), paymentSettled, { merchantId: merchant, paymentId, settlementId: captureId });
  return { type: 'capture', ourReference: paymentId, theirReference: captureId, gross: amount, fee: contractFee(cardChannels.atlas.fees, amount, 'USD'), currency: 'USD' };
};

const writeReport = (file: string, csv: string) => writeFileSync(join(reportsDir, channel, file), csv);

const run = async (file: string, name = file.replace(/\.csv$/, '')) => {
  const { executionArn } = await engine.startExecution({
    stateMachineArn: engine.stateMachineArn('settlementReconciliation'),
    name: `${name}-${Date.now()}`,
    input: JSON.stringify({ channel, file }),
  });
  return engine.waitForExecution(executionArn as string);
};

const openBreaks = async () => (await reports.listBreaks({ status: 'open', limit: 1000 })).breaks;
const ledgerReport = () => verifyLedger(db.documentClient, tableName('ledger'));
const feesBooked = async () =>
  (await ledgerReport()).derivedBalances.find((balance) => balance.account === 'platform_acquirer_fees:platform:USD' && balance.region === 'all')?.balance ?? 0;

it('settles what the report confirms, finds a fee mismatch and a missing capture and nothing else, books the fees, and a replay changes nothing', async () => {
  const batchId = 'atlas-usd-1001';
  const items = [
    await capturedPayment(10_000, batchId, true),
    await capturedPayment(2_500, batchId, false),
    await capturedPayment(7_399, batchId, false),
    await capturedPayment(120_000, batchId, true),
    await capturedPayment(999, batchId, false),
    await capturedPayment(4_200, batchId, false),
  ];
  const report = buildSettlementReport({ channel, batchId, currency: 'USD', valueDate: new Date().toISOString().slice(0, 10), items, seed: 3, breaks: { fee_mismatch: 1, missing_capture: 1 } });
  writeReport(report.fileName, report.csv);

  const done = await run(report.fileName);
  expect(done.status).toBe('SUCCEEDED');
  const summary = JSON.parse(done.output ?? '{}');
  expect(summary).toMatchObject({ lines: 5, breaks: 2, missing_in_report: 1, fees_booked: { USD: report.payout.interchangeFee + report.payout.schemeFee } });

  const found = (await openBreaks()).map((each) => ({ kind: each.kind, theirReference: each.theirReference }));
  expect(found.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(
    report.injected.map((each) => ({ kind: each.kind, theirReference: each.theirReference })).sort((a, b) => a.kind.localeCompare(b.kind)),
  );
  const missing = report.injected.find((each) => each.kind === 'missing_in_report');
  for (const item of items) {
    const position = await ledgerPostingDeps().ledger.getPosition(item.ourReference);
    const expectPending = item.theirReference === missing?.theirReference && !['cap_1_', 'cap_4_'].some((prefix) => item.theirReference.startsWith(prefix));
    expect({ capture: item.theirReference, pending: counter(position!, 'pendingNet') > 0 }).toEqual({ capture: item.theirReference, pending: expectPending });
  }
  const ledgerAfter = await ledgerReport();
  expect(ledgerAfter.differences).toEqual([]);
  expect(await feesBooked()).toBe(report.payout.interchangeFee + report.payout.schemeFee);
  expect(await reports.getReport(channel, report.sha256)).toMatchObject({ status: 'reconciled', batchId, lineCount: 5 });

  // The same file again (a resend, a second notification): recognised by its hash, nothing applied twice.
  const replay = await run(report.fileName, 'replay');
  expect(replay.status).toBe('SUCCEEDED');
  expect(JSON.parse(replay.output ?? '{}')).toMatchObject({ ingest: { outcome: 'replayed', status: 'reconciled' } });
  expect((await ledgerReport()).transactions).toBe(ledgerAfter.transactions);
  expect(await feesBooked()).toBe(report.payout.interchangeFee + report.payout.schemeFee);
  expect(await openBreaks()).toHaveLength(2);

  // Another file for the same batch (the acquirer re-cut it): quarantined, nothing applied.
  const recut = buildSettlementReport({ channel, batchId, currency: 'USD', valueDate: new Date().toISOString().slice(0, 10), items, seed: 3 });
  writeReport('recut.csv', recut.csv);
  const quarantined = await run('recut.csv');
  expect(quarantined).toMatchObject({ status: 'FAILED', error: 'SettlementReportQuarantined' });
  expect(await reports.getReport(channel, recut.sha256)).toMatchObject({ status: 'quarantined', reason: 'batch_already_reported' });
  expect((await ledgerReport()).transactions).toBe(ledgerAfter.transactions);
});

it('rejects a truncated file whole, with its reason, and applies nothing of it', async () => {
  const batchId = 'atlas-usd-1002';
  const items = [await capturedPayment(5_000, batchId, false), await capturedPayment(6_000, batchId, false)];
  const report = buildSettlementReport({ channel, batchId, currency: 'USD', valueDate: new Date().toISOString().slice(0, 10), items });
  const cut = report.csv.split('\n').slice(0, 2).join('\n') + '\n';
  writeReport('cut.csv', cut);
  const before = (await ledgerReport()).transactions;
  const done = await run('cut.csv');
  expect(done).toMatchObject({ status: 'FAILED', error: 'SettlementReportRejected' });
  expect(done.cause).toMatch(/payout line/);
  expect((await ledgerReport()).transactions).toBe(before);
  for (const item of items) expect(counter((await ledgerPostingDeps().ledger.getPosition(item.ourReference))!, 'pendingNet')).toBeGreaterThan(0);
  const [stored] = await Promise.all([reports.listBreaks({ status: 'open', limit: 1000 })]);
  expect(stored.breaks.filter((each) => each.batchId === batchId)).toEqual([]);
});

it('quarantines a report of a batch nobody announced, as an unknown_batch break', async () => {
  const batchId = 'atlas-usd-1003';
  const items = [await capturedPayment(5_000, batchId, false)];
  const report = buildSettlementReport({ channel, batchId, currency: 'USD', valueDate: new Date().toISOString().slice(0, 10), items, breaks: { unknown_batch: true } });
  writeReport(report.fileName, report.csv);
  const before = (await ledgerReport()).transactions;
  const done = await run(report.fileName);
  expect(done).toMatchObject({ status: 'FAILED', error: 'SettlementReportQuarantined' });
  expect((await openBreaks()).filter((each) => each.kind === 'unknown_batch')).toMatchObject([{ batchId: `${batchId}-x`, reportSha256: report.sha256 }]);
  expect((await ledgerReport()).transactions).toBe(before);
});
