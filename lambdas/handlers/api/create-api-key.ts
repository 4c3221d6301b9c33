import { accessContracts } from '../../contracts/access';
import { presentApiKey } from '../../shared/http/access-presenters';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { createApiKey } from '../../use-cases/create-api-key';
import { merchantRepository } from '../../wiring/merchants';

/**
 * POST /v1/api_keys: `{}` for the successor secret key of a rotation, `{"scopes": [...]}` for a restricted
 * key (`rk_test_`); its secret is in this response only.
 */
const merchants = merchantRepository();

export const handler = merchantCommandEndpoint({
  operation: 'createApiKey',
  audit: { action: 'api_key.create' },
  body: accessContracts.createApiKey.body,
  fingerprintView: (body) => body,
  handle: async (request) => {
    const { key, secretKey } = await createApiKey(
      { merchants, now: () => new Date() },
      { merchantId: request.principal.merchantId, commandId: request.commandId, scopes: request.body.scopes, callerScopes: request.principal.scopes },
    );
    const presented = presentApiKey(key);
    return {
      status: 201,
      body: presented,
      change: { target: { type: 'api_key', id: presented.id }, before: null, after: presented },
      // Never stored, not even in the idempotency record: a replay answers without it.
      once: { secret: secretKey },
    };
  },
});
