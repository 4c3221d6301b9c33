import * as z from 'zod/mini';
import { deployment } from '../../platform/deployment';
import { DynamoDbLedgerStore } from '../adapters/dynamodb/ledger-store';
import { DynamoDbRecentObjects } from '../adapters/dynamodb/recent-objects';
import { DynamoDbSagaStartMarkers } from '../adapters/dynamodb/saga-start-markers';
import { auditLog } from './audit';
import { workflows } from './payments';
import { dynamoDbDocumentClient, dynamoDbDocumentClientIn } from '../shared/clients';
import { awsRegion, readConfig, tableNameFromEnv } from '../shared/config';

/**
 * The home-region move's dependencies (docs/decisions/0024-home-region-routing-and-moves.md), built once per
 * function instance. HOME_MOVE_DRAIN_LOOKBACK_SECONDS (default a day, longer than any recovery runs) is how far
 * back the drain looks for the merchant's objects still in flight; HOME_MOVE_DRAIN_TIMEOUT_SECONDS (default 900) how
 * long after the move began flights may still run before the move is called off.
 */
const regions = [deployment.primaryRegion, deployment.secondaryRegion] as const;

const config = () =>
  readConfig({
    /**
     * The other region, whose replica AwaitReplication reads: set by lib/ in AWS, and by the local two-region
     * platform (`npm start -- --regions 2`, whose other region is another DynamoDB Local: decision 0036). The
     * one-region local runtime leaves it out: there the check reads this region's table.
     */
    REPLICA_REGION: z.optional(z.string().check(z.minLength(1))),
    HOME_MOVE_DRAIN_LOOKBACK_SECONDS: z.optional(z.string().check(z.regex(/^\d+$/, 'a non-negative integer'))),
    HOME_MOVE_DRAIN_TIMEOUT_SECONDS: z.optional(z.string().check(z.regex(/^\d+$/, 'a non-negative integer'))),
  });

/** For the marker steps (function `changeHomeRegion`): this region's ledger table and the other region's replica. */
export const homeRegionMarkerDeps = () => {
  const { REPLICA_REGION } = config();
  const replicaRegion = REPLICA_REGION ?? regions.find((region) => region !== awsRegion()) ?? deployment.secondaryRegion;
  const table = tableNameFromEnv('ledger');
  const ledger = new DynamoDbLedgerStore(dynamoDbDocumentClient(), table);
  return {
    ledger,
    replica: REPLICA_REGION ? new DynamoDbLedgerStore(dynamoDbDocumentClientIn(REPLICA_REGION), table) : ledger,
    replicaRegion,
    regions,
    region: awsRegion(),
    primaryRegion: deployment.primaryRegion,
    now: () => new Date(),
  };
};

/** For the drain (function `countMerchantFlights`): the list indexes and the saga-starts shards. */
export const merchantFlightDeps = () => {
  const { HOME_MOVE_DRAIN_LOOKBACK_SECONDS, HOME_MOVE_DRAIN_TIMEOUT_SECONDS } = config();
  const client = dynamoDbDocumentClient();
  const tables = { payments: tableNameFromEnv('payments'), payouts: tableNameFromEnv('payouts') };
  return {
    flights: new DynamoDbRecentObjects(client, tables),
    markers: new DynamoDbSagaStartMarkers(client, tables),
    regions,
    lookbackSeconds: Number(HOME_MOVE_DRAIN_LOOKBACK_SECONDS ?? 86_400),
    // An Express run lasts at most 120 s; what runs longer is with the recovery, which the fence would only hold up.
    drainTimeoutSeconds: Number(HOME_MOVE_DRAIN_TIMEOUT_SECONDS ?? 900),
    now: () => new Date(),
  };
};

/** For the balance repair of a forced move (function `repairMerchantBalances`, decision 0039): this region's ledger and audit log. */
export const balanceRepairDeps = () => ({
  ledger: new DynamoDbLedgerStore(dynamoDbDocumentClient(), tableNameFromEnv('ledger')),
  audit: auditLog(),
});

/** For the adoption of a forced move (function `adoptMerchantFlights`, decision 0039): the drain's listing and the recovery workflow. */
export const flightAdoptionDeps = () => ({ ...merchantFlightDeps(), workflows: workflows() });
