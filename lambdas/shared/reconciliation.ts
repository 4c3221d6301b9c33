import * as z from 'zod/mini';
import { cardChannels } from '../../platform/channels';
import { DynamoDbReconciliationRepository } from '../adapters/dynamodb/reconciliation-repository';
import { DirectorySettlementReportSource } from '../adapters/files/settlement-report-directory';
import type { AcquirerFees } from '../domain/reconciliation/matching';
import type { ReconciliationDeps } from '../use-cases/reconciliation/reconcile-settlement-lines';
import { dynamoDbDocumentClient } from './clients';
import { readConfig, tableNameFromEnv } from './config';
import { ledgerDeps } from './ledger';

/**
 * Reconciliation's dependencies, built once per function instance: the `reconciliation` table, the
 * reports' directory (`SETTLEMENT_REPORTS_DIR`: locally where the simulators write; in AWS not wired yet,
 * decision 0018), the ledger, and each acquirer's contract fees.
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

let deps: ReconciliationDeps | undefined;

export const reconciliationDeps = (): ReconciliationDeps => {
  if (!deps) {
    const { SETTLEMENT_REPORTS_DIR } = readConfig({ SETTLEMENT_REPORTS_DIR: z.string().check(z.minLength(1)) });
    deps = {
      reports: reconciliationRepositoryFromEnvironment(),
      source: new DirectorySettlementReportSource(SETTLEMENT_REPORTS_DIR),
      ledger: ledgerDeps(),
      feesOf: contractFeesOf,
      now: () => new Date(),
    };
  }
  return deps;
};

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
