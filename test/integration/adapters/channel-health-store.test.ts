import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelHealth } from '../../../lambdas/adapters/dynamodb/channel-health-store';
import type { BreakerTransition, HealthPolicy } from '../../../lambdas/domain/channel-health';
import { tableName } from '../../../platform/tables';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../../../local/faults/dynamodb-fault-proxy';
import { suiteDynamoDbEndpoint, useIsolatedDynamoDb } from '../../support/dynamodb';

/**
 * The shared channel health record in DynamoDB Local, written as function instances write it: each counts
 * in memory and flushes a batch with atomic ADDs (through a proxy that counts the requests), the breaker
 * moved under a condition so two instances deciding at once move it once.
 */
const policy: HealthPolicy = { bucketMs: 1_000, windowBuckets: 10, minVolume: 4, failureRateToOpen: 0.5, openMs: 5_000, probesToDecide: 2, probeShare: 0.2 };
const T = 1_800_000_000_000;

describe('DynamoDbChannelHealth (DynamoDB Local)', () => {
  let proxy: DynamoDbFaultProxy;
  let clock = T;
  let instances: (channel: string) => { a: DynamoDbChannelHealth; b: DynamoDbChannelHealth; transitions: BreakerTransition[] };
  let itemOf: (channel: string) => Promise<Record<string, unknown> | undefined>;
  let requests: () => number;

  beforeAll(async () => {
    proxy = await startDynamoDbFaultProxy(suiteDynamoDbEndpoint());
    const { documentClient } = await useIsolatedDynamoDb(proxy.endpoint);
    const table = tableName('channelHealth');
    instances = () => {
      const transitions: BreakerTransition[] = [];
      const make = () => new DynamoDbChannelHealth(documentClient, table, { policy, flushMs: 2_000, cacheMs: 1_000, now: () => clock, onTransition: (_channel, transition) => transitions.push(transition) });
      return { a: make(), b: make(), transitions };
    };
    itemOf = async (channel) => (await documentClient.send(new GetCommand({ TableName: table, Key: { pk: `channel#${channel}` }, ConsistentRead: true }))).Item;
    requests = () => Object.values(proxy.counts.seen).reduce((sum, count) => sum + count, 0);
  });
  afterAll(() => proxy.stop());

  it('sums the counts of every instance, one write per instance and batch, not one per outcome', async () => {
    // Prepare
    clock = T;
    const { a, b } = instances('sum');
    for (let index = 0; index < 10; index += 1) a.record('sum', { ok: index % 5 !== 0, latencyMs: 40 });
    for (let index = 0; index < 6; index += 1) b.record('sum', { ok: true, latencyMs: 60 });
    const before = requests();
    // Act
    await Promise.all([a.flush({ force: true }), b.flush({ force: true })]);
    // Assess: two UpdateItems for 16 outcomes; the record holds both instances' counts
    expect(requests() - before).toBe(2);
    clock += 1_000; // past the reader's cache, which holds what its own write answered
    const views = await a.views(['sum']);
    expect(views.get('sum')).toMatchObject({ state: 'closed', attempts: 16, successRate: 14 / 16, meanLatencyMs: Math.round((10 * 40 + 6 * 60) / 16) });
  });

  it('flushes only when a batch is due, and serves reads from its cache in between', async () => {
    clock = T + 100_000;
    const { a } = instances('due');
    a.record('due', { ok: true, latencyMs: 10 });
    await a.flush({ force: true });
    a.record('due', { ok: true, latencyMs: 10 });
    const before = requests();
    await a.flush();
    await a.views(['due']);
    expect(requests() - before).toBe(0);
    clock += 2_000;
    await a.flush();
    expect(requests() - before).toBe(1);
    expect((await a.views(['due'])).get('due')?.attempts).toBe(2);
  });

  it('opens the breaker once when two instances see the failures at once, and probes it back to closed', async () => {
    // Prepare: both instances count failures of the same channel
    clock = T + 200_000;
    const { a, b, transitions } = instances('flaky');
    for (const instance of [a, b]) for (let index = 0; index < 3; index += 1) instance.record('flaky', { ok: false, latencyMs: 2_500 });
    // Act
    await a.flush({ force: true });
    await b.flush({ force: true });
    // Assess: open, moved by exactly one instance; every reader sees it open
    expect(transitions.map((transition) => transition.to)).toEqual(['open']);
    expect(await itemOf('flaky')).toMatchObject({ bs: 'open', bt: clock });
    clock += 1_000;
    expect((await b.views(['flaky'])).get('flaky')?.state).toBe('open');
    // After the cool-down it is half-open without anyone writing; two good probes close it
    clock += 5_000;
    expect((await b.views(['flaky'])).get('flaky')?.state).toBe('half_open');
    clock += 1_000;
    a.record('flaky', { ok: true, latencyMs: 30 });
    a.record('flaky', { ok: true, latencyMs: 30 });
    await a.flush({ force: true });
    expect(transitions.map((transition) => transition.to)).toEqual(['open', 'closed']);
    clock += 1_000;
    expect((await b.views(['flaky'])).get('flaky')?.state).toBe('closed');
  });

  it('keeps only the window in the item: buckets that left it are removed by the next write', async () => {
    clock = T + 300_000;
    const { a } = instances('window');
    a.record('window', { ok: true, latencyMs: 5 });
    await a.flush({ force: true });
    // An idle minute (longer than the window and the range each write clears), then two answers
    for (const pause of [60_000, 1_000]) {
      clock += pause;
      a.record('window', { ok: true, latencyMs: 5 });
      await a.flush({ force: true });
    }
    const buckets = Object.keys((await itemOf('window')) ?? {}).flatMap((name) => (/^n(\d+)$/.exec(name) ? [Number(name.slice(1))] : []));
    expect(buckets.sort()).toEqual([Math.floor(clock / 1_000) - 1, Math.floor(clock / 1_000)]);
  });

  it('never fails a payment over health: an unreachable table reads as healthy and a failed flush is reported, not thrown', async () => {
    const errors: unknown[] = [];
    const { documentClient } = await useIsolatedDynamoDb(proxy.endpoint);
    const broken = new DynamoDbChannelHealth(documentClient, 'no-such-table', { policy, now: () => clock, onError: (error) => errors.push(error) });
    broken.record('x', { ok: false, latencyMs: 1 });
    await expect(broken.flush({ force: true })).resolves.toEqual([]);
    expect((await broken.views(['x'])).get('x')?.state).toBe('closed');
    expect(errors).toHaveLength(2);
  });
});
