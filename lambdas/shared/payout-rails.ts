import { KeystoneMessageParser, KeystoneSoapRail, keystoneConfigFromEnv } from '../adapters/rails/keystone-soap-rail';
import { MeridianFileRail, MeridianMessageParser, meridianConfigFromEnv } from '../adapters/rails/meridian-file-rail';
import { PulseInstantRail, PulseMessageParser, pulseConfigFromEnv } from '../adapters/rails/pulse-instant-rail';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import type { PayoutRailPort, RailMessageParser } from '../ports/payout-rail';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RailMessageAnswer } from '../use-cases/payouts/receive-rail-message';
import { logger, metrics } from './powertools';
import { secretBoundCache } from './secrets';

/**
 * The payout rails of this function instance, each built (and its configuration read) on first use, so a
 * rail whose variables are missing fails its own payouts loudly without stopping the others; built again
 * after a secret rotation (lambdas/shared/secrets.ts), so a warm instance uses the new API key.
 */
export const payoutRail = secretBoundCache((channel: PayoutChannel): PayoutRailPort => {
  switch (channel) {
    case 'meridian':
      return new MeridianFileRail(meridianConfigFromEnv());
    case 'keystone':
      return new KeystoneSoapRail(keystoneConfigFromEnv());
    case 'pulse':
      return new PulseInstantRail(pulseConfigFromEnv());
  }
});

/** The parsers of the rails' messages, which hold the notification secrets: rebuilt after a rotation too. */
export const railMessageParser = secretBoundCache((channel: PayoutChannel): RailMessageParser => {
  switch (channel) {
    case 'meridian':
      return MeridianMessageParser.fromEnv();
    case 'keystone':
      return KeystoneMessageParser.fromEnv();
    case 'pulse':
      return PulseMessageParser.fromEnv();
  }
});

/**
 * The logs and metric of a rail message's answer (receiveRailMessage), the same whichever function read it:
 * a refusal (WARN, the reason: the parser's words, never the message), events for no known payout (ERROR,
 * the rail's reference kept for operations) and events that contradict their payout (ERROR and
 * `PayoutsRequiringAttention`, step `RailEvent`, which the payout attention alarm watches).
 */
export const reportRailMessageAnswer = (channel: PayoutChannel, answer: RailMessageAnswer): void => {
  if (answer.refused !== undefined) logger.warn('rail message refused', { channel, reason: answer.refused });
  for (const outcome of answer.outcomes.filter((item) => item.result === 'unmatched')) {
    logger.error('rail event for no known payout', { channel, rail_reference: outcome.railReference, type: outcome.type });
  }
  for (const outcome of answer.outcomes.filter((item) => item.result === 'conflict')) {
    logger.error('rail event contradicts the payout; flagged for attention', { channel, payout_id: outcome.payoutId, type: outcome.type });
    const metric = metrics.singleMetric();
    metric.addMetadata('step', 'RailEvent');
    metric.addMetric('PayoutsRequiringAttention', MetricUnit.Count, 1);
  }
};
