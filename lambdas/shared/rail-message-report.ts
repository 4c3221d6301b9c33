import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import { type RailMessageAnswer, RailMessageNotForwardedError } from '../use-cases/payouts/receive-rail-message';
import { logger, metrics } from './powertools';

/**
 * The logs and metric of a rail message's answer (receiveRailMessage), the same whichever function read it:
 * a refusal (WARN, the reason: the parser's words, never the message), events for no known payout (ERROR,
 * the rail's reference kept for operations) and events that contradict their payout (ERROR and
 * `PayoutsRequiringAttention`, step `RailEvent`, which the payout attention alarm watches); the regions a message
 * was forwarded to for its payouts homed there (INFO, decision 0049), and the region a message came from.
 */
export const reportRailMessageAnswer = (channel: PayoutChannel, answer: RailMessageAnswer, forwardedFrom?: string): void => {
  const forwarded = forwardedFrom === undefined ? {} : { forwarded_from: forwardedFrom };
  if (answer.refused !== undefined) logger.warn('rail message refused', { channel, reason: answer.refused, ...forwarded });
  if (answer.forwardedTo?.length) {
    const elsewhere = answer.outcomes.filter((item) => item.result === 'elsewhere').length;
    logger.info('rail message forwarded to the home region of some of its payouts', { channel, regions: answer.forwardedTo, events: elsewhere });
  }
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

/** A message a region with some of its payouts did not take (decision 0049): which region, and its answer's status. */
export const reportRailMessageNotForwarded = (channel: PayoutChannel, error: unknown, file?: string): void => {
  if (error instanceof RailMessageNotForwardedError) {
    logger.warn('rail message not taken by the home region of some of its payouts', { channel, refusals: error.refusals, ...(file ? { file } : {}) });
  }
};
