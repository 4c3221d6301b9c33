import type { Payment } from '../../../lambdas/domain/payment';
import type { Payout } from '../../../lambdas/domain/payouts/payout';
import type { Refund } from '../../../lambdas/domain/refund';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import type { SweepWindow } from '../../../lambdas/domain/saga-start';
import type { AwaitingSaga, OverduePage, RecentObjects, SagaStartMarkers } from '../../../lambdas/ports/saga-starts';
import { InMemorySweepPosition, sweepUnstartedSagas } from '../../../lambdas/use-cases/sweep-unstarted-sagas';
import { RecordingWorkflows } from '../../support/in-memory-repositories';

/** Markers as the index holds them: shard, since, object; `overdue` answers as the adapter does. */
class FakeMarkers implements Pick<SagaStartMarkers, 'overdue'> {
  readonly queries: { shard: string; before: string; limit: number }[] = [];
  constructor(private readonly marked: AwaitingSaga[]) {}

  async overdue(shard: string, before: string, limit: number): Promise<OverduePage> {
    this.queries.push({ shard, before, limit });
    const hits = this.marked.filter((awaiting) => shardOf(awaiting) === shard && awaiting.since < before).sort((a, b) => (a.since < b.since ? -1 : 1));
    return { awaiting: hits.slice(0, limit), more: hits.length > limit };
  }
}

/** Objects as the list indexes hold them: created at `createdAt`, in flight since `since`, written in a region. */
class FakeRecent implements RecentObjects {
  readonly windows: SweepWindow[] = [];
  constructor(private readonly objects: (AwaitingSaga & { region?: string })[]) {}

  async inFlight(window: SweepWindow, before: string, region: string): Promise<readonly AwaitingSaga[]> {
    this.windows.push(window);
    return this.objects.filter((object) => (object.region ?? REGION) === region && createdOf(object) >= window.from && createdOf(object) < window.to && object.since < before);
  }
}

const REGION = 'us-east-1';
const createdOf = (awaiting: AwaitingSaga) => (awaiting.kind === 'payment' ? awaiting.payment.createdAt : awaiting.kind === 'refund' ? awaiting.refund.createdAt : awaiting.payout.createdAt);
const idOf = (awaiting: AwaitingSaga) => (awaiting.kind === 'payment' ? awaiting.payment.id : awaiting.kind === 'refund' ? awaiting.refund.id : awaiting.payout.id);
const shardOf = (awaiting: AwaitingSaga) => sagaStartShard(REGION, idOf(awaiting));

const payment = (id: string, since: string): AwaitingSaga => ({ kind: 'payment', since, payment: { id, merchantId: 'mer_a', createdAt: since, version: 3 } as Payment });
const refund = (id: string, since: string): AwaitingSaga => ({ kind: 'refund', since, refund: { id, paymentId: 'pay_1', merchantId: 'mer_a', createdAt: since, version: 1 } as Refund });
const payout = (id: string, since: string): AwaitingSaga => ({
  kind: 'payout',
  since,
  payout: { id, merchantId: 'mer_a', quoteId: 'qt_1', rail: 'sepa', createdAt: since } as unknown as Payout,
});

const now = new Date('2026-11-21T12:10:00.000Z');
const deps = (markers: Pick<SagaStartMarkers, 'overdue'>, workflows = new RecordingWorkflows(), recent: RecentObjects = new FakeRecent([])) => ({
  markers,
  recent,
  position: new InMemorySweepPosition(),
  lookbackSeconds: 1800,
  maxWindowSeconds: 3600,
  workflows,
  now: () => now,
  region: REGION,
  graceSeconds: 120,
  perShardLimit: 100,
  concurrency: 4,
});

describe('sweepUnstartedSagas', () => {
  it('starts the recovery of every payment, refund and payout in flight before the grace period (named by id and since when)', async () => {
    // Prepare
    const workflows = new RecordingWorkflows();
    const markers = new FakeMarkers([payment('pay_old', '2026-11-21T12:00:00.000Z'), refund('re_old', '2026-11-21T12:07:59.999Z'), payout('po_old', '2026-11-21T11:00:00.000Z')]);
    // Act
    const result = await sweepUnstartedSagas(deps(markers, workflows));
    // Assess
    expect(result.cutoff).toBe('2026-11-21T12:08:00.000Z');
    expect(workflows.started.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { kind: 'recovery', id: `pay_old-${Date.parse('2026-11-21T12:00:00.000Z')}`, input: { kind: 'payment', id: 'pay_old', inFlightSince: '2026-11-21T12:00:00.000Z', paymentId: 'pay_old' } },
      { kind: 'recovery', id: `po_old-${Date.parse('2026-11-21T11:00:00.000Z')}`, input: { kind: 'payout', id: 'po_old', inFlightSince: '2026-11-21T11:00:00.000Z' } },
      { kind: 'recovery', id: `re_old-${Date.parse('2026-11-21T12:07:59.999Z')}`, input: { kind: 'refund', id: 're_old', inFlightSince: '2026-11-21T12:07:59.999Z', paymentId: 'pay_1' } },
    ]);
    expect(result.started).toHaveLength(3);
    expect(result.failed).toEqual([]);
    expect(result.truncated).toBe(false);
  });

  it('leaves alone an object still inside the grace period (its run may still be going)', async () => {
    // Prepare
    const markers = new FakeMarkers([payment('pay_new', '2026-11-21T12:08:00.000Z'), payment('pay_newer', '2026-11-21T12:09:59.000Z')]);
    const workflows = new RecordingWorkflows();
    // Act
    const result = await sweepUnstartedSagas(deps(markers, workflows));
    // Assess
    expect(workflows.started).toEqual([]);
    expect(result.started).toEqual([]);
  });

  it('queries only this region\'s 8 shards', async () => {
    const markers = new FakeMarkers([]);
    await sweepUnstartedSagas(deps(markers));
    expect(markers.queries.map((query) => query.shard)).toEqual(Array.from({ length: 8 }, (_, shard) => `saga#${REGION}#${shard}`));
  });

  it('reports a start that failed and still starts the others', async () => {
    // Prepare
    const workflows = new RecordingWorkflows();
    workflows.recover = async (input) => {
      if (input.kind === 'refund') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      workflows.started.push({ kind: 'recovery', id: input.id, input });
    };
    const markers = new FakeMarkers([payment('pay_a', '2026-11-21T12:00:00.000Z'), refund('re_a', '2026-11-21T12:00:00.000Z')]);
    // Act
    const result = await sweepUnstartedSagas(deps(markers, workflows));
    // Assess
    expect(result.started.map((saga) => saga.id)).toEqual(['pay_a']);
    expect(result.failed).toEqual([{ kind: 'refund', id: 're_a', since: '2026-11-21T12:00:00.000Z', error: 'ThrottlingException' }]);
  });

  it('takes at most the per-shard limit in one sweep, oldest first, and says more are waiting', async () => {
    // Prepare: many overdue payments, all in one shard
    const marked: AwaitingSaga[] = [];
    for (let index = 0; marked.length < 5; index += 1) {
      const candidate = payment(`pay_${index}`, `2026-11-21T11:${String(59 - marked.length).padStart(2, '0')}:00.000Z`);
      if (shardOf(candidate) === `saga#${REGION}#0`) marked.push(candidate);
    }
    const workflows = new RecordingWorkflows();
    // Act
    const result = await sweepUnstartedSagas({ ...deps(new FakeMarkers(marked), workflows), perShardLimit: 2 });
    // Assess
    expect(result.truncated).toBe(true);
    expect(result.started.map((saga) => saga.since)).toEqual(['2026-11-21T11:55:00.000Z', '2026-11-21T11:56:00.000Z']);
  });

  it('starts the recovery of an object in its creation flight found through the list indexes, once, written in this region only', async () => {
    // Prepare: two payments in their creation flight (one written in the other region), a payout already in
    // the saga-starts index too (a deploy's leftovers): one start each
    const workflows = new RecordingWorkflows();
    const old = payout('po_both', '2026-11-21T12:00:00.000Z');
    const recent = new FakeRecent([payment('pay_here', '2026-11-21T12:01:00.000Z'), { ...payment('pay_there', '2026-11-21T12:01:00.000Z'), region: 'us-west-2' }, old]);
    // Act
    const result = await sweepUnstartedSagas(deps(new FakeMarkers([old]), workflows, recent));
    // Assess
    expect(result.window).toEqual({ from: '2026-11-21T11:38:00.000Z', to: '2026-11-21T12:08:00.000Z' });
    expect(result.started.map((saga) => saga.id).sort()).toEqual(['pay_here', 'po_both']);
    expect(workflows.started.map((start) => start.id).sort()).toEqual([`pay_here-${Date.parse('2026-11-21T12:01:00.000Z')}`, `po_both-${Date.parse('2026-11-21T12:00:00.000Z')}`]);
  });

  it('goes on from where it ended, sees no gap between sweeps, and tries a failed start again in the next one', async () => {
    // Prepare: one sweeper instance (one position); a payment whose first start is refused
    let clock = new Date('2026-11-21T12:10:00.000Z');
    let refuse = true;
    const workflows = new RecordingWorkflows();
    workflows.recover = async (input) => {
      if (refuse && input.id === 'pay_b') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      workflows.started.push({ kind: 'recovery', id: input.id, input });
    };
    const recent = new FakeRecent([payment('pay_a', '2026-11-21T12:07:30.000Z'), payment('pay_b', '2026-11-21T12:07:45.000Z'), payment('pay_c', '2026-11-21T12:08:30.000Z')]);
    const sweeper = { ...deps(new FakeMarkers([]), workflows, recent), now: () => clock };
    // Act 1
    const first = await sweepUnstartedSagas(sweeper);
    // Assess 1: a and b are overdue; b's start failed
    expect(first.started.map((saga) => saga.id)).toEqual(['pay_a']);
    expect(first.failed.map((saga) => saga.id)).toEqual(['pay_b']);
    // Act 2: a minute later, the start works again
    refuse = false;
    clock = new Date('2026-11-21T12:11:00.000Z');
    const second = await sweepUnstartedSagas(sweeper);
    // Assess 2: the window reaches back before b (so b again, and a again: the same, no-op execution) and on to c
    expect(second.window.from <= '2026-11-21T12:07:45.000Z').toBe(true);
    expect(second.window.to).toBe('2026-11-21T12:09:00.000Z');
    expect(second.started.map((saga) => saga.id).sort()).toEqual(['pay_a', 'pay_b', 'pay_c']);
    // Act 3 / Assess 3: the next sweep starts from the end of the last one (less the overlap), not the lookback
    clock = new Date('2026-11-21T12:12:00.000Z');
    const third = await sweepUnstartedSagas(sweeper);
    expect(third.window).toEqual({ from: '2026-11-21T12:08:00.000Z', to: '2026-11-21T12:10:00.000Z' });
    expect(third.started.map((saga) => saga.id)).toEqual(['pay_c']);
  });

  it('reads window after window until it reaches the cutoff (a fresh instance catches up on its lookback), or stops at the deadline', async () => {
    // Prepare: payments created across the half hour before the cutoff
    const created = ['2026-11-21T11:39:00.000Z', '2026-11-21T11:50:00.000Z', '2026-11-21T12:07:00.000Z'];
    const recent = new FakeRecent(created.map((at, index) => payment(`pay_${index}`, at)));
    // Act
    const caughtUp = await sweepUnstartedSagas({ ...deps(new FakeMarkers([]), new RecordingWorkflows(), recent), maxWindowSeconds: 300 });
    const stopped = await sweepUnstartedSagas({ ...deps(new FakeMarkers([]), new RecordingWorkflows(), recent), maxWindowSeconds: 300, deadline: 0 });
    // Assess
    expect(caughtUp.window).toEqual({ from: '2026-11-21T11:38:00.000Z', to: '2026-11-21T12:08:00.000Z' });
    expect(caughtUp.started.map((saga) => saga.id)).toEqual(['pay_0', 'pay_1', 'pay_2']);
    expect(caughtUp.truncated).toBe(false);
    expect(stopped.window).toEqual({ from: '2026-11-21T11:38:00.000Z', to: '2026-11-21T11:43:00.000Z' });
    expect(stopped.started.map((saga) => saga.id)).toEqual(['pay_0']);
    expect(stopped.truncated).toBe(true);
  });
});
