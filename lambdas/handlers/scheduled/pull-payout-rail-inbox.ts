import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { reportRailMessageAnswer, reportRailMessageNotForwarded } from '../../shared/rail-message-report';
import { railMessageForwarding, railMessageParser } from '../../wiring/payout-rails';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { pullRailInbox } from '../../use-cases/payouts/pull-rail-inbox';
import { receiveRailMessage } from '../../use-cases/payouts/receive-rail-message';
import { withMeridianInbox } from '../../wiring/payout-rail-inbox';
import { workflows } from '../../wiring/payments';
import { payoutRepository } from '../../wiring/payouts';

/** Some inbox files could not be read or applied (left in place); the next pull, and the schedule's retries, try again. */
export class RailInboxPullFailedError extends Error {
  override readonly name = 'RailInboxPullFailed';
}

/** Time kept back from the function's timeout: no new file is started in the last 20 s. */
const RESERVE_MS = 20_000;

/**
 * Every minute (EventBridge schedule, primary region): Meridian's answers to our ACH and SEPA files (entry
 * status reports, NACHA returns, pain.002, pacs.004) read from the bank's /inbox over SFTP with the platform's
 * key and pinned host key, each file's signature checked and its events applied to their payouts by the same
 * use case as the rails' callbacks (receiveRailMessage), then filed under processed/ or refused/ (decision
 * 0028). A file with answers about payouts of merchants homed in the other region is also sent there, whole, to
 * its `POST /v1/rail_events/meridian` (decision 0049), and filed away only once that region took it.
 * Locally the payout-rail bridge (local/payout-rails.ts) does the same every 200 ms with pullRailInbox.
 * Metrics: RailInboxFilesProcessed, RailInboxFilesRefused (a forged or unreadable file: its alarm pages),
 * and PayoutsRequiringAttention for events that contradict their payout. Logs file names, never contents.
 */
export const handler = middy(async (_event: ScheduledEvent, context: Context): Promise<{ processed: number; refused: number; failed: number; deferred: number }> => {
  const deadline = Date.now() + Math.max(0, context.getRemainingTimeInMillis() - RESERVE_MS);
  const forwarding = railMessageForwarding();
  const receiveDeps = { payouts: payoutRepository(), workflows: workflows(), parser: railMessageParser('meridian'), now: () => new Date(), deadline, ...(forwarding ? { forwarding } : {}) };
  const result = await withMeridianInbox((inbox) =>
    pullRailInbox({
      inbox,
      receive: async (message) => {
        const answer = await receiveRailMessage(receiveDeps, message).catch((error: unknown) => {
          reportRailMessageNotForwarded('meridian', error, message.name);
          throw error;
        });
        reportRailMessageAnswer('meridian', answer);
        return answer;
      },
      deadline,
    }),
  );
  metrics.addMetric('RailInboxFilesProcessed', MetricUnit.Count, result.processed.length);
  metrics.addMetric('RailInboxFilesRefused', MetricUnit.Count, result.refused.length);
  for (const name of result.processed) logger.info('rail inbox file applied', { channel: 'meridian', file: name });
  for (const refusal of result.refused) logger.error('rail inbox file refused; filed under refused/', { channel: 'meridian', file: refusal.name, reason: refusal.reason });
  for (const failure of result.failed) logger.error('rail inbox file not applied; left for the next pull', { channel: 'meridian', file: failure.name, error_name: failure.error });
  if (result.failed.length) throw new RailInboxPullFailedError(`${result.failed.length} inbox files could not be applied`);
  return { processed: result.processed.length, refused: result.refused.length, failed: 0, deferred: result.deferred };
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
