import { treasuryContracts } from '../../contracts/treasury';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentList } from '../../shared/http/presenters';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { listPayouts } from '../../use-cases/payouts/get-objects';

/** GET /v1/payouts?limit=&starting_after= */
const payouts = payoutRepositoryFromEnvironment();

const query = treasuryContracts.listPayouts.query;

export const handler = merchantQueryEndpoint({
  operation: 'listPayouts',
  query,
  handle: async (request) => {
    const page = await listPayouts({ payouts }, { merchantId: request.principal.merchantId, limit: request.query.limit, startingAfter: request.query.starting_after });
    return { status: 200, body: presentList(page.payouts.map(presentPayout), page.hasMore, '/v1/payouts') };
  },
});
