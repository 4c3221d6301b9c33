import * as z from 'zod/mini';
import { DynamoDbSagaStartMarkers } from '../adapters/dynamodb/saga-start-markers';
import { DEFAULT_SAGA_START_GRACE_SECONDS } from '../domain/saga-start';
import type { SagaStartMarkers } from '../ports/saga-starts';
import { dynamoDbDocumentClient } from './clients';
import { readConfig, tableNameFromEnv } from './config';

/**
 * The sweeper's configuration, parsed once. SAGA_START_GRACE_SECONDS (default 120) is how old a saga-start
 * marker must be before the sweeper starts its saga; the local runtime and tests shorten it.
 */
const nonNegativeInteger = z.optional(z.string().check(z.regex(/^\d+$/, 'a non-negative integer')));

export const sweeperConfig = () => {
  const config = readConfig({
    AWS_REGION: z.string().check(z.minLength(1)),
    SAGA_START_GRACE_SECONDS: nonNegativeInteger,
    SAGA_SWEEP_PER_SHARD_LIMIT: nonNegativeInteger,
  });
  return {
    region: config.AWS_REGION,
    graceSeconds: Number(config.SAGA_START_GRACE_SECONDS ?? DEFAULT_SAGA_START_GRACE_SECONDS),
    perShardLimit: Math.max(1, Number(config.SAGA_SWEEP_PER_SHARD_LIMIT ?? 100)),
  };
};

let markers: SagaStartMarkers | undefined;

export const sagaStartMarkers = (): SagaStartMarkers => {
  markers ??= new DynamoDbSagaStartMarkers(dynamoDbDocumentClient(), { payments: tableNameFromEnv('payments'), payouts: tableNameFromEnv('payouts') });
  return markers;
};
