import { DynamoDbAuditLog } from '../adapters/dynamodb/audit-log';
import type { AuditEntry, AuditRecord } from '../domain/audit';
import { dynamoDbDocumentClient } from './clients';
import { awsRegion, tableNameFromEnv } from './config';
import type { LogNote } from './http/merchant-endpoint';

/**
 * The audit log of a function that appends to it or reads it (its declaration grants the `audit` table:
 * Query and PutItem, never UpdateItem or DeleteItem). Chains are per region: the function's own
 * (AWS_REGION, which Lambda always sets and the local runtime sets to the primary region).
 */
let auditLog: DynamoDbAuditLog | undefined;

export const auditLogFromEnvironment = (): DynamoDbAuditLog => {
  if (!auditLog) {
    auditLog = new DynamoDbAuditLog(dynamoDbDocumentClient(), tableNameFromEnv('audit'), awsRegion());
  }
  return auditLog;
};

/**
 * Append an entry and note the chain's new head (seq and hash) on the invocation's log line (`request
 * handled`, or `request failed`). That line is the anchor that makes a rewrite of the chain's tail
 * detectable: CloudWatch Logs keeps it, out of reach of the table's writers (decision record 0008).
 */
export const recordAudit = async (log: DynamoDbAuditLog, record: AuditRecord, note: LogNote): Promise<AuditEntry> => {
  const entry = await log.append(record);
  note({
    // The chain exactly: a merchant has AUDIT_STRIPES chains per region, each with its own seq.
    audit_chain: `${entry.merchant_id}@${entry.region}/${entry.stripe}`,
    audit_seq: entry.seq,
    audit_hash: entry.hash,
    audit_action: entry.action,
    audit_target: entry.target.id,
  });
  return entry;
};
