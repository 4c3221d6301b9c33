import * as z from 'zod/mini';
import { balanceRepairDeps } from '../../wiring/home-region-move';
import { taskHandler } from '../../shared/task-handler';
import { repairMerchantBalances } from '../../use-cases/ledger/move-home-region';

/**
 * Forced home-region move, step RepairBalances (decision 0039): the merchant's balance items recomputed from its
 * journal in this region while its ledger is fenced; the corrections audited and returned.
 */
const deps = balanceRepairDeps();

export const handler = taskHandler({
  step: 'RepairBalances',
  input: z.object({
    move: z.object({ merchantId: z.string(), fromRegion: z.string(), targetRegion: z.string(), epoch: z.number(), forced: z.optional(z.boolean()) }),
    requestedBy: z.object({
      actor: z.object({ type: z.literal('operator'), role: z.string(), arn: z.string(), agent: z.optional(z.string()) }),
      requestId: z.string(),
    }),
    executionName: z.string(),
  }),
  run: (input) => repairMerchantBalances(deps, input),
});
