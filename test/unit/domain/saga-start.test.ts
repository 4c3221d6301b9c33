import { deriveId } from '../../../lambdas/domain/ids';
import { SAGA_START_SHARDS, sagaStartCutoff, sagaStartMarker, sagaStartShard, sagaStartShards } from '../../../lambdas/domain/saga-start';

describe('saga-start markers', () => {
  it('put an object in one of its region\'s 8 shards, always the same one', () => {
    // Prepare
    const id = deriveId('pay', 'mer_a', 'order-1');
    // Act
    const shard = sagaStartShard('us-east-1', id);
    // Assess
    expect(sagaStartShards('us-east-1')).toContain(shard);
    expect(sagaStartShard('us-east-1', id)).toBe(shard);
    expect(sagaStartShard('us-west-2', id)).toBe(shard.replace('us-east-1', 'us-west-2'));
    expect(sagaStartShards('us-east-1')).toHaveLength(SAGA_START_SHARDS);
  });

  it('spread derived ids evenly over the shards (no hot index partition)', () => {
    // Prepare
    const counts = new Map<string, number>();
    // Act
    for (let index = 0; index < 8_000; index += 1) {
      const shard = sagaStartShard('us-east-1', deriveId('pay', 'mer_a', `order-${index}`));
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    // Assess: each shard within 15 % of the mean of 1,000
    expect(counts.size).toBe(SAGA_START_SHARDS);
    for (const count of counts.values()) expect(Math.abs(count - 1_000)).toBeLessThan(150);
  });

  it('date the marker at the object\'s creation and refuse an unknown region', () => {
    const object = { id: 'po_x', createdAt: '2026-11-21T12:00:00.000Z' };
    expect(sagaStartMarker('us-east-1', object)).toEqual({ shard: sagaStartShard('us-east-1', 'po_x'), since: '2026-11-21T12:00:00.000Z' });
    expect(() => sagaStartMarker('', object)).toThrow(/region/);
  });

  it('count a marker overdue only once the grace period has passed', () => {
    const now = new Date('2026-11-21T12:05:00.000Z');
    expect(sagaStartCutoff(now, 120)).toBe('2026-11-21T12:03:00.000Z');
    expect(sagaStartCutoff(now, 0)).toBe(now.toISOString());
    expect(() => sagaStartCutoff(now, -1)).toThrow(RangeError);
  });
});
