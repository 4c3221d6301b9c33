import { AUDIT_STRIPES, type ChainReport, ChainVerifier } from '../domain/audit';
import type { AuditLog, AuditPage } from '../ports/audit-log';

/**
 * Operators: one page of a merchant's audit log, newest first, across its chains and regions.
 * 1. Read the page after `startingAfter` (the previous page's last entry id), or the newest.
 */
export const listAuditEntries = (
  deps: { readonly audit: AuditLog },
  query: { readonly merchantId: string; readonly limit: number; readonly startingAfter?: string },
): Promise<AuditPage> => deps.audit.list(query.merchantId, { limit: query.limit, startingAfter: query.startingAfter });

/**
 * Verify a merchant's audit chains: every stripe in every region it may have been written in.
 * 1. Read each chain oldest first.
 * 2. Check each link (sequence, previous hash, own hash) and stop at the chain's first broken one.
 * 3. Report per chain: entries checked, the last good head, the first break.
 */
export const verifyAuditChains = async (
  deps: { readonly audit: AuditLog },
  query: { readonly merchantId: string; readonly regions: readonly string[] },
): Promise<ChainReport[]> => {
  const reports: ChainReport[] = [];
  for (const region of query.regions) {
    for (let stripe = 0; stripe < AUDIT_STRIPES; stripe += 1) {
      const chain = { merchantId: query.merchantId, region, stripe };
      const verifier = new ChainVerifier(chain);
      for await (const entry of deps.audit.read(chain)) {
        if (!verifier.check(entry)) break;
      }
      reports.push(verifier.report());
    }
  }
  return reports;
};
