import { needsAttention } from '../../domain/payouts/payout';
import type { PayoutStepResult } from '../../domain/payouts/payout-saga';
import type { PayoutRepository } from '../../ports/payout-repository';
import { changePayout, stepResult } from './change-payout';

/**
 * Something about a payout needs a person: its rail said nothing for days, a recovery gave up, a rail
 * contradicted itself. Never silent and never a guess: the payout keeps its status and its funds stay where
 * they are (reserved, usually), it records what needs looking at, the handler emits the metric the alarm
 * watches, and the execution then fails visibly (docs/runbooks.md).
 */
export const flagPayoutForAttention = async (
  deps: { readonly payouts: PayoutRepository; readonly now: () => Date },
  input: { readonly payoutId: string; readonly step: string; readonly error: string },
): Promise<PayoutStepResult> =>
  stepResult(await changePayout(deps.payouts, input.payoutId, (current) => needsAttention(current, input.step, input.error, deps.now())));
