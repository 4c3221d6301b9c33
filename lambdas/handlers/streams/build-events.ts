import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { tableKeys, tableName } from '../../../platform/tables';
import { type ChangeRecord, authorizationOutcomesOf, balanceDraftsOf, draftsOf } from '../../adapters/dynamodb/event-sources';
import { logger, metrics, traceHandler } from '../../shared/powertools';
import { deliveryQueue, eventStore, webhookEndpointRepository } from '../../wiring/webhooks';
import { buildEvents } from '../../use-cases/events/build-events';
import { ledgerStore } from '../../wiring/ledger';

/**
 * A batch of one table's stream (DynamoDB Streams in AWS, DynamoDB Local's Streams API locally): its
 * changes become events, stored in pages, with their webhook deliveries queued. Any failure fails the whole
 * batch, which the stream retries as it was (same records, same pages, same event ids: nothing doubles);
 * a batch that keeps failing goes to the mapping's on-failure queue and alarms. Logs counts, never objects.
 */
const deps = { events: eventStore(), endpoints: webhookEndpointRepository(), queue: deliveryQueue(), now: () => new Date() };
/** Settled statement lines are read from their journal (event-sources.ts `balanceDraftsOf`). */
const ledger = ledgerStore();

const tableOfArn = (arn: string | undefined) => {
  const name = /:table\/([^/]+)\//.exec(arn ?? '')?.[1];
  const key = tableKeys.find((candidate) => tableName(candidate) === name);
  if (!key) throw new Error(`stream record from an unknown table: ${arn ?? 'no eventSourceARN'}`);
  return key;
};

/** Lambda's stream events carry binary attributes as base64 text: back to bytes, then to plain values. */
const bytes = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(bytes);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, inner]) => {
      if (name === 'B' && typeof inner === 'string') return [name, Uint8Array.from(Buffer.from(inner, 'base64'))];
      if (name === 'BS' && Array.isArray(inner)) return [name, inner.map((member) => Uint8Array.from(Buffer.from(String(member), 'base64')))];
      return [name, bytes(inner)];
    }),
  );
};

const image = (value: Record<string, unknown> | undefined) => (value ? unmarshall(bytes(value) as Record<string, AttributeValue>) : undefined);

export const handler = middy(async (event: DynamoDBStreamEvent) => {
  const records = event.Records;
  if (records.length === 0) return { events: 0 };
  const first = records[0];
  const last = records[records.length - 1];
  const table = tableOfArn(first?.eventSourceARN);
  const changes: ChangeRecord[] = records.map((record) => ({
    table: tableOfArn(record.eventSourceARN),
    eventName: record.eventName as ChangeRecord['eventName'],
    oldImage: image(record.dynamodb?.OldImage as Record<string, unknown> | undefined),
    newImage: image(record.dynamodb?.NewImage as Record<string, unknown> | undefined),
  }));
  const key = `${first?.eventSourceARN}|${first?.dynamodb?.SequenceNumber}|${last?.dynamodb?.SequenceNumber}|${records.length}`;
  const drafts = table === 'ledger' ? await balanceDraftsOf(changes, (id) => ledger.getLine(id)) : changes.flatMap(draftsOf);
  const result = await buildEvents(deps, { key, source: table, drafts });
  metrics.addMetric('EventsBuilt', MetricUnit.Count, result.events);
  metrics.addMetric('WebhookTasksQueued', MetricUnit.Count, result.tasks);
  // Only the payments table's batches can hold authorizations: the other tables' metric lines stay shorter.
  if (table === 'payments') {
    const outcomes = authorizationOutcomesOf(changes);
    metrics.addMetric('PaymentsAuthorized', MetricUnit.Count, outcomes.authorized);
    metrics.addMetric('PaymentsFailedUnauthorized', MetricUnit.Count, outcomes.failed);
  }
  // The batch's other facts ride on the same metric line (EMF metadata: searchable in Logs Insights, not metrics);
  // a separate INFO line repeated its counts (decision record 0038).
  metrics.addMetadata('table', table);
  metrics.addMetadata('records', String(records.length));
  metrics.addMetadata('pages', String(result.pages));
  return result;
})
  .use(injectLambdaContext(logger))
  .use(traceHandler())
  .use(logMetrics(metrics));
