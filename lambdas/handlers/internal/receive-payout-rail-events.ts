import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { PAYOUT_CHANNELS } from '../../domain/payouts/beneficiary';
import { RailMessageRejectedError } from '../../ports/payout-rail';
import { railMessageParser } from '../../shared/payout-rails';
import { payoutRepository } from '../../wiring/payouts';
import { logger, metrics } from '../../shared/powertools';
import { taskHandler } from '../../shared/task-handler';
import { workflows } from '../../wiring/payments';
import { applyRailEvents } from '../../use-cases/payouts/apply-rail-events';

/**
 * A message from a payout rail: a file from Meridian's inbox, a Keystone SOAP notification, a Pulse
 * webhook. The channel's parser authenticates and reads it; its events are applied to their payouts, each
 * running the payout's workflow when it gives the payout something to do (settle, release, restore). Answers
 * what to tell the rail: 200 with the channel's acknowledgement, or 400 for a message refused (bad
 * signature, unreadable: the rail's retry will not fix it, operations will). Locally local/payout-rails.ts
 * invokes it; in AWS a rail-callback route and the file drop's notifications would.
 */
/** How long the handler waits for the payout workflow runs of one message (its timeout, platform/functions.ts, is 30 s). */
const RUN_BUDGET_MS = 24_000;

const input = z.object({
  channel: z.enum(PAYOUT_CHANNELS),
  message: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), name: z.string(), content: z.string(), signature: z.optional(z.string()) }),
    z.object({ kind: z.literal('http'), headers: z.record(z.string(), z.string()), body: z.string() }),
  ]),
});

export const handler = taskHandler({
  step: 'receivePayoutRailEvents',
  input,
  run: async (event) => {
    const deps = { payouts: payoutRepository(), workflows: workflows(), now: () => new Date(), deadline: Date.now() + RUN_BUDGET_MS };
    const parser = railMessageParser(event.channel);
    let events;
    try {
      events = parser.parse(event.message, deps.now());
    } catch (error) {
      if (!(error instanceof RailMessageRejectedError)) throw error;
      logger.warn('rail message refused', { channel: event.channel, reason: error.message });
      return { status: 400, contentType: 'text/plain', body: error.message, outcomes: [] };
    }
    const outcomes = await applyRailEvents(deps, events);
    for (const outcome of outcomes.filter((item) => item.result === 'unmatched')) {
      logger.error('rail event for no known payout', { channel: event.channel, rail_reference: outcome.railReference, type: outcome.type });
    }
    for (const outcome of outcomes.filter((item) => item.result === 'conflict')) {
      logger.error('rail event contradicts the payout; flagged for attention', { channel: event.channel, payout_id: outcome.payoutId, type: outcome.type });
      const metric = metrics.singleMetric();
      metric.addMetadata('step', 'RailEvent');
      metric.addMetric('PayoutsRequiringAttention', MetricUnit.Count, 1);
    }
    const ack = parser.acknowledgement(event.message);
    return { status: 200, contentType: ack.contentType, body: ack.body, outcomes };
  },
});
