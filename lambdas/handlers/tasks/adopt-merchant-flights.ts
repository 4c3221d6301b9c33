import * as z from 'zod/mini';
import { flightAdoptionDeps } from '../../wiring/home-region-move';
import { taskHandler } from '../../shared/task-handler';
import { adoptMerchantFlights } from '../../use-cases/ledger/move-home-region';

/**
 * Forced home-region move, step AdoptFlights (decision 0039): the recoveries, in this region, of the merchant's
 * payments, refunds and payouts the lost region left in flight.
 */
const deps = flightAdoptionDeps();

export const handler = taskHandler({
  step: 'AdoptFlights',
  input: z.object({ merchantId: z.string(), moveStartedAt: z.string() }),
  run: (input) => adoptMerchantFlights(deps, input),
});
