import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { payoutId } from '../../shared/payout-task-input';
import { payoutRepository } from '../../wiring/payouts';
import { metrics } from '../../shared/powertools';
import { taskHandler } from '../../shared/task-handler';
import { flagPayoutForAttention } from '../../use-cases/payout-saga/flag-payout-for-attention';

/**
 * Payout waits and recovery, RequiresAttention: a confirmation overdue, a release or recovery that gave up.
 * Emits the metric the alarm watches (platform/alarms.ts: `service` dimension only, the step
 * in the record's metadata).
 */
export const handler = taskHandler({
  step: 'PayoutRequiresAttention',
  input: z.object({ payoutId, step: z.string(), error: z.string() }),
  run: async (input) => {
    const result = await flagPayoutForAttention({ payouts: payoutRepository(), now: () => new Date() }, input);
    const metric = metrics.singleMetric();
    metric.addMetadata('step', input.step);
    metric.addMetadata('payout_id', input.payoutId);
    metric.addMetric('PayoutsRequiringAttention', MetricUnit.Count, 1);
    return result;
  },
});
