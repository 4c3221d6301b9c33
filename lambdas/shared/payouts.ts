import { DynamoDbPayoutRepository } from '../adapters/dynamodb/payout-repository';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv, awsRegion, optionalTableNameFromEnv } from './config';

/**
 * The `payouts` table of this function instance, built once. The `fx` table joins it only where the
 * function was granted it (creating payouts claims quotes there).
 */
let repository: DynamoDbPayoutRepository | undefined;


export const payoutRepositoryFromEnvironment = (): DynamoDbPayoutRepository => {
  repository ??= new DynamoDbPayoutRepository(dynamoDbDocumentClient(), tableNameFromEnv('payouts'), optionalTableNameFromEnv('fx'), awsRegion());
  return repository;
};
