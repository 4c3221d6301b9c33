import { DomainError } from '../../domain/errors';
import type { PayoutRepository } from '../../ports/payout-repository';
import { type RailMessage, type RailMessageParser, RailMessageRejectedError } from '../../ports/payout-rail';
import type { RailMessageForwarder } from '../../ports/rail-message-forwarder';
import type { Workflows } from '../../ports/workflows';
import { type MerchantHomes, type RailEventOutcome, applyRailEvents } from './apply-rail-events';

/**
 * One message from a payout rail, as it arrived (a file from Meridian's inbox, a Keystone SOAP notification,
 * a Pulse webhook), or as the other region forwarded it (decision 0049):
 * 1. The channel's parser authenticates and reads it. A message refused is answered 400 (bad signature,
 *    unreadable: the rail's retry will not fix it, operations will; `refused` holds the reason).
 * 2. Its events are applied to their payouts (applyRailEvents). With `forwarding` (a two-region deployment that
 *    knows the regions' API URLs), events of payouts whose merchant is homed in another region are not applied
 *    here (`elsewhere`), and a merchant being moved makes the message "not yet" (RailEventsNotYetApplicable).
 * 3. Unless the message was itself forwarded (never twice), the whole message goes on to each region that has
 *    `elsewhere` events, which authenticates it again and applies its own (its answer, once applied there, is
 *    a 2xx). An event for no payout known here (`unmatched`) sends it to every other region too: the payout's
 *    region recorded the rail's reference before submitting it, and the rail may answer (an instant rail, in
 *    hundreds of milliseconds) before that reference has replicated here. A region that did not take it (any other answer, a timeout, no endpoint configured) makes the
 *    message "not yet" (RailMessageNotForwarded), after this region's events were applied.
 * 4. The answer: 200 with the channel's acknowledgement only when every region that had events took them.
 *    "Not yet" is thrown: the rail-events function answers 503 (the rail retries) and the inbox pull leaves the
 *    file for the next pull. Applying a message again changes nothing (applyRailEvents records only a word
 *    that goes further), here or in the home region.
 * Shared by the function the rails' callbacks reach and the scheduled pull of Meridian's inbox
 * (pull-rail-inbox.ts), so a file and a callback are read the same way.
 */
export interface RailMessageAnswer {
  readonly status: 200 | 400;
  readonly contentType: string;
  readonly body: string;
  readonly outcomes: readonly RailEventOutcome[];
  readonly refused?: string;
  /** Why it was refused: `unauthenticated` (its signature), or `unreadable`. */
  readonly refusedAs?: RailMessageRejectedError['reason'];
  /** The regions the message was forwarded to, each of which took it. */
  readonly forwardedTo?: readonly string[];
}

/** A region with events of the message did not take it: the rail retries (a file stays for the next pull). */
export class RailMessageNotForwardedError extends DomainError {
  override readonly name = 'RailMessageNotForwarded';

  /** Each region that did not take it, with its answer's status (none: no endpoint configured for it). */
  constructor(readonly refusals: readonly { readonly region: string; readonly status?: number }[]) {
    super(`Not taken by ${refusals.map(({ region, status }) => `${region} (${status ?? 'no endpoint'})`).join(', ')}; retry later`);
  }
}

export interface ReceiveRailMessageDeps {
  readonly payouts: PayoutRepository;
  readonly workflows: Workflows;
  readonly parser: RailMessageParser;
  readonly now: () => Date;
  /** When to stop waiting for the payouts' workflow runs (the caller's own time budget). */
  readonly deadline?: number;
  /** Absent (one region, or the regions' API URLs not configured): every event is applied here. */
  readonly forwarding?: { readonly homes: MerchantHomes; readonly forwarder: RailMessageForwarder };
}

export const receiveRailMessage = async (
  deps: ReceiveRailMessageDeps,
  message: RailMessage,
  options: { readonly forwardedFrom?: string } = {},
): Promise<RailMessageAnswer> => {
  let events;
  try {
    events = deps.parser.parse(message, deps.now());
  } catch (error) {
    if (!(error instanceof RailMessageRejectedError)) throw error;
    return { status: 400, contentType: 'text/plain', body: error.message, outcomes: [], refused: error.message, refusedAs: error.reason };
  }
  const outcomes = await applyRailEvents({ ...deps, ...(deps.forwarding ? { homes: deps.forwarding.homes } : {}) }, events);
  const forwardedTo: string[] = [];
  // A forwarded message's events homed elsewhere are the forwarding region's own (it applied them): not sent back.
  if (deps.forwarding && options.forwardedFrom === undefined) {
    const homes = outcomes.flatMap((outcome) => (outcome.result === 'elsewhere' && outcome.region !== undefined ? [outcome.region] : []));
    const unmatched = outcomes.some((outcome) => outcome.result === 'unmatched');
    const regions = [...new Set([...homes, ...(unmatched ? deps.forwarding.forwarder.regions : [])])].sort();
    const refusals: { region: string; status?: number }[] = [];
    for (const region of regions) {
      const answer = await deps.forwarding.forwarder.forward(region, deps.parser.channel, message);
      if (answer && answer.status >= 200 && answer.status < 300) forwardedTo.push(region);
      else refusals.push({ region, ...(answer ? { status: answer.status } : {}) });
    }
    if (refusals.length) throw new RailMessageNotForwardedError(refusals);
  }
  const ack = deps.parser.acknowledgement(message);
  return { status: 200, contentType: ack.contentType, body: ack.body, outcomes, ...(forwardedTo.length ? { forwardedTo } : {}) };
};
