import { treasuryContracts } from '../../contracts/treasury';
import { merchantQueryEndpoint } from '../../shared/http/merchant-endpoint';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { getPayout } from '../../use-cases/payouts/get-objects';

/** GET /v1/payouts/{id} */
const payouts = payoutRepository();

export const handler = merchantQueryEndpoint({
  operation: 'getPayout',
  query: treasuryContracts.getPayout.query,
  handle: async (request) => {
    const payout = await getPayout({ payouts }, { merchantId: request.principal.merchantId, payoutId: request.pathParameters.id ?? '' });
    return { status: 200, body: presentPayout(payout) };
  },
});
