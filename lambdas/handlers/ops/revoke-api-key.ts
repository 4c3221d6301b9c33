import * as z from 'zod/mini';
import { keyIdOf } from '../../domain/api-key';
import { ResourceNotFoundError } from '../../domain/errors';
import { presentApiKey } from '../../shared/http/access-presenters';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { revokeApiKey } from '../../use-cases/revoke-api-key';
import { merchantRepository } from '../../wiring/merchants';

/**
 * Operator API: POST /v1/merchants/{id}/api_keys/{key_id}/revoke (ops_admin). Unlike the merchant API,
 * it may revoke the merchant's last active key (a leaked key must stop working now); issue a new one after.
 */
const merchants = merchantRepository();

export const handler = operatorCommandEndpoint({
  operation: 'opsRevokeApiKey',
  audit: { action: 'api_key.revoke' },
  body: z.strictObject({}, { error: 'must be an empty JSON object: {}' }),
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const publicId = request.pathParameters.key_id ?? '';
    const keyId = keyIdOf(publicId);
    if (!keyId) throw new ResourceNotFoundError('api_key', publicId);
    const revoked = await revokeApiKey(
      { merchants, now: () => new Date() },
      { merchantId, keyId, commandId: request.commandId, keepOneActive: false },
    );
    const after = presentApiKey(revoked.after);
    return {
      status: 200,
      body: after,
      change: revoked.revokedByThisCommand
        ? { merchantId, target: { type: 'api_key', id: after.id }, before: presentApiKey(revoked.before), after }
        : undefined,
    };
  },
});
