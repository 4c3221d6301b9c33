import { DomainError } from '../../domain/errors';
import { NotHomeRegionError } from '../../domain/ledger/errors';
import { assertWritableHere } from '../../domain/ledger/home-region';
import { type Payout, type RailAnswer, needsAttention, railConflict, recordRailAnswer } from '../../domain/payouts/payout';
import { type PayoutStepResult, nextPayoutStep, payoutWithState } from '../../domain/payouts/payout-saga';
import type { LedgerStore } from '../../ports/ledger-store';
import type { PayoutRepository } from '../../ports/payout-repository';
import type { RailEvent } from '../../ports/payout-rail';
import type { Workflows } from '../../ports/workflows';
import { changePayout } from '../payout-saga/change-payout';
import { runPayoutWorkflow } from '../run-workflows';
import { closePayoutWait } from './close-payout-wait';

/**
 * What a rail said about payouts, applied to them (docs/decisions/0012-payout-workflows-and-unknown-outcomes.md),
 * whenever it comes: a confirmation seconds or days after submission, a return weeks after payment.
 * First, before anything is written, where each event belongs (only with `homes`: a deployment that forwards
 * to the home region, decision 0049):
 * 0. Find the payout by the rail's reference (recorded before submission), and whether its merchant's ledger is
 *    written here (the home marker, read as a posting reads it: lambdas/domain/ledger/home-region.ts). A payout
 *    homed in the other region is not applied here: `elsewhere`, with that region (its confirmation wait's task
 *    token and its ledger are there; receiveRailMessage forwards the message). A merchant being moved (its ledger
 *    fenced) makes the whole message "not yet" (RailEventsNotYetApplicable): nothing is written, the rail
 *    retries, a file stays for the next pull.
 * Then for each event applied here:
 * 1. Unknown references are reported back as `unmatched` (the rail message is kept for operations), never guessed.
 * 2. Record the rail's word on the payout: paid, failed (rejected by the beneficiary's bank), returned
 *    (which implies paid). Only a word that goes further than what is recorded changes it: a rail that
 *    repeats itself or reorders (at-least-once callbacks, files read out of order) changes nothing the
 *    second time. A word that contradicts what is recorded (paid after a failure was released) is never
 *    applied: the payout is flagged for operations (`conflict`).
 * 3. If that gave the payout a step to run, run its workflow (Express, synchronously): settle → `paid`,
 *    release → `failed`, restore → `returned`.
 *    A `paid` that would settle the payout is not written first: the run carries it (action `paid`) and Settle
 *    records the word with the payment, in one write (decision record 0052). Only when that run does not
 *    finish with the word recorded (it died, or no answer in time) is the word written here and the payout run
 *    as above, so the message is acknowledged only once the word is recorded either way.
 * 4. End its confirmation wait.
 */
export interface RailEventOutcome {
  readonly railReference: string;
  readonly payoutId: string | null;
  readonly type: RailEvent['type'];
  readonly result: 'applied' | 'unchanged' | 'unmatched' | 'conflict' | 'elsewhere';
  /** `elsewhere`: the region where the payout's merchant is homed, which applies the event. */
  readonly region?: string;
}

/** Where merchants' ledgers are written (decision 0024), for the events' check; absent: every event applies here. */
export interface MerchantHomes {
  readonly ledger: Pick<LedgerStore, 'getHomeRegion'>;
  readonly region: string;
  readonly primaryRegion: string;
}

/** A merchant of the message's payouts is being moved between regions: nothing was applied; the rail retries. */
export class RailEventsNotYetApplicableError extends DomainError {
  override readonly name = 'RailEventsNotYetApplicable';
}

/** The region the merchant's ledger is written in when it is not this one; throws while the merchant is moved. */
const homeElsewhere = async (homes: MerchantHomes, merchantId: string): Promise<string | undefined> => {
  try {
    assertWritableHere(merchantId, await homes.ledger.getHomeRegion(merchantId), homes.region, homes.primaryRegion);
    return undefined;
  } catch (error) {
    if (!(error instanceof NotHomeRegionError)) throw error;
    if (error.movingTo !== undefined) throw new RailEventsNotYetApplicableError(error.message, { cause: error });
    return error.homeRegion;
  }
};

const answerOf = (event: RailEvent): RailAnswer => {
  if (event.type === 'paid') return { status: 'paid' };
  const reason = event.reason ?? { code: 'other' as const, railCode: '', message: `Reported ${event.type} by ${event.channel}` };
  return { status: event.type, failure: { code: reason.code, message: reason.message } };
};

/**
 * Run the payout with the rail's `paid` carried (action `paid`), when that word would settle it: the payout as
 * the run left it, or undefined when the word was not carried (it would not settle the payout: not with the
 * rail, recorded already, a contradiction) or the run did not finish with it recorded.
 */
const settledByCarriedWord = async (deps: { readonly payouts: PayoutRepository; readonly workflows: Workflows; readonly now: () => Date; readonly deadline?: number }, payoutId: string): Promise<Payout | undefined> => {
  const current = await deps.payouts.getPayout(payoutId, { consistent: true });
  if (!current || railConflict(current, 'paid')) return undefined;
  const told = recordRailAnswer(current, { status: 'paid' }, deps.now());
  if (told === current || nextPayoutStep(told) !== 'settle') return undefined;
  const run = await deps.workflows.runPayout({ payoutId, action: 'paid' }, deps.deadline);
  if (run.outcome !== 'finished') return undefined;
  const after = payoutWithState(current, (run.output as PayoutStepResult).payout);
  return after.railStatus === 'paid' || after.railStatus === 'returned' ? after : undefined;
};

export const applyRailEvents = async (
  deps: {
    readonly payouts: PayoutRepository;
    readonly workflows: Workflows;
    readonly now: () => Date;
    readonly deadline?: number;
    readonly homes?: MerchantHomes;
  },
  events: readonly RailEvent[],
): Promise<RailEventOutcome[]> => {
  // Step 0, reads only: every event's payout and, when homes are checked, its merchant's region (one marker read
  // per merchant of the message).
  const located: { readonly event: RailEvent; readonly payoutId: string | undefined; readonly elsewhere: string | undefined }[] = [];
  const homesByMerchant = new Map<string, string | undefined>();
  for (const event of events) {
    const payoutId = await deps.payouts.payoutIdForRailReference(event.channel, event.railReference);
    let elsewhere: string | undefined;
    if (payoutId && deps.homes) {
      // Strongly consistent, as the write below reads: a payout item that has just replicated here must not be
      // missed by this check and then found by the write, which would apply the other region's payout here.
      const merchantId = (await deps.payouts.getPayout(payoutId, { consistent: true }))?.merchantId;
      // The reference replicated before its payout (global tables order no two items): whose it is is unknown yet.
      if (!merchantId) throw new RailEventsNotYetApplicableError(`Payout ${payoutId} of ${event.channel} reference ${event.railReference} is not readable here yet`);
      if (!homesByMerchant.has(merchantId)) homesByMerchant.set(merchantId, await homeElsewhere(deps.homes, merchantId));
      elsewhere = homesByMerchant.get(merchantId);
    }
    located.push({ event, payoutId, elsewhere });
  }
  const outcomes: RailEventOutcome[] = [];
  for (const { event, payoutId, elsewhere } of located) {
    const report = (result: RailEventOutcome['result']) => outcomes.push({ railReference: event.railReference, payoutId: payoutId ?? null, type: event.type, result });
    if (elsewhere !== undefined) {
      outcomes.push({ railReference: event.railReference, payoutId: payoutId ?? null, type: event.type, result: 'elsewhere', region: elsewhere });
      continue;
    }
    if (!payoutId) {
      report('unmatched');
      continue;
    }
    const answer = answerOf(event);
    const settled = answer.status === 'paid' ? await settledByCarriedWord(deps, payoutId) : undefined;
    if (settled) {
      await closePayoutWait(deps, settled, 'confirmation');
      report('applied');
      continue;
    }
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
