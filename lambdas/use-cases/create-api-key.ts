import { type ApiKeyScope, MAX_ACTIVE_API_KEYS, MAX_ACTIVE_RESTRICTED_KEYS, derivedKeyId, hashApiKey, issueApiKey, scopesWithin } from '../domain/api-key';
import { IdempotencyKeyReusedError } from '../domain/errors';
import { ApiKeyExistsError, type ApiKeyRecord, ApiKeyScopeError } from '../domain/merchant';
import type { MerchantRepository } from '../ports/merchant-repository';

export interface CreatedApiKey {
  readonly key: ApiKeyRecord;
  /** The only time the secret key exists outside the merchant's hands: it is stored nowhere. */
  readonly secretKey: string;
}

/** How long a command may re-issue the secret of the key it created: the idempotency window. */
const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Issue a merchant a new secret key (the first one at onboarding, or the successor in a rotation), or a
 * restricted key (`scopes`: `rk_test_`, only those scopes).
 * 0. A restricted caller (`callerScopes`) may only create restricted keys within its own scopes
 *    (ApiKeyScopeError): a leaked restricted key cannot mint a secret key or widen itself.
 * 1. Generate the key; keep only its SHA-256. Its id is random, or derived from `commandId` (the merchant
 *    API's Idempotency-Key) so that every retry of one command addresses the same key.
 * 2. Store it active, atomically with the merchant's count of active keys of its kind: a merchant holds at
 *    most MAX_ACTIVE_API_KEYS secret and MAX_ACTIVE_RESTRICTED_KEYS restricted keys
 *    (ApiKeyLimitReachedError), an unknown merchant none (ResourceNotFoundError).
 * 3. If the command's key exists already, this is a retry whose first answer never reached the caller
 *    (an answer that did is replayed before this runs): the first secret was never seen, so the same key
 *    gets a new secret instead of a second key taking a slot. After the idempotency window, or if that key
 *    was revoked meanwhile, the Idempotency-Key is refused as reused.
 * 4. Return the secret once.
 */
export const createApiKey = async (
  deps: { readonly merchants: MerchantRepository; readonly now: () => Date },
  command: {
    readonly merchantId: string;
    readonly commandId?: string;
    readonly scopes?: readonly ApiKeyScope[];
    readonly callerScopes?: readonly ApiKeyScope[];
  },
): Promise<CreatedApiKey> => {
  if (command.callerScopes && !command.scopes) throw new ApiKeyScopeError('A restricted key may only create restricted keys: send the scopes the new key needs.');
  if (command.scopes && !scopesWithin(command.scopes, command.callerScopes)) {
    throw new ApiKeyScopeError('A restricted key may only create keys within its own scopes.');
  }
  const scopes = command.scopes ? [...new Set(command.scopes)].sort() : undefined;
  const issued = issueApiKey(command.commandId ? derivedKeyId(command.merchantId, command.commandId) : undefined, scopes ? 'restricted' : 'secret');
  const now = deps.now();
  const key: ApiKeyRecord = {
    keyId: issued.keyId,
    merchantId: command.merchantId,
    secretHash: issued.secretHash,
    status: 'active',
    createdAt: now.toISOString(),
    ...(scopes ? { scopes } : {}),
    ...(command.commandId ? { createdByCommand: command.commandId } : {}),
  };
  try {
    await deps.merchants.addApiKey(key, { maxActive: scopes ? MAX_ACTIVE_RESTRICTED_KEYS : MAX_ACTIVE_API_KEYS });
    return { key, secretKey: issued.secretKey };
  } catch (error) {
    if (!(error instanceof ApiKeyExistsError) || !command.commandId) throw error;
    const existing = await deps.merchants.getApiKey(key.keyId, { consistent: true });
    const retryable =
      existing?.merchantId === command.merchantId &&
      now.getTime() - Date.parse(existing.createdAt) < RETRY_WINDOW_MS &&
      JSON.stringify(existing.scopes ?? null) === JSON.stringify(scopes ?? null);
    const secretHash = hashApiKey(issued.secretKey);
    if (!existing || !retryable || !(await deps.merchants.replaceApiKeySecret(key.keyId, { secretHash, createdByCommand: command.commandId }))) {
      throw new IdempotencyKeyReusedError();
    }
    return { key: { ...existing, secretHash }, secretKey: issued.secretKey };
  }
};
