import { accessContracts } from '../../contracts/access';
import { keyIdOf } from '../../domain/api-key';
import { ResourceNotFoundError } from '../../domain/errors';
import { presentApiKey } from '../../shared/http/access-presenters';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { revokeApiKey } from '../../use-cases/revoke-api-key';
import { merchantRepository } from '../../wiring/merchants';

/** POST /v1/api_keys/{id}/revoke: never the merchant's last active key (409 last_active_api_key). */
const merchants = merchantRepository();

export const handler = merchantCommandEndpoint({
  operation: 'revokeApiKey',
  audit: { action: 'api_key.revoke' },
  body: accessContracts.revokeApiKey.body,
  fingerprintView: (body) => body,
  handle: async (request) => {
    const publicId = request.pathParameters.id ?? '';
    const keyId = keyIdOf(publicId);
    if (!keyId) throw new ResourceNotFoundError('api_key', publicId);
    const revoked = await revokeApiKey(
      { merchants, now: () => new Date() },
      { merchantId: request.principal.merchantId, keyId, commandId: request.commandId, keepOneActive: true, callerScopes: request.principal.scopes },
    );
    const after = presentApiKey(revoked.after);
    return {
      status: 200,
      body: after,
      change: revoked.revokedByThisCommand ? { target: { type: 'api_key', id: after.id }, before: presentApiKey(revoked.before), after } : undefined,
    };
  },
});
