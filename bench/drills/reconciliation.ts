import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbReconciliationRepository } from '../../lambdas/adapters/dynamodb/reconciliation-repository';
import { deriveId } from '../../lambdas/domain/ids';
import { contractFee } from '../../lambdas/domain/reconciliation/matching';
import { ledgerPostingDeps } from '../../lambdas/wiring/ledger';
import { postLedgerEvent, reversePosting } from '../../lambdas/use-cases/ledger/postings';
import { payoutDebitOf } from '../../lambdas/use-cases/payout-saga/settle-payout';
import { payoutFundsReleased, payoutFundsReserved, payoutPaid } from '../../lambdas/domain/ledger/postings';
import { type StatementEntryInput, buildBankStatement, writeBankStatement } from '../../local/simulators/bank/statements';
import type { ReconciliationBreak, SettlementExpectation } from '../../lambdas/ports/reconciliation-repository';
import { mulberry32 } from '../../local/simulators/card-acquirer/random';
import { type SettledItem, buildSettlementReport } from '../../local/simulators/card-acquirer/settlement-reports';
import { createHash } from 'node:crypto';
import { cardChannels } from '../../platform/channels';
import { tableName } from '../../platform/tables';
import { bulkLoadPayments } from '../lib/ledger-bulk-load';
import type { BenchPlatform } from '../lib/platform';
import type { DrillResult } from './common';

/**
 * Drill `reconciliation` (issue 16): a settlement report of `lines` captures with known breaks of every kind,
 * reconciled by the real workflow (statemachines/settlement-reconciliation.asl.json on the local engine, the
 * real task handlers, DynamoDB Local through the capacity proxy). Passes when reconciliation finds exactly
 * the breaks put in (`found_breaks` = `injected_breaks`, `false_breaks` = 0), the ledger verifies clean, the
 * acquirer's fees are booked once, and the same file sent again changes nothing.
 *
 * The settled lines are built directly in DynamoDB Local, not by running `lines` full payments (10,000
 * payments through the API would take the drill's whole budget many times over on this machine): each
 * payment's capture, and for a share of them the settlement the acquirer's capture.settled webhook posts
 * (under the capture id), are made by the ledger's own posting templates, balance planning and storage codec
 * and written in bulk (bench/lib/ledger-bulk-load.ts), then checked by the ledger verifier; the batch's
 * expectations are written as the webhook writes them. The report is the acquirer simulator's generator
 * (local/simulators/card-acquirer/settlement-reports.ts), written where the simulators write theirs. The
 * run itself is the real workflow doing real postings: `seconds_per_10k_lines` times only the run.
 *
 * Breaks put in: from the generator, fee mismatches, captures left out, amount and currency mismatches and
 * duplicated lines; from the ledger side, captures posted more than 3 days before the value date (late) and
 * report lines naming payments the ledger never captured (missing in the ledger); and a second report whose
 * batch nobody announced (unknown batch).
 *
 * Then the bank's side (decision 0032): the report's run recorded the pay-in the bank must credit; the drill
 * adds pay-ins of further batches (as their reports' runs would have recorded them) and pays out a few
 * payouts through the ledger's own postings (one of them returned), and the simulated bank's camt.053
 * statement of the day credits and debits them, with its generator's breaks (credits left out, of another
 * amount, twice, late, for no batch; debits of another amount, twice, for no payout, left out) and a
 * statement of the CAD account crediting USD batches (currency mismatch). The payouts were paid yesterday
 * (their due debits recorded as the Settle step records them, with yesterday's value date), so today's
 * statement judges them (decision 0043: a debit may come a day late): those it debits are the day of grace
 * used, those it leaves out are `missing_in_statement`; the returned one was paid, debited, then returned. The real bank statement workflow reconciles
 * both; its breaks count in `injected_breaks` / `found_breaks` / `false_breaks` with the report's, and a
 * replayed statement and a truncated one must change nothing.
 */
export interface ReconciliationDrillOptions {
  readonly lines: number;
  /** Breaks of each kind (at least 1). */
  readonly breaksPerKind: number;
  /** Share of captures settled by the webhook before the report comes (the rest the report settles). */
  readonly webhookShare: number;
  readonly concurrency: number;
  readonly seed: number;
}

const CHANNEL = 'atlas';
const CURRENCY = 'USD';
const PAYOUT_AMOUNTS = [1_000, 1_500, 2_000, 2_500] as const;

export const reconciliationDrill = async (platform: BenchPlatform, options: ReconciliationDrillOptions): Promise<DrillResult> => {
  const started = Date.now();
  const violations: string[] = [];
  const random = mulberry32(options.seed * 7919 + 11);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: platform.runtime.dynamoDbEndpoint }), { marshallOptions: { removeUndefinedValues: true } });
  const reports = new DynamoDbReconciliationRepository(client, tableName('reconciliation'));
  const deps = ledgerPostingDeps();
  const valueDate = new Date().toISOString().slice(0, 10);
  const batchId = `${CHANNEL}-usd-${Date.now()}${options.seed}`;
  const perKind = Math.max(1, options.breaksPerKind);
  const merchants = Array.from({ length: 8 }, (_, index) => `mer_drill_recon_${index}`);

  // The ledger side: captures (some posted 5 days ago: late), a share settled by the webhook.
  const captured = Math.max(perKind * 6, options.lines - perKind);
  const late = new Set(Array.from({ length: perKind }, (_, index) => index));
  const payments = Array.from({ length: captured }, (_, index) => ({
    paymentId: deriveId('pay', 'drill-reconciliation', batchId, String(index)),
    captureId: `cap_${batchId}_${index}`,
    merchantId: merchants[index % merchants.length] as string,
    amount: 100 + Math.floor(random() * 250_000),
    byWebhook: !late.has(index) && random() < options.webhookShare,
    late: late.has(index),
  }));
  const fiveDaysAgo = new Date(Date.now() - 5 * 86_400_000);
  const setupStarted = Date.now();
  await bulkLoadPayments(
    client,
    tableName('ledger'),
    deps.region,
    payments.map((payment) => ({
      merchantId: payment.merchantId,
      paymentId: payment.paymentId,
      channel: CHANNEL,
      currency: CURRENCY,
      amount: payment.amount,
      capturedAt: payment.late ? fiveDaysAgo : new Date(),
      ...(payment.byWebhook ? { settlementId: payment.captureId } : {}),
    })),
    options.concurrency,
  );
  const expectations: SettlementExpectation[] = payments.map((payment) => ({
    channel: CHANNEL,
    batchId,
    captureId: payment.captureId,
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    amount: payment.amount,
    currency: CURRENCY,
    announcedAt: new Date().toISOString(),
  }));
  await reports.recordExpectations(expectations);
  const setupSeconds = (Date.now() - setupStarted) / 1000;

  // The acquirer's side: its report of the batch, with the generator's breaks, plus lines for payments the ledger never had.
  const fee = (amount: number) => contractFee(cardChannels.atlas.fees, amount, CURRENCY);
  const ghosts: SettledItem[] = Array.from({ length: perKind }, (_, index) => {
    const amount = 500 + index;
    return { type: 'capture', ourReference: deriveId('pay', 'drill-reconciliation-ghost', batchId, String(index)), theirReference: `cap_ghost_${batchId}_${index}`, gross: amount, fee: fee(amount), currency: CURRENCY };
  });
  const items: SettledItem[] = [
    ...payments.map((payment): SettledItem => ({ type: 'capture', ourReference: payment.paymentId, theirReference: payment.captureId, gross: payment.amount, fee: fee(payment.amount), currency: CURRENCY })),
    ...ghosts,
  ];
  const untouched = new Set([...payments.filter((payment) => payment.late).map((payment) => payment.captureId), ...ghosts.map((ghost) => ghost.theirReference)]);
  const report = buildSettlementReport({
    channel: CHANNEL,
    batchId,
    currency: CURRENCY,
    valueDate,
    items,
    seed: options.seed,
    untouched,
    breaks: { fee_mismatch: perKind, missing_capture: perKind, amount_mismatch: perKind, currency_mismatch: perKind, duplicate_line: perKind },
  });
  const unknown = buildSettlementReport({ channel: CHANNEL, batchId: `${batchId}u`, currency: CURRENCY, valueDate, items: ghosts.slice(0, 1), seed: options.seed, breaks: { unknown_batch: true } });
  // Where the acquirers' SFTP server serves them from (local/card-channels.ts): the workflow fetches them over SFTP.
  const directory = join(platform.stateDir, 'settlement-reports', CHANNEL);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, report.fileName), report.csv);
  writeFileSync(join(directory, unknown.fileName), unknown.csv);
  const expected = [
    ...report.injected.map((each) => `${each.kind} ${each.theirReference}`),
    ...payments.filter((payment) => payment.late).map((payment) => `late ${payment.captureId}`),
    ...ghosts.map((ghost) => `missing_in_ledger ${ghost.theirReference}`),
    ...unknown.injected.map((each) => `unknown_batch ${each.theirReference}`),
  ];
  const kinds = new Set(expected.map((key) => key.split(' ')[0] as string));
  /** The files whose breaks this drill counts (the reports', then the statements'). */
  const documents = new Set([report.sha256, unknown.sha256]);

  // The run, as operations would start it: one execution per file, named by it.
  const engine = platform.runtime.stepFunctions;
  const run = async (file: string, suffix: string) => {
    const { executionArn } = await engine.startExecution({
      stateMachineArn: engine.stateMachineArn('settlementReconciliation'),
      name: `${CHANNEL}-${file.replace(/\.csv$/, '')}${suffix}`.slice(0, 80),
      input: JSON.stringify({ channel: CHANNEL, file }),
    });
    return engine.waitForExecution(executionArn as string);
  };
  const runStarted = Date.now();
  const done = await run(report.fileName, '');
  const runSeconds = (Date.now() - runStarted) / 1000;
  if (done.status !== 'SUCCEEDED') violations.push(`the run ended ${done.status}: ${done.error ?? ''} ${done.cause ?? ''}`.trim());
  const quarantined = await run(unknown.fileName, '');
  if (quarantined.error !== 'SettlementReportQuarantined') violations.push(`the unknown batch's run ended ${quarantined.status} ${quarantined.error ?? ''}, not quarantined`);

  // The bank's side: more batches' pay-ins, payouts paid (one returned), the day's statements.
  const statementStarted = Date.now();
  const payIns = Array.from({ length: perKind * 7 }, (_, index) => ({
    channel: CHANNEL,
    batchId: `${batchId}s${index}`,
    reference: `pout_${createHash('sha256').update(`drill\u0000${batchId}\u0000${index}`).digest('hex').slice(0, 24)}`,
    amount: 10_000 + Math.floor(random() * 5_000_000),
    currency: CURRENCY,
    valueDate,
  }));
  for (const payIn of payIns) await reports.recordBankPayIn(payIn);
  const misrouted = payIns.slice(0, perKind);
  const payouts: { payoutId: string; amount: number }[] = [];
  const paidOn = new Date(Date.parse(`${valueDate}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  for (let index = 0; index < perKind * 4 + 1; index += 1) {
    const payoutId = deriveId('po', 'drill-reconciliation', batchId, String(index));
    const amount = PAYOUT_AMOUNTS[index % PAYOUT_AMOUNTS.length] as number;
    const merchantId = merchants[index % merchants.length] as string;
    await postLedgerEvent(deps, payoutFundsReserved, { merchantId, payoutId, amount, currency: CURRENCY });
    const posted = await postLedgerEvent(deps, payoutPaid, { merchantId, payoutId, channel: 'meridian' });
    await reports.recordPayoutDebit({ ...payoutDebitOf(posted.transaction, 'meridian'), valueDate: paidOn });
    if (index === 0) {
      await reversePosting(deps, { transactionId: posted.transaction.id });
      await postLedgerEvent(deps, payoutFundsReleased, { merchantId, payoutId, reason: 'returned' });
    }
    payouts.push({ payoutId, amount });
  }
  const toCredit = (payIn: { reference: string; amount: number; batchId: string }): StatementEntryInput => ({ kind: 'acquirer_credit', reference: payIn.reference, amount: payIn.amount, valueDate, remittance: `${CHANNEL} settlement ${payIn.batchId}` });
  const [returned, ...paid] = payouts as [{ payoutId: string; amount: number }, ...{ payoutId: string; amount: number }[]];
  const statementEntries: StatementEntryInput[] = [
    toCredit({ reference: report.payout.theirReference, amount: report.payout.net, batchId }),
    ...payIns.slice(perKind).map(toCredit),
    ...paid.map(({ payoutId, amount }): StatementEntryInput => ({ kind: 'payout_debit', reference: payoutId, amount, valueDate })),
    { kind: 'payout_debit', reference: returned.payoutId, amount: returned.amount, valueDate },
    { kind: 'payout_return', reference: returned.payoutId, amount: returned.amount, valueDate, returnReason: 'AC04' },
  ];
  const cad = buildBankStatement({ currency: 'CAD', date: valueDate, sequence: options.seed, openingBalance: 0, entries: misrouted.map(toCredit) });
  const statement = buildBankStatement({
    currency: CURRENCY,
    date: valueDate,
    sequence: options.seed,
    openingBalance: 50_000_000,
    entries: statementEntries,
    seed: options.seed,
    breaks: {
      missing_credit: perKind,
      credit_amount_mismatch: perKind,
      duplicate_credit: perKind,
      late_credit: perKind,
      unknown_credit: perKind,
      debit_amount_mismatch: perKind,
      duplicate_debit: perKind,
      unknown_debit: perKind,
      missing_debit: perKind,
    },
  });
  const reportsRoot = join(platform.stateDir, 'settlement-reports');
  writeBankStatement(reportsRoot, cad);
  writeBankStatement(reportsRoot, statement);
  const truncatedFile = `camt053-truncated-${batchId}.xml`;
  writeFileSync(join(reportsRoot, 'statements', truncatedFile), statement.xml.slice(0, Math.floor(statement.xml.length * 0.6)));
  const runStatement = async (file: string, suffix: string) => {
    const { executionArn } = await engine.startExecution({
      stateMachineArn: engine.stateMachineArn('bankStatementReconciliation'),
      name: `bank-${file.replace(/\.xml$/, '')}${suffix}`.slice(0, 80),
      input: JSON.stringify({ file }),
    });
    return engine.waitForExecution(executionArn as string);
  };
  const cadDone = await runStatement(cad.fileName, '');
  if (cadDone.status !== 'SUCCEEDED') violations.push(`the CAD statement's run ended ${cadDone.status}: ${cadDone.error ?? ''} ${cadDone.cause ?? ''}`.trim());
  const statementDone = await runStatement(statement.fileName, '');
  if (statementDone.status !== 'SUCCEEDED') violations.push(`the statement's run ended ${statementDone.status}: ${statementDone.error ?? ''} ${statementDone.cause ?? ''}`.trim());
  const statementSeconds = (Date.now() - statementStarted) / 1000;
  const statementExpected = [
    ...statement.injected.map((each) => `${each.kind} ${each.reference}`),
    ...misrouted.map((payIn) => `currency_mismatch ${payIn.reference}`),
  ];
  expected.push(...statementExpected);
  for (const each of statementExpected) kinds.add(each.split(' ')[0] as string);
  documents.add(statement.sha256);
  documents.add(cad.sha256);
  const statementReplay = await runStatement(statement.fileName, '-replay');
  if (statementReplay.status !== 'SUCCEEDED' || !String(statementReplay.output ?? '').includes('"replayed"')) violations.push(`the replayed statement was not recognised: ${statementReplay.status} ${statementReplay.output ?? ''}`);
  const truncated = await runStatement(truncatedFile, '');
  if (truncated.error !== 'BankStatementRejected') violations.push(`the truncated statement's run ended ${truncated.status} ${truncated.error ?? ''}, not rejected`);

  // What reconciliation found, against what was put in.
  const found: ReconciliationBreak[] = [];
  let after: ReconciliationBreak | undefined;
  for (;;) {
    const page = await reports.listBreaks({ status: 'open', limit: 100, after });
    found.push(...page.breaks.filter((each) => each.reportSha256 !== null && documents.has(each.reportSha256)));
    if (!page.hasMore) break;
    after = page.breaks.at(-1);
  }
  const foundKeys = found.map((each) => `${each.kind} ${each.kind === 'unknown_batch' && each.reportSha256 === unknown.sha256 ? each.batchId : each.theirReference}`);
  const expectedLeft = [...expected];
  let falseBreaks = 0;
  for (const key of foundKeys) {
    const index = expectedLeft.indexOf(key);
    if (index >= 0) expectedLeft.splice(index, 1);
    else falseBreaks += 1;
  }
  const foundBreaks = expected.length - expectedLeft.length;
  if (falseBreaks > 0) violations.push(`${falseBreaks} breaks nobody put in, e.g. ${foundKeys.filter((key) => !expected.includes(key)).slice(0, 3).join('; ')}`);
  if (expectedLeft.length > 0) violations.push(`${expectedLeft.length} breaks put in and not found, e.g. ${expectedLeft.slice(0, 3).join('; ')}`);

  // The books: balanced, the fees booked once, and a replayed file changes nothing.
  const verified = await verifyLedger(client, tableName('ledger'));
  if (verified.differences.length > 0) violations.push(`ledger: ${verified.differences.length} differences, e.g. ${JSON.stringify(verified.differences[0])}`);
  // Fees per currency (a line in the wrong currency is booked in its own); this drill's ledger is fresh.
  const feesOf = (balances: typeof verified.derivedBalances) =>
    balances.filter((balance) => balance.account.startsWith('platform_acquirer_fees:') && balance.region === 'all').reduce((sum, balance) => sum + balance.balance, 0);
  const reportFees = report.payout.interchangeFee + report.payout.schemeFee;
  if (feesOf(verified.derivedBalances) !== reportFees) violations.push(`fees booked ${feesOf(verified.derivedBalances)}, the report kept ${reportFees}`);
  const replay = await run(report.fileName, '-replay');
  const afterReplay = await verifyLedger(client, tableName('ledger'));
  if (replay.status !== 'SUCCEEDED' || afterReplay.transactions !== verified.transactions || feesOf(afterReplay.derivedBalances) !== feesOf(verified.derivedBalances)) {
    violations.push(`the replayed file changed something: run ${replay.status}, transactions ${verified.transactions} → ${afterReplay.transactions}`);
  }
  const summary = JSON.parse(done.output ?? '{}') as Record<string, unknown>;
  const lines = report.lines.length;
  return {
    name: 'reconciliation',
    passed: violations.length === 0,
    lost: expectedLeft.length,
    duplicated: 0,
    server_errors: 0,
    counts: {
      lines,
      injected_breaks: expected.length,
      found_breaks: foundBreaks,
      false_breaks: falseBreaks,
      break_kinds: [...kinds].sort(),
      seconds_per_10k_lines: Number(((runSeconds * 10_000) / lines).toFixed(2)),
      run_seconds: Number(runSeconds.toFixed(2)),
      setup_seconds: Number(setupSeconds.toFixed(2)),
      settled_by_report: summary.settled ?? null,
      already_settled_by_webhook: summary.already_settled ?? null,
      fees_booked: reportFees,
      ledger_transactions: verified.transactions,
      statement_entries: statement.entries.length + cad.entries.length,
      statement_injected_breaks: statementExpected.length,
      statement_seconds: Number(statementSeconds.toFixed(2)),
    },
    violations,
    seconds: (Date.now() - started) / 1000,
  };
};
