import { treasuryContracts } from '../../contracts/treasury';
import { fxRepository } from '../../wiring/fx';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentConversion } from '../../shared/http/treasury-presenters';
import { listConversions } from '../../use-cases/fx/get-fx-objects';

/** GET /v1/conversions?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
const quotes = fxRepository();

const query = treasuryContracts.listConversions.query;

export const handler = merchantQueryEndpoint({
  operation: 'listConversions',
  query,
  handle: async (request) => {
    const page = await listConversions({ quotes }, listRequestOf(request.principal.merchantId, request.query));
    return { status: 200, body: presentList(page.conversions.map(presentConversion), page.hasMore, '/v1/conversions') };
  },
});
