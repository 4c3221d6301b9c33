import { shardOf } from './shards';

/**
 * The saga-start marker (docs/decisions/0010-saga-start-sweeper.md). A payment, refund or payout is
 * stored first and its saga started second; a crash, a timeout or a refused StartExecution between the
 * two would leave it `processing` / `pending` forever if its merchant never retries. So every such object
 * is stored with a marker (`since` = its creation time, in a shard of the region that stored it) that the
 * saga's first step removes; the sweeper starts the saga of any object still marked after a grace period.
 *
 * Pure: shard and cutoff arithmetic only.
 */
export const SAGA_KINDS = ['payment', 'refund', 'payout'] as const;
export type SagaKind = (typeof SAGA_KINDS)[number];

/** Shards per region: markers spread over 8 index partitions, so a burst of creates has no hot partition. */
export const SAGA_START_SHARDS = 8;

/** How long a marker may stand before the sweeper acts: the create path normally starts the saga in milliseconds. */
export const DEFAULT_SAGA_START_GRACE_SECONDS = 120;

/**
 * The marker's partition: `saga#<region>#<0..7>`. The region is the one whose create path should have
 * started the saga; each region's sweeper sweeps only its own shards, so a replicated marker never gets a
 * second execution in the other region.
 */
export const sagaStartShard = (region: string, id: string): string => `saga#${region}#${shardOf(id, SAGA_START_SHARDS)}`;

export const sagaStartShards = (region: string): readonly string[] =>
  Array.from({ length: SAGA_START_SHARDS }, (_, shard) => `saga#${region}#${shard}`);

/** Markers set strictly before this instant are overdue. */
export const sagaStartCutoff = (now: Date, graceSeconds: number): string => {
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new RangeError(`grace period must be a non-negative number of seconds, not ${graceSeconds}`);
  return new Date(now.getTime() - graceSeconds * 1000).toISOString();
};

/** The marker an object is stored with. */
export interface SagaStartMarker {
  readonly shard: string;
  /** ISO 8601, the object's creation time: markers sort by age within a shard. */
  readonly since: string;
}

export const sagaStartMarker = (region: string, object: { readonly id: string; readonly createdAt: string }): SagaStartMarker => {
  if (!region) throw new Error('The region storing the object must be known to mark its saga start');
  return { shard: sagaStartShard(region, object.id), since: object.createdAt };
};

/** Some overdue sagas could not be started in this sweep (their ids are logged); the next sweep tries again. */
export class SagaStartsFailedError extends Error {
  override readonly name = 'SagaStartsFailedError';
  constructor(readonly failed: number) {
    super(`${failed} overdue saga(s) could not be started; the next sweep tries again`);
  }
}
