import { type ApiKeyScope, publicKeyId } from '../domain/api-key';
import { ResourceNotFoundError } from '../domain/errors';
import { type ApiKeyRecord, ApiKeyScopeError } from '../domain/merchant';
import type { ApiKeySummary, MerchantRepository } from '../ports/merchant-repository';

export interface RevokedApiKey {
  readonly before: ApiKeySummary;
  readonly after: ApiKeySummary;
  /**
   * True when the key is revoked by this command (now, or by an earlier attempt of the same command that
   * crashed before answering); false when it was already revoked by another one.
   */
  readonly revokedByThisCommand: boolean;
}

const summary = ({ secretHash: _hash, ...rest }: ApiKeyRecord): ApiKeySummary => rest;

const asActive = (key: ApiKeyRecord): ApiKeySummary => {
  const { secretHash: _hash, revokedAt: _at, revokedByCommand: _by, ...rest } = key;
  return { ...rest, status: 'active' };
};

/**
 * Revoke one of a merchant's keys. The authorizer refuses it from then on (locally at once; in AWS once
 * API Gateway's 30-second authorizer cache for that key expires).
 * 1. Load the key; another merchant's key is "not found", like an unknown one.
 * 2. Already revoked: nothing changes (an answer, not an error); say whether this command revoked it.
 * 3. Revoke it atomically with the merchant's count of active keys. With `keepOneActive` (the merchant
 *    API), the last active key is refused (LastActiveApiKeyError): a merchant cannot lock itself out.
 *    Operators may revoke the last key (a leaked key must stop working at once) and issue a new one.
 * 4. A concurrent revocation that wins the race is treated as in 2.
 * A restricted caller (`callerScopes`) may revoke restricted keys only (ApiKeyScopeError): a leaked
 * restricted key cannot lock the merchant out of its secret keys. The last-key rule is about secret keys.
 */
export const revokeApiKey = async (
  deps: { readonly merchants: MerchantRepository; readonly now: () => Date },
  command: {
    readonly merchantId: string;
    readonly keyId: string;
    readonly commandId: string;
    readonly keepOneActive: boolean;
    readonly callerScopes?: readonly ApiKeyScope[];
  },
): Promise<RevokedApiKey> => {
  for (;;) {
    const key = await deps.merchants.getApiKey(command.keyId, { consistent: true });
    if (!key || key.merchantId !== command.merchantId) throw new ResourceNotFoundError('api_key', publicKeyId(command.keyId));
    if (command.callerScopes && !key.scopes) throw new ApiKeyScopeError('A restricted key may only revoke restricted keys.');
    if (key.status === 'revoked') {
      return { before: asActive(key), after: summary(key), revokedByThisCommand: key.revokedByCommand === command.commandId };
    }
    const revoked = await deps.merchants.revokeApiKey(key, {
      revokedAt: deps.now().toISOString(),
      revokedByCommand: command.commandId,
      keepOneActive: command.keepOneActive && !key.scopes,
    });
    if (revoked) return { before: summary(key), after: summary(revoked), revokedByThisCommand: true };
  }
};
