import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { settlementPullDeps } from '../../wiring/reconciliation-sftp';
import { pullSettlementFiles } from '../../use-cases/reconciliation/pull-settlement-files';

/** The pull could not list a source or start a file's run; the next pull (and the schedule's retries) try again. */
export class SettlementPullFailedError extends Error {
  override readonly name = 'SettlementPullFailed';
}

/**
 * Every 5 minutes (EventBridge schedule; every 30 s in the local runtime): start a reconciliation run for each
 * report and statement newly published on the SFTP server (decision 0028). Metrics: ReconciliationRunsStarted,
 * and per source (`source` = the channel, or `bank`) SettlementFileAgeHours, the age of its newest file, which
 * the late-report alarm watches (platform/alarms.ts). Logs file names and sources only.
 */
export const handler = middy(async (_event: ScheduledEvent): Promise<{ started: number; alreadyStarted: number; statementsDeferred: number; failed: number }> => {
  const result = await pullSettlementFiles(settlementPullDeps());
  metrics.addMetric('ReconciliationRunsStarted', MetricUnit.Count, result.started.length);
  for (const [source, hours] of Object.entries(result.newestAgeHours)) {
    if (hours === null) continue;
    const metric = metrics.singleMetric();
    metric.addDimension('source', source);
    metric.addMetric('SettlementFileAgeHours', MetricUnit.Count, hours);
  }
  for (const run of result.started) logger.info('started the reconciliation of a published file', { source: run.source, file: run.file });
  for (const failure of result.failed) logger.error('could not pull a settlement file', { source: failure.source, file: failure.file, error_name: failure.error });
  if (result.failed.length) throw new SettlementPullFailedError(`${result.failed.length} listings or starts failed`);
  if (result.statementsDeferred) logger.info('statements wait for the settlement reports\' runs in progress', { statements: result.statementsDeferred });
  return { started: result.started.length, alreadyStarted: result.alreadyStarted, statementsDeferred: result.statementsDeferred, failed: 0 };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
