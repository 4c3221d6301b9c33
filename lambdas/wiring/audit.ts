import { DynamoDbAuditLog } from '../adapters/dynamodb/audit-log';
import type { AuditLog } from '../ports/audit-log';
import { dynamoDbDocumentClient } from '../shared/clients';
import { awsRegion, tableNameFromEnv } from '../shared/config';

/**
 * The composition root of the audit area (lambdas/wiring/, decision 0037): the audit log of a function that
 * appends to it or reads it (its declaration grants the `audit` table: Query and PutItem, never UpdateItem or
 * DeleteItem). Chains are per region: the function's own (AWS_REGION, which Lambda always sets and the local
 * runtime sets to the primary region).
 */
let log: AuditLog | undefined;

export const auditLog = (): AuditLog => {
  log ??= new DynamoDbAuditLog(dynamoDbDocumentClient(), tableNameFromEnv('audit'), awsRegion());
  return log;
};
