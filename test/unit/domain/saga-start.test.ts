import { deriveId } from '../../../lambdas/domain/ids';
import { SAGA_START_SHARDS, sagaStartCutoff, sagaStartMarker, sagaStartShard, sagaStartShards, sweepWindow } from '../../../lambdas/domain/saga-start';

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

  it('mark only a later flight, dated when it began, and refuse an unknown region', () => {
    const created = '2026-11-21T12:00:00.000Z';
    const later = { id: 'po_x', createdAt: created, inFlightSince: '2026-11-22T09:30:00.000Z' };
    expect(sagaStartMarker('us-east-1', later)).toEqual({ shard: sagaStartShard('us-east-1', 'po_x'), since: '2026-11-22T09:30:00.000Z' });
    expect(() => sagaStartMarker('', later)).toThrow(/region/);
    // A creation flight is found through the list index; an object not in flight has nothing to find.
    expect(sagaStartMarker('us-east-1', { ...later, inFlightSince: created })).toBeUndefined();
    expect(sagaStartMarker('us-east-1', { ...later, inFlightSince: null })).toBeUndefined();
  });

  it('count a marker overdue only once the grace period has passed', () => {
    const now = new Date('2026-11-21T12:05:00.000Z');
    expect(sagaStartCutoff(now, 120)).toBe('2026-11-21T12:03:00.000Z');
    expect(sagaStartCutoff(now, 0)).toBe(now.toISOString());
    expect(() => sagaStartCutoff(now, -1)).toThrow(RangeError);
  });

  describe('the creation window of a sweep', () => {
    const cutoff = '2026-11-21T12:08:00.000Z';
    const at = (iso: string) => Date.parse(iso);
    const limits = { lookbackSeconds: 1800, maxWindowSeconds: 300, overlapSeconds: 60 };

    it('looks back the whole lookback without a position, at most maxWindowSeconds at a time', () => {
      expect(sweepWindow({ cutoff, ...limits })).toEqual({ from: '2026-11-21T11:38:00.000Z', to: '2026-11-21T11:43:00.000Z' });
      expect(sweepWindow({ cutoff, ...limits, maxWindowSeconds: 3600 })).toEqual({ from: '2026-11-21T11:38:00.000Z', to: cutoff });
    });

    it('resumes where the previous sweep ended, less the overlap, up to the cutoff: consecutive windows leave no gap', () => {
      const first = sweepWindow({ cutoff, ...limits, position: '2026-11-21T12:07:00.000Z' });
      expect(first).toEqual({ from: '2026-11-21T12:06:00.000Z', to: cutoff });
      const next = sweepWindow({ cutoff: '2026-11-21T12:09:00.000Z', ...limits, position: first.to });
      expect(at(next.from)).toBeLessThan(at(first.to));
      expect(next.to).toBe('2026-11-21T12:09:00.000Z');
    });

    it('never looks further back than the lookback, and is empty when nothing is new', () => {
      expect(sweepWindow({ cutoff, ...limits, position: '2026-11-20T00:00:00.000Z' }).from).toBe('2026-11-21T11:38:00.000Z');
      expect(sweepWindow({ cutoff, ...limits, overlapSeconds: 0, position: cutoff })).toEqual({ from: cutoff, to: cutoff });
      // A position past the cutoff (a clock that went back) never makes a window end after it.
      expect(sweepWindow({ cutoff, ...limits, overlapSeconds: 0, position: '2026-11-21T12:30:00.000Z' })).toEqual({ from: cutoff, to: cutoff });
    });
  });
});
