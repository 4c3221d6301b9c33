import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_SFTP_USER } from '../../../local/card-channels';
import { LambdaHost } from '../../../local/lambda-host';
import { scheduledEvent } from '../../../local/schedules';
import { buildBankStatement, writeBankStatement } from '../../../local/simulators/bank/statements';
import { buildSettlementReport } from '../../../local/simulators/card-acquirer/settlement-reports';
import { type StepFunctionsServer, StepFunctionsEngine, declaredFunctionInvoker, startStepFunctionsServer } from '../../../local/step-functions';
import { stateMachineArnEnvVar, stateMachines } from '../../../platform/state-machines';
import { reportRunName, statementRunName } from '../../../lambdas/ports/reconciliation-runs';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestSftpServer, startTestSftpServer, useAsSettlementServer } from '../../support/sftp';
import { temporaryExecutionStore } from '../../support/step-functions';

/**
 * The scheduled pull (decision 0028, issue 16 item 3), the real handler through the local Lambda host: it lists
 * the SFTP server (a real one, the platform's key and pinned host key), starts one reconciliation run per file
 * published in the last week, named by the file, over the AWS SDK against the local Step Functions engine; a
 * second pull starts nothing; a file older than the window, or one whose name the platform does not read, is
 * left alone; and the age of each source's newest file is what it reports for the late-file alarm.
 */
let db: IsolatedDynamoDb;
let engine: StepFunctionsEngine;
let server: StepFunctionsServer;
let sftp: TestSftpServer;
let lambdas: LambdaHost;
const root = mkdtempSync(join(tmpdir(), 'recon-pull-'));
const machines = ['settlementReconciliation', 'bankStatementReconciliation'] as const;

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  mkdirSync(join(root, 'atlas'), { recursive: true });
  sftp = await startTestSftpServer({ [LOCAL_SFTP_USER]: root });
  useAsSettlementServer(sftp, LOCAL_SFTP_USER);
  lambdas = new LambdaHost(resolve(import.meta.dirname, '..', '..', '..'));
  engine = new StepFunctionsEngine({
    invoke: declaredFunctionInvoker((key, payload) => lambdas.invoke(key, payload)),
    store: temporaryExecutionStore(),
    stateMachines: { settlementReconciliation: stateMachines.settlementReconciliation, bankStatementReconciliation: stateMachines.bankStatementReconciliation },
    // The statement workflow's hour scaled to 72 s: room for the handlers' first (cold) invocations.
    timeScale: 0.02,
    taskTimeoutScale: 1,
  });
  server = await startStepFunctionsServer({ engine, port: 0 });
  process.env.AWS_ENDPOINT_URL_SFN = server.url;
  for (const key of machines) process.env[stateMachineArnEnvVar(key)] = engine.stateMachineArn(key);
});
afterAll(async () => {
  await server.stop();
  await engine.stop();
  await sftp.stop();
  void db;
});

const pull = () => lambdas.invoke('pullSettlementFiles', scheduledEvent('pullSettlementFiles', new Date())) as Promise<{ started: number; alreadyStarted: number; failed: number }>;

const runOf = async (machine: (typeof machines)[number], name: string) => {
  const { executions } = await engine.listExecutions({ stateMachineArn: engine.stateMachineArn(machine), name });
  return executions ?? [];
};

it('starts one run per newly published report and statement, named by the file, and nothing twice', async () => {
  const report = buildSettlementReport({ channel: 'atlas', batchId: `atlas-usd-pull-${Date.now()}`, currency: 'USD', valueDate: '2026-12-06', items: [] });
  writeFileSync(join(root, 'atlas', report.fileName), report.csv);
  const statement = buildBankStatement({ currency: 'USD', date: '2026-12-06', sequence: 41, openingBalance: 0, entries: [] });
  writeBankStatement(root, statement);
  // Published ten days ago: outside the pull's week (pulled when it was new, or started by hand).
  const old = buildSettlementReport({ channel: 'atlas', batchId: `atlas-usd-old-${Date.now()}`, currency: 'USD', valueDate: '2026-11-26', items: [] });
  writeFileSync(join(root, 'atlas', old.fileName), old.csv);
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  utimesSync(join(root, 'atlas', old.fileName), tenDaysAgo, tenDaysAgo);
  // Not a report's name: never started.
  writeFileSync(join(root, 'atlas', 'notes.txt'), 'not a report');

  // The report's run starts; the statement waits a pull (its credits are matched with what report runs record).
  expect(await pull()).toEqual({ started: 1, alreadyStarted: 0, statementsDeferred: 1, failed: 0 });
  const [reportRun] = await runOf('settlementReconciliation', reportRunName('atlas', report.fileName));
  expect(reportRun).toBeDefined();
  expect(await runOf('bankStatementReconciliation', statementRunName(statement.fileName))).toEqual([]);
  expect(await runOf('settlementReconciliation', reportRunName('atlas', old.fileName))).toEqual([]);
  // The runs are the real workflows on the files: an empty batch nobody announced is quarantined.
  expect((await engine.waitForExecution(reportRun?.executionArn as string)).error).toBe('SettlementReportQuarantined');

  // With no report's run going, the next pull starts the statement's.
  expect(await pull()).toEqual({ started: 1, alreadyStarted: 1, statementsDeferred: 0, failed: 0 });
  const [statementRun] = await runOf('bankStatementReconciliation', statementRunName(statement.fileName));
  expect((await engine.waitForExecution(statementRun?.executionArn as string)).status).toBe('SUCCEEDED');

  // The next pull finds both runs started (and closed): nothing new.
  expect(await pull()).toEqual({ started: 0, alreadyStarted: 2, statementsDeferred: 0, failed: 0 });
  expect(await runOf('settlementReconciliation', reportRunName('atlas', report.fileName))).toHaveLength(1);
  expect(await runOf('bankStatementReconciliation', statementRunName(statement.fileName))).toHaveLength(1);
}, 120_000);

it('fails the pull when a start is refused, starts nothing of it, and the next pulls start the rest', async () => {
  const report = buildSettlementReport({ channel: 'atlas', batchId: `atlas-usd-pull2-${Date.now()}`, currency: 'USD', valueDate: '2026-12-07', items: [] });
  writeFileSync(join(root, 'atlas', report.fileName), report.csv);
  const statement = buildBankStatement({ currency: 'USD', date: '2026-12-07', sequence: 42, openingBalance: 0, entries: [] });
  writeBankStatement(root, statement);
  // The report workflow's ARN names another state machine: starting it (and asking whether it runs) is refused,
  // here by the function's grants (AccessDenied), as IAM would in AWS.
  const variable = stateMachineArnEnvVar('settlementReconciliation');
  const arn = process.env[variable] as string;
  process.env[variable] = arn.replace(/:[^:]+$/, ':no-such-state-machine');
  try {
    await expect(pull()).rejects.toMatchObject({ name: 'SettlementPullFailed' });
  } finally {
    process.env[variable] = arn;
  }
  expect(await runOf('settlementReconciliation', reportRunName('atlas', report.fileName))).toEqual([]);
  expect(await runOf('bankStatementReconciliation', statementRunName(statement.fileName))).toEqual([]);
  expect(await pull()).toEqual({ started: 1, alreadyStarted: 1, statementsDeferred: 2, failed: 0 });
  const [reportRun] = await runOf('settlementReconciliation', reportRunName('atlas', report.fileName));
  await engine.waitForExecution(reportRun?.executionArn as string);
  expect(await pull()).toEqual({ started: 1, alreadyStarted: 3, statementsDeferred: 0, failed: 0 });
  expect(await runOf('bankStatementReconciliation', statementRunName(statement.fileName))).toHaveLength(1);
}, 60_000);
