import { type RailAnswer, needsAttention, railConflict, recordRailAnswer } from '../../domain/payouts/payout';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { RailEvent } from '../../ports/payout-rail';
import type { Workflows } from '../../ports/workflows';
import { changePayout } from '../payout-saga/change-payout';
import { runPayoutWorkflow } from '../run-workflows';
import { closePayoutWait } from './close-payout-wait';

/**
 * What a rail said about payouts, applied to them (docs/decisions/0012-payout-workflows-and-unknown-outcomes.md),
 * whenever it comes: a confirmation seconds or days after submission, a return weeks after payment.
 * For each event:
 * 1. Find the payout by the rail's reference (recorded before submission). Unknown references are reported
 *    back as `unmatched` (the rail message is kept for operations), never guessed.
 * 2. Record the rail's word on the payout: paid, failed (rejected by the beneficiary's bank), returned
 *    (which implies paid). Only a word that goes further than what is recorded changes it: a rail that
 *    repeats itself or reorders (at-least-once callbacks, files read out of order) changes nothing the
 *    second time. A word that contradicts what is recorded (paid after a failure was released) is never
 *    applied: the payout is flagged for operations (`conflict`).
 * 3. If that gave the payout a step to run, run its workflow (Express, synchronously): settle → `paid`,
 *    release → `failed`, restore → `returned`.
 * 4. End its confirmation wait.
 */
export interface RailEventOutcome {
  readonly railReference: string;
  readonly payoutId: string | null;
  readonly type: RailEvent['type'];
  readonly result: 'applied' | 'unchanged' | 'unmatched' | 'conflict';
}

const answerOf = (event: RailEvent): RailAnswer => {
  if (event.type === 'paid') return { status: 'paid' };
  const reason = event.reason ?? { code: 'other' as const, railCode: '', message: `Reported ${event.type} by ${event.channel}` };
  return { status: event.type, failure: { code: reason.code, message: reason.message } };
};

export const applyRailEvents = async (
  deps: { readonly payouts: PayoutRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number },
  events: readonly RailEvent[],
): Promise<RailEventOutcome[]> => {
  const outcomes: RailEventOutcome[] = [];
  for (const event of events) {
    const payoutId = await deps.payouts.payoutIdForRailReference(event.channel, event.railReference);
    const report = (result: RailEventOutcome['result']) => outcomes.push({ railReference: event.railReference, payoutId: payoutId ?? null, type: event.type, result });
    if (!payoutId) {
      report('unmatched');
      continue;
    }
    const answer = answerOf(event);
    let conflict = false;
    let changed = false;
    const recorded = await changePayout(deps.payouts, payoutId, (current) => {
      conflict = railConflict(current, answer.status);
      if (conflict) return needsAttention(current, 'RailEvent', `${event.channel} reported ${event.type} for a payout ${current.status} (funds ${current.funds})`, deps.now());
      const next = recordRailAnswer(current, answer, deps.now());
      changed = next !== current;
      return next;
    });
    if (conflict) {
      report('conflict');
      continue;
    }
    const after = recorded.inFlightSince ? await runPayoutWorkflow(deps, recorded, 'rail') : recorded;
    await closePayoutWait(deps, after, 'confirmation');
    report(changed ? 'applied' : 'unchanged');
  }
  return outcomes;
};
