import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import type { RailMessageAnswer } from '../use-cases/payouts/receive-rail-message';
import { logger, metrics } from './powertools';

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
