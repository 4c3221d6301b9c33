import * as z from 'zod/mini';
import { merchantFlightDeps } from '../../wiring/home-region-move';
import { taskHandler } from '../../shared/task-handler';
import { countMerchantFlights } from '../../use-cases/ledger/move-home-region';

/** Home-region move workflow, step Drain: how many of the merchant's payments, refunds and payouts are in flight. */
const deps = merchantFlightDeps();

export const handler = taskHandler({
  step: 'Drain',
  input: z.object({ merchantId: z.string(), moveStartedAt: z.string(), forced: z.optional(z.boolean()) }),
  run: (input) => countMerchantFlights(deps, input),
});
