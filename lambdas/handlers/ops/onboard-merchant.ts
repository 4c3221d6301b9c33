import * as z from 'zod/mini';
import { presentApiKey, presentMerchant } from '../../shared/http/access-presenters';
import { operatorCommandEndpoint } from '../../shared/http/operator-endpoint';
import { idSchema } from '../../shared/http/schemas';
import { onboardMerchant } from '../../use-cases/onboard-merchant';
import { merchantRepository } from '../../wiring/merchants';

/** Operator API: POST /v1/merchants (ops_admin). The merchant's first secret key is in this response only. */
const merchants = merchantRepository();

const body = z.strictObject(
  {
    name: z.string({ error: 'must be a string of 1 to 200 characters' }).check(z.minLength(1), z.maxLength(200)),
    id: z.optional(idSchema('merchant')),
  },
  { error: 'must be a JSON object: {"name": ..., "id": ...}' },
);

export const handler = operatorCommandEndpoint({
  operation: 'opsOnboardMerchant',
  audit: { action: 'merchant.onboard' },
  body,
  handle: async (request) => {
    const onboarded = await onboardMerchant({ merchants, now: () => new Date() }, { name: request.body.name, id: request.body.id });
    const key = presentApiKey(onboarded.key);
    const presented = { ...presentMerchant(onboarded.merchant), api_key: key };
    return {
      status: 201,
      body: presented,
      change: { merchantId: onboarded.merchant.id, target: { type: 'merchant', id: onboarded.merchant.id }, before: null, after: presented },
      once: { api_key: { ...key, secret: onboarded.secretKey } },
    };
  },
});
