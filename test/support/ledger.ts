import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedgerStore } from '../../lambdas/adapters/dynamodb/ledger-store';
import { verifyLedger } from '../../lambdas/adapters/dynamodb/ledger-verifier';
import { DynamoDbPricingRepository } from '../../lambdas/adapters/dynamodb/pricing-repository';
import type { LedgerLayout } from '../../lambdas/domain/ledger/balances';
import type { VerificationReport } from '../../lambdas/domain/ledger/verification';
import type { CapturePostingDeps } from '../../lambdas/use-cases/ledger/postings';
import type { RetryPolicy } from '../../lambdas/use-cases/ledger/post-transaction';
import { ensureTables } from '../../local/tables';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';

/**
 * A ledger on its own DynamoDB Local namespace (a fresh access key: DynamoDB Local keeps one database per
 * credential), with the real adapters. Several per test file are fine: each property-test run gets one.
 */
export interface LedgerHarness {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly store: DynamoDbLedgerStore;
  readonly pricing: DynamoDbPricingRepository;
  readonly deps: CapturePostingDeps;
  verify(): Promise<VerificationReport>;
  close(): void;
}

export const createLedgerHarness = async (
  endpoint: string,
  options: { readonly region?: string; readonly retry?: RetryPolicy; readonly layout?: Partial<LedgerLayout>; readonly accessKeyId?: string } = {},
): Promise<LedgerHarness> => {
  const client = new DynamoDBClient({
    endpoint,
    region: deployment.primaryRegion,
    credentials: { accessKeyId: options.accessKeyId ?? `L${randomBytes(9).toString('hex').toUpperCase()}`, secretAccessKey: 'test' },
    maxAttempts: 3,
  });
  await ensureTables(client, ['ledger', 'merchants']);
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbLedgerStore(documentClient, tableName('ledger'), options.layout);
  const pricing = new DynamoDbPricingRepository(documentClient, tableName('merchants'));
  return {
    client,
    documentClient,
    store,
    pricing,
    deps: {
      ledger: store,
      pricing,
      region: options.region ?? deployment.primaryRegion,
      primaryRegion: deployment.primaryRegion,
      now: () => new Date(),
      retry: options.retry,
      layout: options.layout,
    },
    verify: () => verifyLedger(documentClient, tableName('ledger')),
    close: () => client.destroy(),
  };
};
