import type { AuditEntry, AuditRecord } from '../domain/audit';

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly hasMore: boolean;
}

/**
 * The append-only audit log (docs/decisions/0008-audit-log.md): one hash chain per merchant and writing
 * region. There is no update or delete, here or in any function's IAM permissions.
 */
export interface AuditLog {
  /** Appends to the merchant's chain in this region, linking to its last entry; retries when another append wins the race. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /** One page of a chain, newest first; `beforeSeq` continues below that entry. */
  list(merchantId: string, region: string, page: { readonly limit: number; readonly beforeSeq?: number }): Promise<AuditPage>;
  /** Every entry of a chain, oldest first (strongly consistent reads), for verification. */
  read(merchantId: string, region: string): AsyncIterable<AuditEntry>;
}
