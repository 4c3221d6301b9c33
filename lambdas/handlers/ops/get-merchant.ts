import * as z from 'zod/mini';
import { presentApiKey, presentMerchant } from '../../shared/http/access-presenters';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { presentList } from '../../shared/http/presenters';
import { lookUpMerchant } from '../../use-cases/look-up-merchant';
import { merchantRepository } from '../../wiring/merchants';

/** Operator API: GET /v1/merchants/{id} (ops_viewer): the merchant and its newest keys, redacted. */
const merchants = merchantRepository();

export const handler = operatorQueryEndpoint({
  operation: 'opsGetMerchant',
  query: z.strictObject({}),
  handle: async (request) => {
    const merchantId = request.pathParameters.id ?? '';
    const { merchant, keys } = await lookUpMerchant({ merchants }, { merchantId, keyLimit: 20 });
    return {
      status: 200,
      body: { ...presentMerchant(merchant), api_keys: presentList(keys.keys.map(presentApiKey), keys.hasMore, `/v1/merchants/${merchant.id}`) },
    };
  },
});
