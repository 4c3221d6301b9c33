import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { SagaStartsFailedError } from '../../domain/saga-start';
import { workflows } from '../../wiring/payments';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { recentObjects, sagaStartMarkers, sweepPosition, sweeperConfig } from '../../wiring/saga-starts';
import { sweepUnstartedSagas } from '../../use-cases/sweep-unstarted-sagas';

/**
 * Every minute (EventBridge schedule; every 30 s in the local runtime): start the recovery of every payment,
 * refund and payout of this region in flight for longer than the grace period (its Express run ended or
 * died without finishing it), found through the merchants' list indexes (creation flights) and the sparse
 * saga-starts index (later flights): docs/decisions/0021-in-flight-sweep-over-list-indexes.md. Logs ids and
 * kinds only. Metrics: SagasStartedBySweeper (alarmed: each one is a run or create path that did not finish
 * its object), SagaStartsFailed. Fails the invocation when a start failed.
 */
const config = sweeperConfig();

export const handler = middy(async (_event: ScheduledEvent, context: Context): Promise<{ started: number; failed: number; truncated: boolean }> => {
  const result = await sweepUnstartedSagas({
    markers: sagaStartMarkers(),
    recent: recentObjects(),
    position: sweepPosition,
    workflows: workflows(),
    now: () => new Date(),
    region: config.region,
    graceSeconds: config.graceSeconds,
    perShardLimit: config.perShardLimit,
    lookbackSeconds: config.lookbackSeconds,
    maxWindowSeconds: config.maxWindowSeconds,
    // Stop reading windows with a quarter of the time left, for the starts and the metrics.
    deadline: Date.now() + context.getRemainingTimeInMillis() * 0.75,
    concurrency: 10,
  });
  metrics.addMetric('SagasStartedBySweeper', MetricUnit.Count, result.started.length);
  metrics.addMetric('SagaStartsFailed', MetricUnit.Count, result.failed.length);
  for (const saga of result.started) logger.warn('started the recovery of an overdue object', { kind: saga.kind, id: saga.id, stored_at: saga.since });
  for (const saga of result.failed) logger.error('could not start an overdue saga', { kind: saga.kind, id: saga.id, stored_at: saga.since, error_name: saga.error });
  if (result.truncated) logger.info('more to sweep than one sweep takes; the next sweep continues', { cutoff: result.cutoff, window_from: result.window.from, window_to: result.window.to });
  if (result.failed.length) throw new SagaStartsFailedError(result.failed.length);
  return { started: result.started.length, failed: 0, truncated: result.truncated };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
