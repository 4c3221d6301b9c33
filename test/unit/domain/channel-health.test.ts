import {
  type BucketCounts,
  type ChannelHealthRecord,
  DEFAULT_HEALTH_POLICY,
  type HealthPolicy,
  breakerState,
  countSince,
  nextBreaker,
  tally,
  viewOf,
} from '../../../lambdas/domain/channel-health';
import { cardChannels } from '../../../platform/channels';
import { chooseChannel } from '../../../lambdas/domain/routing';
import { merchantRoutingOf } from '../../../lambdas/domain/merchant';

// Prepare: 1 s buckets, a 10 s window, open at 50% failures over 4 attempts, 5 s cool-down, 3 probes.
const policy: HealthPolicy = { bucketMs: 1_000, windowBuckets: 10, minVolume: 4, failureRateToOpen: 0.5, openMs: 5_000, probesToDecide: 3, probeShare: 0.25 };
const T = 1_000_000; // a bucket boundary (epoch ms)

/** A record with `[second offset from T, attempts, failures]` buckets. */
const record = (breaker: 'closed' | 'open', since: number, buckets: [number, number, number][]): ChannelHealthRecord => ({
  channel: 'atlas',
  breaker,
  since,
  buckets: new Map(buckets.map(([second, attempts, failures]): [number, BucketCounts] => [(T + second * 1_000) / 1_000, { attempts, failures, latencyMs: attempts * 50 }])),
});

describe('sliding window', () => {
  it.each([
    ['every bucket of the window', 0, 9_500, 10, 5],
    ['not the buckets that left the window', 0, 15_500, 4, 2],
    ['only whole buckets since a given time', 3_500, 9_500, 6, 3],
  ])('counts %s', (_case, fromOffset, nowOffset, attempts, failures) => {
    // Prepare: one attempt in each of seconds 0..9, every other one failed
    const health = record('closed', 0, Array.from({ length: 10 }, (_, second): [number, number, number] => [second, 1, second % 2]));
    // Act
    const counts = countSince(health, T + fromOffset, T + nowOffset, policy);
    // Assess
    expect(counts).toMatchObject({ attempts, failures });
  });

  it('tallies outcomes into buckets: attempts, failures, latency', () => {
    const buckets = tally(
      [
        { ok: true, latencyMs: 40, atMs: T + 100 },
        { ok: false, latencyMs: 2_000, atMs: T + 900 },
        { ok: true, latencyMs: 60.4, atMs: T + 1_000 },
      ],
      policy,
    );
    expect([...buckets]).toEqual([
      [T / 1_000, { attempts: 2, failures: 1, latencyMs: 2_040 }],
      [T / 1_000 + 1, { attempts: 1, failures: 0, latencyMs: 60 }],
    ]);
  });

  it('shows success rate and mean latency over the window', () => {
    const view = viewOf(record('closed', 0, [[0, 4, 1], [1, 4, 0]]), T + 1_500, policy);
    expect(view).toMatchObject({ state: 'closed', attempts: 8, successRate: 7 / 8, meanLatencyMs: 50 });
    expect(viewOf(record('closed', 0, []), T, policy)).toMatchObject({ attempts: 0, successRate: null, meanLatencyMs: null });
  });
});

describe('circuit breaker', () => {
  it.each<[string, ChannelHealthRecord, number, 'open' | 'closed' | undefined]>([
    ['closed, under the minimum volume: stays closed', record('closed', 0, [[0, 3, 3]]), 1_500, undefined],
    ['closed, failure rate below the threshold: stays closed', record('closed', 0, [[0, 10, 4]]), 1_500, undefined],
    ['closed, failure rate at the threshold over the volume: opens', record('closed', 0, [[0, 2, 1], [1, 2, 1]]), 1_500, 'open'],
    ['closed since after the failures (just closed): stays closed', record('closed', T + 2_000, [[0, 4, 4], [1, 4, 4], [2, 1, 0]]), 2_500, undefined],
    ['open, cool-down not over: stays open whatever the counts', record('open', T, [[1, 10, 0]]), 4_999, undefined],
    ['half-open, too few probes: waits', record('open', T, [[0, 9, 9], [5, 2, 0]]), 5_500, undefined],
    ['half-open, probes succeed: closes (the failures before are not probes)', record('open', T, [[0, 9, 9], [5, 3, 1]]), 5_500, 'closed'],
    ['half-open, probes fail: opens again', record('open', T, [[0, 9, 9], [5, 2, 1], [6, 2, 1]]), 6_500, 'open'],
  ])('%s', (_case, health, nowOffset, expected) => {
    // Act
    const transition = nextBreaker(health, T + nowOffset, policy);
    // Assess
    expect(transition?.to).toBe(expected);
    if (transition) expect(transition).toMatchObject({ from: { breaker: health.breaker, since: health.since }, at: T + nowOffset });
  });

  it.each([
    [4_999, 'open'],
    [5_000, 'half_open'],
  ])('an open breaker %s ms after opening is %s (derived from the clock, nobody writes it)', (elapsed, state) => {
    expect(breakerState(record('open', T, []), T + elapsed, policy)).toBe(state);
    expect(viewOf(record('open', T, []), T + elapsed, policy).since).toBe(state === 'half_open' ? T + 5_000 : T);
  });

  it('defaults: opens within seconds of an outage at a few payments per second, probes back after 5 s', () => {
    expect(DEFAULT_HEALTH_POLICY).toMatchObject({ minVolume: 8, failureRateToOpen: 0.5, openMs: 5_000 });
  });
});

describe('routing with health', () => {
  const eur = { amount: 5000, currency: 'EUR' }; // boreal is cheaper for it
  const health = (states: Record<string, 'closed' | 'open' | 'half_open'>) => new Map(Object.entries(states).map(([channel, state]) => [channel, { state }]));

  it.each<[string, Record<string, 'closed' | 'open' | 'half_open'>, number, string, string[], string]>([
    ['all healthy: least cost', {}, 0.9, 'boreal', ['boreal', 'atlas'], 'least_cost'],
    ['cheapest open: skipped, out of the plan', { boreal: 'open' }, 0.9, 'atlas', ['atlas'], 'circuit_open_skipped'],
    ['every candidate open: the cheapest anyway', { boreal: 'open', atlas: 'open' }, 0.9, 'boreal', ['boreal', 'atlas'], 'all_circuits_open'],
    ['half-open cheapest, not a probe draw: last', { boreal: 'half_open' }, 0.9, 'atlas', ['atlas', 'boreal'], 'circuit_open_skipped'],
    ['half-open cheapest, a probe draw: first', { boreal: 'half_open' }, 0.1, 'boreal', ['boreal', 'atlas'], 'half_open_probe'],
    ['half-open other channel, a probe draw: first', { atlas: 'half_open' }, 0.1, 'atlas', ['atlas', 'boreal'], 'half_open_probe'],
    ['the only other one open, the cheapest half-open: probed', { boreal: 'half_open', atlas: 'open' }, 0.9, 'boreal', ['boreal'], 'half_open_probe'],
  ])('%s', (_case, states, draw, channel, candidates, reason) => {
    const decision = chooseChannel(cardChannels, eur, { health: health(states), probeShare: 0.25, random: () => draw });
    expect(decision).toMatchObject({ channel, candidates, reason });
  });
});

describe('strategy success_rate', () => {
  const eur = { amount: 5000, currency: 'EUR' }; // boreal is cheaper for it
  const measured = (rates: Record<string, [number, number]>) =>
    new Map(Object.entries(rates).map(([channel, [attempts, successRate]]) => [channel, { state: 'closed' as const, attempts, successRate }]));
  /** Draws in turn: the first decides exploration, the second which candidate is explored. */
  const draws = (...values: number[]) => () => values.shift() ?? 0.99;

  it.each<[string, Record<string, [number, number]>, number[], string, string]>([
    ['the better success rate wins over the lower fee', { atlas: [100, 0.99], boreal: [100, 0.9] }, [0.5], 'atlas', 'success_rate'],
    ['equal rates: the lower fee', { atlas: [100, 0.95], boreal: [100, 0.95] }, [0.5], 'boreal', 'success_rate'],
    ['an unmeasured channel is neither trusted nor shunned (smoothed)', { atlas: [0, 0], boreal: [10, 0.4] }, [0.5], 'atlas', 'success_rate'],
    ['a few lucky answers do not beat a long good record', { atlas: [2, 1], boreal: [1000, 0.97] }, [0.5], 'boreal', 'success_rate'],
    ['the exploration share goes to a candidate drawn at random', { atlas: [100, 0.99], boreal: [100, 0.5] }, [0.05, 0.2], 'boreal', 'exploration'],
  ])('%s', (_case, rates, values, channel, reason) => {
    const decision = chooseChannel(cardChannels, eur, { strategy: 'success_rate', explorationShare: 0.1, health: measured(rates), random: draws(...values) });
    expect(decision).toMatchObject({ channel, reason });
    expect([...decision.candidates].sort()).toEqual(['atlas', 'boreal']);
  });

  it('explores about its share of payments', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const health = measured({ atlas: [100, 0.99], boreal: [100, 0.9] });
    const reasons = Array.from({ length: 5_000 }, () => chooseChannel(cardChannels, eur, { strategy: 'success_rate', explorationShare: 0.1, health, random }).reason);
    const share = reasons.filter((reason) => reason === 'exploration').length / reasons.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
  });

  it('still keeps an open channel out and probes a half-open one first', () => {
    const health = new Map([
      ['atlas', { state: 'open' as const, attempts: 100, successRate: 1 }],
      ['boreal', { state: 'closed' as const, attempts: 100, successRate: 0.5 }],
    ]);
    expect(chooseChannel(cardChannels, eur, { strategy: 'success_rate', health, random: () => 0.99 })).toMatchObject({ channel: 'boreal', candidates: ['boreal'] });
  });
});

describe('merchant routing settings', () => {
  it.each<[string, unknown, Record<string, unknown>]>([
    ['none stored: the defaults', undefined, { failover: true, strategy: 'least_cost', explorationShare: 0.1 }],
    ['failover off', { failover: false }, { failover: false, strategy: 'least_cost' }],
    ['success rate with its own share', { strategy: 'success_rate', explorationShare: 0.25 }, { strategy: 'success_rate', explorationShare: 0.25 }],
    ['an unknown strategy or a share outside 0..1: the defaults for those', { strategy: 'cheapest', explorationShare: 2, failover: 'no' }, { failover: true, strategy: 'least_cost', explorationShare: 0.1 }],
  ])('%s', (_case, stored, expected) => {
    expect(merchantRoutingOf(stored)).toMatchObject(expected);
  });
});
