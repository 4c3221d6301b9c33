import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { SagaStartsFailedError } from '../../domain/saga-start';
import { workflows } from '../../shared/payment-deps';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { sagaStartMarkers, sweeperConfig } from '../../shared/saga-starts';
import { sweepUnstartedSagas } from '../../use-cases/sweep-unstarted-sagas';

/**
 * Every minute (EventBridge schedule; every 30 s in the local runtime): start the recovery of every payment,
 * refund and payout of this region in flight for longer than the grace period (its Express run ended or
 * died without finishing it). Logs ids and
 * kinds only. Metrics: SagasStartedBySweeper (alarmed: each one is a run or create path that did not finish
 * its object), SagaStartsFailed. Fails the invocation when a start failed.
 */
const config = sweeperConfig();

export const handler = middy(async (_event: ScheduledEvent): Promise<{ started: number; failed: number; truncated: boolean }> => {
  const result = await sweepUnstartedSagas({
    markers: sagaStartMarkers(),
    workflows: workflows(),
    now: () => new Date(),
    region: config.region,
    graceSeconds: config.graceSeconds,
    perShardLimit: config.perShardLimit,
    concurrency: 10,
  });
  metrics.addMetric('SagasStartedBySweeper', MetricUnit.Count, result.started.length);
  metrics.addMetric('SagaStartsFailed', MetricUnit.Count, result.failed.length);
  for (const saga of result.started) logger.warn('started the recovery of an overdue object', { kind: saga.kind, id: saga.id, stored_at: saga.since });
  for (const saga of result.failed) logger.error('could not start an overdue saga', { kind: saga.kind, id: saga.id, stored_at: saga.since, error_name: saga.error });
  if (result.truncated) logger.warn('more overdue sagas than one sweep takes; the next sweep continues', { cutoff: result.cutoff });
  if (result.failed.length) throw new SagaStartsFailedError(result.failed.length);
  return { started: result.started.length, failed: 0, truncated: result.truncated };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
