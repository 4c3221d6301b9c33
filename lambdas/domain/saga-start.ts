import { shardOf } from './shards';

/**
 * Finding the objects whose run died (docs/decisions/0021-in-flight-sweep-over-list-indexes.md, which amends
 * 0010 and 0011). A payment, refund or payout is in flight from its creation (or a later capture, cancel,
 * review decision or rail message) until a write ends its flight or a durable wait holds it; its Express run
 * may die at any step, and a crash or a refused start between the write and the run leaves it in flight with
 * nothing running. The sweeper starts the recovery of anything in flight past a grace period, found two ways:
 *  - a creation flight (every object has one) by the merchants' list indexes, which each object is written
 *    to once anyway: the objects created in a time window, read back (no write on the payment path);
 *  - a later flight (a manual payment's capture or cancel, a payout moving again) by the sparse `saga-starts`
 *    index, which now holds only those: `saga_shard` = `saga#<region>#<0..7>` and `saga_pending_since` =
 *    when the flight began, set by the write that starts it and gone with the write that ends it.
 *
 * Pure: shard, flight and window arithmetic only.
 */
export const SAGA_KINDS = ['payment', 'refund', 'payout'] as const;
export type SagaKind = (typeof SAGA_KINDS)[number];

/** Shards per region: markers spread over 8 index partitions, so a burst of later flights has no hot partition. */
export const SAGA_START_SHARDS = 8;

/** How long an object may be in flight before the sweeper acts: longer than an Express run lasts (120 s). */
export const DEFAULT_SAGA_START_GRACE_SECONDS = 120;

/**
 * How far back a sweep with no position looks (a fresh instance, or one whose position is older): 30 minutes,
 * so 28 missed one-minute runs lose nothing. Reads only: each object is read about twice when runs follow
 * each other (window + overlap), and every object of the lookback once after a cold start.
 */
export const DEFAULT_SAGA_SWEEP_LOOKBACK_SECONDS = 30 * 60;

/** Each sweep covers at most this much creation time (catching up after a cold start takes a few runs). */
export const DEFAULT_SAGA_SWEEP_MAX_WINDOW_SECONDS = 5 * 60;

/**
 * A window starts this much before the previous window's end: an object whose index entry appeared late
 * (clock skew between the creating function and the sweeper, an index lagging past the grace period) is
 * still seen.
 */
export const SAGA_SWEEP_OVERLAP_SECONDS = 60;

/**
 * The marker's partition: `saga#<region>#<0..7>`. The region is the one whose write began the flight; each
 * region's sweeper sweeps only its own shards, so a replicated marker never gets a second execution in the
 * other region.
 */
export const sagaStartShard = (region: string, id: string): string => `saga#${region}#${shardOf(id, SAGA_START_SHARDS)}`;

export const sagaStartShards = (region: string): readonly string[] =>
  Array.from({ length: SAGA_START_SHARDS }, (_, shard) => `saga#${region}#${shard}`);

/** Flights that began strictly before this instant are overdue. */
export const sagaStartCutoff = (now: Date, graceSeconds: number): string => {
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new RangeError(`grace period must be a non-negative number of seconds, not ${graceSeconds}`);
  return new Date(now.getTime() - graceSeconds * 1000).toISOString();
};

/** The marker an object in a later flight is stored with. */
export interface SagaStartMarker {
  readonly shard: string;
  /** ISO 8601, when the flight began: markers sort by age within a shard. */
  readonly since: string;
}

/**
 * The marker of an object in flight, or none: an object in its creation flight (in flight since its creation)
 * is found through its list index and needs none; an object not in flight has none.
 */
export const sagaStartMarker = (region: string, object: { readonly id: string; readonly createdAt: string; readonly inFlightSince: string | null }): SagaStartMarker | undefined => {
  if (!object.inFlightSince || object.inFlightSince === object.createdAt) return undefined;
  if (!region) throw new Error('The region storing the object must be known to mark its flight');
  return { shard: sagaStartShard(region, object.id), since: object.inFlightSince };
};

/** The creation time a sweep covers: [from, to), ISO 8601. */
export interface SweepWindow {
  readonly from: string;
  readonly to: string;
}

/**
 * The creation window of one sweep: it ends at the cutoff (nothing younger is overdue) and starts where the
 * previous sweep of this instance ended, less the overlap, but never before the lookback (no position, or an
 * old one), and spans at most `maxWindowSeconds` (the rest is the next sweep's). Empty (from = to) when the
 * position is already at the cutoff.
 */
export const sweepWindow = (input: {
  readonly cutoff: string;
  readonly position?: string;
  readonly lookbackSeconds: number;
  readonly maxWindowSeconds: number;
  readonly overlapSeconds: number;
}): SweepWindow => {
  const cutoff = Date.parse(input.cutoff);
  const earliest = cutoff - input.lookbackSeconds * 1000;
  const resumed = input.position === undefined ? earliest : Date.parse(input.position) - input.overlapSeconds * 1000;
  const from = Math.min(Math.max(earliest, resumed), cutoff);
  const to = Math.min(cutoff, from + input.maxWindowSeconds * 1000);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
};

/** Some overdue objects' recoveries could not be started in this sweep (their ids are logged); the next sweep tries again. */
export class SagaStartsFailedError extends Error {
  override readonly name = 'SagaStartsFailedError';
  constructor(readonly failed: number) {
    super(`${failed} overdue saga(s) could not be started; the next sweep tries again`);
  }
}
