import { DynamoDbReconciliationRepository } from '../adapters/dynamodb/reconciliation-repository';
import type { ReconciliationRepository } from '../ports/reconciliation-repository';
import { dynamoDbDocumentClient } from '../shared/clients';
import { tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the reconciliation area (lambdas/wiring/, decision 0037): the `reconciliation`
 * table, for every function that reads or writes it. The workflows' SFTP sources are in
 * ./reconciliation-sftp.ts, so that the functions reading the table alone do not bundle the SSH client.
 */
let repository: ReconciliationRepository | undefined;

export const reconciliationRepository = (): ReconciliationRepository => {
  repository ??= new DynamoDbReconciliationRepository(dynamoDbDocumentClient(), tableNameFromEnv('reconciliation'));
  return repository;
};
