import * as z from 'zod/mini';
import { fxRepositoryFromEnvironment } from '../../shared/fx';
import { ledgerDeps } from '../../shared/ledger';
import { payoutRepositoryFromEnvironment } from '../../shared/payouts';
import { taskHandler } from '../../shared/task-handler';
import { compensatePayout, convertPayout, reservePayoutFunds, settlePayout } from '../../use-cases/payouts/payout-saga';

/** Payout saga: the steps that post to the ledger (ReserveFunds, ConvertFunds, Settle, Release/Restore). */
const payouts = payoutRepositoryFromEnvironment();
const quotes = fxRepositoryFromEnvironment();
const ledger = ledgerDeps();
const deps = { payouts, quotes, ledger, now: () => new Date() };

const payoutId = z.string().check(z.regex(/^po_[a-z2-7]{26}$/));
const input = z.discriminatedUnion('step', [
  z.object({ step: z.literal('reserve'), payoutId }),
  z.object({ step: z.literal('convert'), payoutId }),
  z.object({ step: z.literal('settle'), payoutId }),
  z.object({
    step: z.literal('compensate'),
    payoutId,
    outcome: z.enum(['canceled', 'failed', 'returned']),
    error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  }),
]);

export const handler = taskHandler({
  step: 'runPayoutLedgerStep',
  input,
  run: async (event) => {
    switch (event.step) {
      case 'reserve':
        await reservePayoutFunds(deps, event.payoutId);
        return { reserved: true };
      case 'convert':
        await convertPayout(deps, event.payoutId);
        return { converted: true };
      case 'settle':
        await settlePayout(deps, event.payoutId);
        return { settled: true };
      case 'compensate':
        return compensatePayout(deps, event.payoutId, event.outcome, event.error);
    }
  },
});
