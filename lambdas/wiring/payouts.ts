import { DynamoDbPayoutRepository } from '../adapters/dynamodb/payout-repository';
import type { PayoutRepository } from '../ports/payout-repository';
import { dynamoDbDocumentClient } from '../shared/clients';
import { awsRegion, tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the payouts area (lambdas/wiring/, decision 0037). The `payouts` table of this
 * function instance, built once.
 */
let repository: PayoutRepository | undefined;

export const payoutRepository = (): PayoutRepository => {
  repository ??= new DynamoDbPayoutRepository(dynamoDbDocumentClient(), tableNameFromEnv('payouts'), awsRegion());
  return repository;
};
