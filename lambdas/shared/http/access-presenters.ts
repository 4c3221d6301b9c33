import { deployment } from '../../../platform/deployment';
import { publicKeyId, redactedApiKey } from '../../domain/api-key';
import { type AuditEntry, type ChainReport, auditEntryId } from '../../domain/audit';
import type { Merchant } from '../../domain/merchant';
import type { ApiKeySummary } from '../../ports/merchant-repository';
import type { ApiKeyJson } from '../../contracts/access';

/**
 * Public JSON of API keys, merchants and the audit log (docs/api.md, docs/operations.md). A key is shown
 * by its lookup prefix only; its secret appears once, in the response that creates it, and never here.
 */
export const presentApiKey = (key: ApiKeySummary): ApiKeyJson => ({
  id: publicKeyId(key.keyId),
  object: 'api_key' as const,
  status: key.status,
  restricted: key.scopes !== undefined,
  scopes: key.scopes ? [...key.scopes] : null,
  redacted_key: redactedApiKey(key.keyId, key.scopes !== undefined),
  created_at: key.createdAt,
  revoked_at: key.revokedAt ?? null,
  livemode: deployment.live,
});

export const presentMerchant = (merchant: Merchant) => ({
  id: merchant.id,
  object: 'merchant' as const,
  name: merchant.name,
  status: merchant.status,
  created_at: merchant.createdAt,
});

/**
 * Entries are served as stored and hashed, so anyone can recompute their hashes (docs/decisions/0008), with
 * `object` and `id` (chain and position, the list cursor) added in front: neither is part of the hash.
 */
export const presentAuditEntry = (entry: AuditEntry) => ({ id: auditEntryId(entry), object: 'audit_entry' as const, ...entry });

export const presentAuditVerification = (merchantId: string, chains: readonly ChainReport[]) => ({
  object: 'audit_verification' as const,
  merchant_id: merchantId,
  ok: chains.every((chain) => chain.broken === null),
  chains,
});
