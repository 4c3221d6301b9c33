import type { AuditEntry, AuditRecord, ChainId } from '../domain/audit';

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly hasMore: boolean;
}

/**
 * The append-only audit log (docs/decisions/0008-audit-log.md): per merchant and writing region, a few
 * independent hash chains (stripes). There is no update or delete, here or in any function's IAM permissions.
 */
export interface AuditLog {
  /** Appends to one of the merchant's chains in this region, linking to its last entry; retries when another append wins the race. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /**
   * A merchant's entries across its chains and regions, newest first (read from the chains, eventually
   * consistent). `startingAfter` is the id of the previous page's last entry (InvalidCursorError when it
   * names no entry of this merchant).
   */
  list(merchantId: string, page: { readonly limit: number; readonly startingAfter?: string }): Promise<AuditPage>;
  /** Every entry of one chain, oldest first (strongly consistent reads), for verification. */
  read(chain: ChainId): AsyncIterable<AuditEntry>;
}
