import type { PayoutRepository } from '../../ports/payout-repository';
import { type RailMessage, type RailMessageParser, RailMessageRejectedError } from '../../ports/payout-rail';
import type { Workflows } from '../../ports/workflows';
import { type RailEventOutcome, applyRailEvents } from './apply-rail-events';

/**
 * One message from a payout rail, as it arrived (a file from Meridian's inbox, a Keystone SOAP notification,
 * a Pulse webhook): the channel's parser authenticates and reads it, its events are applied to their payouts
 * (applyRailEvents), and the answer says what to tell the rail: 200 with the channel's acknowledgement, or
 * 400 for a message refused (bad signature, unreadable: the rail's retry will not fix it, operations will;
 * `refused` holds the reason). Shared by the function the rails' callbacks reach and the scheduled pull of
 * Meridian's inbox (pull-rail-inbox.ts), so a file and a callback are read the same way.
 */
export interface RailMessageAnswer {
  readonly status: 200 | 400;
  readonly contentType: string;
  readonly body: string;
  readonly outcomes: readonly RailEventOutcome[];
  readonly refused?: string;
  /** Why it was refused: `unauthenticated` (its signature), or `unreadable`. */
  readonly refusedAs?: RailMessageRejectedError['reason'];
}

export interface ReceiveRailMessageDeps {
  readonly payouts: PayoutRepository;
  readonly workflows: Workflows;
  readonly parser: RailMessageParser;
  readonly now: () => Date;
  /** When to stop waiting for the payouts' workflow runs (the caller's own time budget). */
  readonly deadline?: number;
}

export const receiveRailMessage = async (deps: ReceiveRailMessageDeps, message: RailMessage): Promise<RailMessageAnswer> => {
  let events;
  try {
    events = deps.parser.parse(message, deps.now());
  } catch (error) {
    if (!(error instanceof RailMessageRejectedError)) throw error;
    return { status: 400, contentType: 'text/plain', body: error.message, outcomes: [], refused: error.message, refusedAs: error.reason };
  }
  const outcomes = await applyRailEvents(deps, events);
  const ack = deps.parser.acknowledgement(message);
  return { status: 200, contentType: ack.contentType, body: ack.body, outcomes };
};
