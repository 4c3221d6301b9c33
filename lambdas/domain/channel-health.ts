/**
 * Channel health: each card channel's success rate and latency over a sliding window, and the circuit
 * breaker that takes a failing channel out of rotation and probes it back. Pure: the counts come from the
 * shared health record (adapters/dynamodb/channel-health-store.ts), written by every function instance in
 * batches, never once per payment (docs/decisions/0017-routing-health-and-failover.md).
 *
 * The window is a row of fixed buckets (`bucketMs` wide, the last `windowBuckets` of them). Each bucket
 * counts the channel's answers: attempts, failures (the channel was unavailable or did not answer: a
 * decline is a healthy answer) and the sum of their latencies.
 *
 *   closed ──failure rate ≥ failureRateToOpen over ≥ minVolume attempts since it closed──> open
 *   open ──openMs elapsed──> half_open (derived from the clock: nobody has to write it)
 *   half_open ──≥ probesToDecide attempts since half-open, failure rate below the threshold──> closed
 *   half_open ──the same, at or above the threshold──> open again (for another openMs)
 *
 * Only closed and open are stored (with the time the state began); the window a decision reads starts at
 * that time, so the failures that opened a breaker are not counted again once it has closed.
 */
export interface HealthPolicy {
  readonly bucketMs: number;
  readonly windowBuckets: number;
  /** Fewest attempts in the window before a failure rate may open the breaker. */
  readonly minVolume: number;
  readonly failureRateToOpen: number;
  /** How long an open breaker keeps the channel out before probing it. */
  readonly openMs: number;
  /** Attempts after the cool-down that decide between closing and opening again. */
  readonly probesToDecide: number;
  /** Share of payments a half-open channel is offered first (the probes); the rest keep it last. */
  readonly probeShare: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  bucketMs: 2_000,
  windowBuckets: 15,
  minVolume: 8,
  failureRateToOpen: 0.5,
  openMs: 5_000,
  probesToDecide: 3,
  probeShare: 0.2,
};

export interface BucketCounts {
  readonly attempts: number;
  readonly failures: number;
  readonly latencyMs: number;
}

export type StoredBreakerState = 'closed' | 'open';
export type BreakerState = StoredBreakerState | 'half_open';

/** The shared record of one channel: bucket counts by bucket index (epoch ms / bucketMs) and the breaker. */
export interface ChannelHealthRecord {
  readonly channel: string;
  readonly buckets: ReadonlyMap<number, BucketCounts>;
  readonly breaker: StoredBreakerState;
  /** When the stored state began (epoch ms); 0 for a channel never seen. */
  readonly since: number;
}

export const unseenChannel = (channel: string): ChannelHealthRecord => ({ channel, buckets: new Map(), breaker: 'closed', since: 0 });

export const bucketIndex = (atMs: number, policy: HealthPolicy): number => Math.floor(atMs / policy.bucketMs);

/** One answer of a channel, as a function instance counts it before flushing. */
export interface ChannelOutcome {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly atMs: number;
}

/** The counts of whole buckets that start at or after `fromMs`, within the window ending now. */
export const countSince = (record: ChannelHealthRecord, fromMs: number, nowMs: number, policy: HealthPolicy): BucketCounts => {
  const last = bucketIndex(nowMs, policy);
  const first = Math.max(last - policy.windowBuckets + 1, Math.ceil(fromMs / policy.bucketMs));
  let attempts = 0;
  let failures = 0;
  let latencyMs = 0;
  for (const [index, counts] of record.buckets) {
    if (index < first || index > last) continue;
    attempts += counts.attempts;
    failures += counts.failures;
    latencyMs += counts.latencyMs;
  }
  return { attempts, failures, latencyMs };
};

export interface ChannelHealthView {
  readonly channel: string;
  readonly state: BreakerState;
  /** Over the whole window (not only since the breaker's last change): what dashboards and the drill show. */
  readonly attempts: number;
  readonly successRate: number | null;
  readonly meanLatencyMs: number | null;
  /** When the current state began (epoch ms); a half-open state begins when the cool-down ends. */
  readonly since: number;
}

export const breakerState = (record: ChannelHealthRecord, nowMs: number, policy: HealthPolicy): BreakerState =>
  record.breaker === 'open' && nowMs >= record.since + policy.openMs ? 'half_open' : record.breaker;

export const viewOf = (record: ChannelHealthRecord, nowMs: number, policy: HealthPolicy): ChannelHealthView => {
  const window = countSince(record, 0, nowMs, policy);
  const state = breakerState(record, nowMs, policy);
  return {
    channel: record.channel,
    state,
    attempts: window.attempts,
    successRate: window.attempts === 0 ? null : (window.attempts - window.failures) / window.attempts,
    meanLatencyMs: window.attempts === 0 ? null : Math.round(window.latencyMs / window.attempts),
    since: state === 'half_open' ? record.since + policy.openMs : record.since,
  };
};

/** A change of the stored breaker state, written only over the state it was decided from. */
export interface BreakerTransition {
  readonly from: { readonly breaker: StoredBreakerState; readonly since: number };
  readonly to: StoredBreakerState;
  readonly at: number;
  readonly reason: string;
}

const rate = (counts: BucketCounts): number => (counts.attempts === 0 ? 0 : counts.failures / counts.attempts);

/** What the breaker should become, given the counts now in the record; undefined when it stays. */
export const nextBreaker = (record: ChannelHealthRecord, nowMs: number, policy: HealthPolicy): BreakerTransition | undefined => {
  const from = { breaker: record.breaker, since: record.since };
  const state = breakerState(record, nowMs, policy);
  if (state === 'closed') {
    const counts = countSince(record, record.since, nowMs, policy);
    if (counts.attempts >= policy.minVolume && rate(counts) >= policy.failureRateToOpen) {
      return { from, to: 'open', at: nowMs, reason: `${counts.failures} of ${counts.attempts} attempts failed` };
    }
    return undefined;
  }
  if (state === 'open') return undefined;
  const probes = countSince(record, record.since + policy.openMs, nowMs, policy);
  if (probes.attempts < policy.probesToDecide) return undefined;
  const failed = rate(probes) >= policy.failureRateToOpen;
  return {
    from,
    to: failed ? 'open' : 'closed',
    at: nowMs,
    reason: `${probes.failures} of ${probes.attempts} probes failed`,
  };
};

/** Adds outcomes to bucket counts (a function instance's tally before it flushes them). */
export const tally = (outcomes: readonly ChannelOutcome[], policy: HealthPolicy): Map<number, BucketCounts> => {
  const buckets = new Map<number, BucketCounts>();
  for (const outcome of outcomes) {
    const index = bucketIndex(outcome.atMs, policy);
    const counts = buckets.get(index) ?? { attempts: 0, failures: 0, latencyMs: 0 };
    buckets.set(index, {
      attempts: counts.attempts + 1,
      failures: counts.failures + (outcome.ok ? 0 : 1),
      latencyMs: counts.latencyMs + Math.max(0, Math.round(outcome.latencyMs)),
    });
  }
  return buckets;
};
