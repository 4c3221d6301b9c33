import * as z from 'zod/mini';
import { cardChannels } from '../../platform/channels';
import { DynamoDbReconciliationRepository } from '../adapters/dynamodb/reconciliation-repository';
import { SftpSettlementReportSource } from '../adapters/sftp/settlement-report-sftp';
import { sftpEndpointFromEnv } from '../adapters/sftp/sftp-session';
import type { AcquirerFees } from '../domain/reconciliation/matching';
import type { ReconciliationDeps } from '../use-cases/reconciliation/reconcile-settlement-lines';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv } from './config';
import { ledgerDeps } from './ledger';
import { secretBoundCache } from './secrets';

/**
 * Reconciliation's dependencies: the `reconciliation` table, the acquirers' SFTP server (SETTLEMENT_SFTP_URL,
 * with the private key and pinned host key SETTLEMENT_SFTP_PRIVATE_KEY / SETTLEMENT_SFTP_HOST_KEY, secrets:
 * decision 0028), the ledger, and each acquirer's contract fees. Built once per function instance, and the
 * report source again after a secret rotation (secretBoundCache).
 */
let repository: DynamoDbReconciliationRepository | undefined;

export const reconciliationRepositoryFromEnvironment = (): DynamoDbReconciliationRepository => {
  repository ??= new DynamoDbReconciliationRepository(dynamoDbDocumentClient(), tableNameFromEnv('reconciliation'));
  return repository;
};

export const contractFeesOf = (channel: string): AcquirerFees => {
  const contract = (cardChannels as Record<string, { fees: AcquirerFees } | undefined>)[channel];
  if (!contract) throw new RangeError(`No contract with channel '${channel}'`);
  return contract.fees;
};

const reportSource = secretBoundCache((_: 'settlement') => new SftpSettlementReportSource(sftpEndpointFromEnv('SETTLEMENT')));

export const reconciliationDeps = (): ReconciliationDeps => ({
  reports: reconciliationRepositoryFromEnvironment(),
  source: reportSource('settlement'),
  ledger: ledgerDeps(),
  feesOf: contractFeesOf,
  now: () => new Date(),
});

/** Parts of the reconciliation workflow's task inputs (statemachines/settlement-reconciliation.asl.json). */
const channel = z.enum(Object.keys(cardChannels) as [string, ...string[]]);
const file = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.csv$/));
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const batchId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
const lineIndex = z.int().check(z.minimum(0));

export const ingestTaskInput = z.object({ channel, file });
export const chunkTaskInput = z.object({ channel, file, sha256, batchId, from: lineIndex, to: lineIndex });
export const completeTaskInput = z.object({
  channel,
  file,
  sha256,
  batchId,
  chunks: z.array(z.object({ lines: lineIndex, settled: lineIndex, alreadySettled: lineIndex, breaks: lineIndex })),
});
