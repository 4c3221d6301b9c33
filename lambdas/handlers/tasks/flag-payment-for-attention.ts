import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { cardHoldDiscarder } from '../../wiring/card-hold-table';
import { paymentRepository } from '../../wiring/payments';
import { metrics } from '../../shared/powertools';
import { taskHandler } from '../../shared/task-handler';
import { flagPaymentForAttention } from '../../use-cases/payment-saga/flag-payment-for-attention';

/**
 * Payment saga, RequiresAttention: a compensation kept failing. Emits the metric the alarm watches
 * (platform/alarms.ts: namespace and `service` dimension only, so the step goes in the
 * record's metadata: a second dimension would make it another metric, one the alarm never sees).
 */
export const handler = taskHandler({
  step: 'RequiresAttention',
  input: z.object({ paymentId: z.string(), step: z.string(), error: z.string() }),
  run: async (input) => {
    const result = await flagPaymentForAttention({ payments: paymentRepository(), holds: cardHoldDiscarder(), now: () => new Date() }, input);
    const metric = metrics.singleMetric();
    metric.addMetadata('step', input.step);
    metric.addMetadata('payment_id', input.paymentId);
    metric.addMetric('PaymentsRequiringAttention', MetricUnit.Count, 1);
    return result;
  },
});
