import { treasuryContracts } from '../../contracts/treasury';
import { merchantCommandEndpoint } from '../../shared/http/merchant-command-endpoint';
import { presentPayout } from '../../shared/http/treasury-presenters';
import { payoutRepository } from '../../wiring/payouts';
import { workflows } from '../../wiring/payments';
import { cancelPayout } from '../../use-cases/payouts/cancel-payout';

/** POST /v1/payouts/{id}/cancel (body `{}`): cancels, runs the payout workflow to release the funds, answers the result. */

export const handler = merchantCommandEndpoint({
  operation: 'cancelPayout',
  homeRegionOnly: true,
  audit: { action: 'payout.cancel' },
  body: treasuryContracts.cancelPayout.body,
  fingerprintView: () => ({}),
  handle: async (request) => {
    const deps = { payouts: payoutRepository(), workflows: workflows(), now: () => new Date(), deadline: request.deadline };
    const { before, after } = await cancelPayout(deps, { merchantId: request.principal.merchantId, payoutId: request.pathParameters.id ?? '' });
    const presented = presentPayout(after);
    return { status: 200, body: presented, change: { target: { type: 'payout', id: after.id }, before: presentPayout(before), after: presented } };
  },
});
