import { treasuryContracts } from '../../contracts/treasury';
import { listRequestOf } from '../../shared/http/list-query';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { listPayouts } from '../../use-cases/payouts/get-objects';

/** GET /v1/payouts?limit=&starting_after=&ending_before=&created[gte|gt|lte|lt]= (docs/api.md, "Lists") */
const payouts = payoutRepository();

const query = treasuryContracts.listPayouts.query;

export const handler = merchantQueryEndpoint({
  operation: 'listPayouts',
  query,
  handle: async (request) => {
    const page = await listPayouts({ payouts }, listRequestOf(request.principal.merchantId, request.query));
    return { status: 200, body: presentList(page.payouts.map(presentPayout), page.hasMore, '/v1/payouts') };
  },
});
