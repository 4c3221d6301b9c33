import { type ChainReport, ChainVerifier } from '../domain/audit';
import type { AuditLog, AuditPage } from '../ports/audit-log';

/**
 * Operators: one page of a merchant's audit chain in one region, newest first.
 * 1. Read the page below `beforeSeq` (the last seq of the previous page), or the newest.
 */
export const listAuditEntries = (
  deps: { readonly audit: AuditLog },
  query: { readonly merchantId: string; readonly region: string; readonly limit: number; readonly beforeSeq?: number },
): Promise<AuditPage> => deps.audit.list(query.merchantId, query.region, { limit: query.limit, beforeSeq: query.beforeSeq });

/**
 * Verify a merchant's audit chains, one per region it may have been written in.
 * 1. Read each chain oldest first.
 * 2. Check each link (sequence, previous hash, own hash) and stop at the first broken one.
 * 3. Report per chain: entries checked, the last good head, the first break.
 */
export const verifyAuditChains = async (
  deps: { readonly audit: AuditLog },
  query: { readonly merchantId: string; readonly regions: readonly string[] },
): Promise<ChainReport[]> => {
  const reports: ChainReport[] = [];
  for (const region of query.regions) {
    const verifier = new ChainVerifier(query.merchantId, region);
    for await (const entry of deps.audit.read(query.merchantId, region)) {
      if (!verifier.check(entry)) break;
    }
    reports.push(verifier.report());
  }
  return reports;
};
