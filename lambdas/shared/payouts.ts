import { DynamoDbPayoutRepository } from '../adapters/dynamodb/payout-repository';
import type { TableKey } from '../../platform/tables';
import { tableEnvVar } from '../../platform/tables';
import { dynamoDbDocumentClient } from './clients';
import { tableNameFromEnv } from './config';

/**
 * The `payouts` table of this function instance, built once. The `fx` table joins it only where the
 * function was granted it (creating payouts claims quotes there).
 */
let repository: DynamoDbPayoutRepository | undefined;

const optionalTable = (table: TableKey): string | undefined => process.env[tableEnvVar(table)] || undefined;

export const payoutRepositoryFromEnvironment = (): DynamoDbPayoutRepository => {
  repository ??= new DynamoDbPayoutRepository(dynamoDbDocumentClient(), tableNameFromEnv('payouts'), optionalTable('fx'));
  return repository;
};
