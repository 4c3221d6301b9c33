import { cardChannelNames } from '../../platform/channels';
import { SftpBankStatementSource } from '../adapters/sftp/bank-statement-sftp';
import { SftpSettlementReportSource } from '../adapters/sftp/settlement-report-sftp';
import type { BankStatementDeps } from '../use-cases/reconciliation/bank-statements';
import { sftpEndpointFromEnv } from '../adapters/sftp/sftp-session';
import { StepFunctionsReconciliationRuns } from '../adapters/step-functions/reconciliation-runs';
import type { PullDeps } from '../use-cases/reconciliation/pull-settlement-files';
import { sfnClient } from '../shared/clients';
import { stateMachineArnFromEnv } from './payments';
import type { ReconciliationDeps } from '../use-cases/reconciliation/reconcile-settlement-lines';
import { ledgerDeps } from './ledger';
import { contractFeesOf } from '../shared/reconciliation';
import { reconciliationRepository } from './reconciliation';
import { secretBoundCache } from '../shared/secrets';

/**
 * The reconciliation workflows' dependencies (the reconciliation area's composition root, with ./reconciliation.ts): the `reconciliation` table, the acquirers' SFTP server (SETTLEMENT_SFTP_URL,
 * with the private key and pinned host key SETTLEMENT_SFTP_PRIVATE_KEY / SETTLEMENT_SFTP_HOST_KEY, secrets:
 * decision 0028), the ledger, and each acquirer's contract fees. Built once per function instance, and the
 * report source again after a secret rotation (secretBoundCache). Apart from ./reconciliation.ts so that the functions reading the table alone do not bundle
 * the SSH client.
 */
const reportSource = secretBoundCache((_: 'settlement') => new SftpSettlementReportSource(sftpEndpointFromEnv('SETTLEMENT')));

export const reconciliationDeps = (): ReconciliationDeps => ({
  reports: reconciliationRepository(),
  source: reportSource('settlement'),
  ledger: ledgerDeps(),
  feesOf: contractFeesOf,
  now: () => new Date(),
});

/** The bank statement workflow's: the same table, ledger and SFTP server (statements under /statements, decision 0032). */
const statementSource = secretBoundCache((_: 'settlement') => new SftpBankStatementSource(sftpEndpointFromEnv('SETTLEMENT')));

export const bankStatementDeps = (): BankStatementDeps => ({
  reports: reconciliationRepository(),
  statements: statementSource('settlement'),
  ledger: ledgerDeps(),
  now: () => new Date(),
});

/**
 * The scheduled pull's: the same SFTP server (each channel's directory and /statements) and the two
 * reconciliation workflows it starts. Files modified in the last week are considered (decision 0028).
 */
export const PULL_LOOKBACK_DAYS = 7;

export const settlementPullDeps = (): PullDeps => ({
  reports: reportSource('settlement'),
  statements: statementSource('settlement'),
  runs: new StepFunctionsReconciliationRuns(sfnClient(), {
    settlementReconciliation: stateMachineArnFromEnv('settlementReconciliation'),
    bankStatementReconciliation: stateMachineArnFromEnv('bankStatementReconciliation'),
  }),
  channels: cardChannelNames,
  now: () => new Date(),
  lookbackDays: PULL_LOOKBACK_DAYS,
});
