import * as z from 'zod/mini';
import { homeRegionMarkerDeps } from '../../wiring/home-region-move';
import { taskHandler } from '../../shared/task-handler';
import {
  beginHomeRegionMove,
  callOffHomeRegionMove,
  confirmFenceReplicated,
  fenceMerchantLedger,
  switchMerchantHome,
} from '../../use-cases/ledger/move-home-region';

/**
 * Home-region move workflow, the marker steps (statemachines/home-region-move.asl.json): BeginMove, FenceLedger,
 * AwaitReplication, Switch and CallOffMove, each a compare-and-set on the epoch the step before wrote.
 */
const deps = homeRegionMarkerDeps();
const move = z.object({ merchantId: z.string(), fromRegion: z.string(), targetRegion: z.string(), epoch: z.number(), forced: z.optional(z.boolean()) });

export const handler = taskHandler({
  step: 'ChangeHomeRegion',
  input: z.discriminatedUnion('step', [
    z.object({ step: z.literal('begin'), merchantId: z.string(), targetRegion: z.string(), forced: z.optional(z.boolean()) }),
    z.object({ step: z.literal('fence'), move }),
    z.object({ step: z.literal('await_replication'), move }),
    z.object({ step: z.literal('switch'), move }),
    z.object({ step: z.literal('call_off'), move }),
  ]),
  run: async (input): Promise<unknown> => {
    switch (input.step) {
      case 'begin':
        return beginHomeRegionMove(deps, input);
      case 'fence':
        return fenceMerchantLedger(deps, input.move);
      case 'await_replication':
        return confirmFenceReplicated(deps, input.move);
      case 'switch':
        return switchMerchantHome(deps, input.move);
      case 'call_off':
        return callOffHomeRegionMove(deps, input.move);
    }
  },
});
