import * as z from 'zod/mini';
import { presentApiKey } from '../../shared/http/access-presenters';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { createApiKey } from '../../use-cases/create-api-key';
import { merchantRepository } from '../../wiring/merchants';

/** Operator API: POST /v1/merchants/{id}/api_keys (ops_admin): a new key for the merchant, shown once. */
const merchants = merchantRepository();

export const handler = operatorCommandEndpoint({
  operation: 'opsCreateApiKey',
  audit: { action: 'api_key.create' },
  body: z.strictObject({}, { error: 'must be an empty JSON object: {}' }),
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const { key, secretKey } = await createApiKey({ merchants, now: () => new Date() }, { merchantId });
    const presented = presentApiKey(key);
    return {
      status: 201,
      body: presented,
      change: { merchantId, target: { type: 'api_key', id: presented.id }, before: null, after: presented },
      once: { secret: secretKey },
    };
  },
});
