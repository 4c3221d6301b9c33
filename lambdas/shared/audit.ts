import type { AuditLog } from '../ports/audit-log';
import type { AuditEntry, AuditRecord } from '../domain/audit';
import type { LogNote } from './http/merchant-endpoint';

/**
 * Append an entry and note the chain's new head (seq and hash) on the invocation's log line (`request
 * handled`, or `request failed`). That line is the anchor that makes a rewrite of the chain's tail
 * detectable: CloudWatch Logs keeps it, out of reach of the table's writers (decision record 0008).
 */
export const recordAudit = async (log: AuditLog, record: AuditRecord, note: LogNote): Promise<AuditEntry> => {
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
