import * as z from 'zod/mini';
import { DynamoDbRecentObjects } from '../adapters/dynamodb/recent-objects';
import { DynamoDbSagaStartMarkers } from '../adapters/dynamodb/saga-start-markers';
import { DEFAULT_SAGA_START_GRACE_SECONDS, DEFAULT_SAGA_SWEEP_LOOKBACK_SECONDS, DEFAULT_SAGA_SWEEP_MAX_WINDOW_SECONDS, SAGA_SWEEP_OVERLAP_SECONDS } from '../domain/saga-start';
import type { RecentObjects, SagaStartMarkers } from '../ports/saga-starts';
import { InMemorySweepPosition } from '../use-cases/sweep-unstarted-sagas';
import { dynamoDbDocumentClient } from '../shared/clients';
import { awsRegion, readConfig, tableNameFromEnv } from '../shared/config';

/**
 * The sweeper's configuration, parsed once (docs/decisions/0021-in-flight-sweep-over-list-indexes.md):
 * SAGA_START_GRACE_SECONDS (default 120) is how long an object must have been in flight before the sweeper
 * starts its recovery (the local runtime and tests shorten it); SAGA_SWEEP_LOOKBACK_SECONDS (default 1,800)
 * how far back a fresh instance looks for created objects; SAGA_SWEEP_MAX_WINDOW_SECONDS (default 300) the
 * most creation time one window reads (a sweep reads windows one after the other until it has caught up).
 */
const nonNegativeInteger = z.optional(z.string().check(z.regex(/^\d+$/, 'a non-negative integer')));

export const sweeperConfig = () => {
  const config = readConfig({
    SAGA_START_GRACE_SECONDS: nonNegativeInteger,
    SAGA_SWEEP_PER_SHARD_LIMIT: nonNegativeInteger,
    SAGA_SWEEP_LOOKBACK_SECONDS: nonNegativeInteger,
    SAGA_SWEEP_MAX_WINDOW_SECONDS: nonNegativeInteger,
  });
  return {
    region: awsRegion(),
    graceSeconds: Number(config.SAGA_START_GRACE_SECONDS ?? DEFAULT_SAGA_START_GRACE_SECONDS),
    perShardLimit: Math.max(1, Number(config.SAGA_SWEEP_PER_SHARD_LIMIT ?? 100)),
    lookbackSeconds: Number(config.SAGA_SWEEP_LOOKBACK_SECONDS ?? DEFAULT_SAGA_SWEEP_LOOKBACK_SECONDS),
    // A window longer than the overlap, so each one moves on.
    maxWindowSeconds: Math.max(SAGA_SWEEP_OVERLAP_SECONDS + 1, Number(config.SAGA_SWEEP_MAX_WINDOW_SECONDS ?? DEFAULT_SAGA_SWEEP_MAX_WINDOW_SECONDS)),
  };
};

let markers: SagaStartMarkers | undefined;
let recent: RecentObjects | undefined;

export const sagaStartMarkers = (): SagaStartMarkers => {
  markers ??= new DynamoDbSagaStartMarkers(dynamoDbDocumentClient(), { payments: tableNameFromEnv('payments'), payouts: tableNameFromEnv('payouts') });
  return markers;
};

export const recentObjects = (): RecentObjects => {
  recent ??= new DynamoDbRecentObjects(dynamoDbDocumentClient(), {
    merchants: tableNameFromEnv('merchants'),
    payments: tableNameFromEnv('payments'),
    payouts: tableNameFromEnv('payouts'),
  });
  return recent;
};

/** Where this instance's previous sweep ended: in memory, so a new instance looks back the whole lookback. */
export const sweepPosition = new InMemorySweepPosition();
