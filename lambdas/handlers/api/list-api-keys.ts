import { accessContracts } from '../../contracts/access';
import { presentApiKey } from '../../shared/http/access-presenters';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { listApiKeys } from '../../use-cases/list-api-keys';
import { merchantRepository } from '../../wiring/merchants';

/** GET /v1/api_keys?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]=: the merchant's keys, redacted, newest first. */
const merchants = merchantRepository();

const query = accessContracts.listApiKeys.query;

export const handler = merchantQueryEndpoint({
  operation: 'listApiKeys',
  query,
  handle: async (request) => {
    const page = await listApiKeys(
      { merchants },
      listRequestOf(request.principal.merchantId, request.query),
    );
    return { status: 200, body: presentList(page.keys.map(presentApiKey), page.hasMore, '/v1/api_keys') };
  },
});
