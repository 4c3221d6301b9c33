import type { Payment } from '../../../lambdas/domain/payment';
import type { Payout } from '../../../lambdas/domain/payouts/payout';
import type { Refund } from '../../../lambdas/domain/refund';
import { sagaStartShard } from '../../../lambdas/domain/saga-start';
import type { AwaitingSaga, OverduePage, SagaStartMarkers } from '../../../lambdas/ports/saga-starts';
import { sweepUnstartedSagas } from '../../../lambdas/use-cases/sweep-unstarted-sagas';
import { RecordingWorkflows } from '../../support/in-memory-repositories';

/** Markers as the index holds them: shard, since, object; `overdue` answers as the adapter does. */
class FakeMarkers implements SagaStartMarkers {
  readonly queries: { shard: string; before: string; limit: number }[] = [];
  constructor(private readonly marked: AwaitingSaga[]) {}

  async overdue(shard: string, before: string, limit: number): Promise<OverduePage> {
    this.queries.push({ shard, before, limit });
    const hits = this.marked.filter((awaiting) => shardOf(awaiting) === shard && awaiting.since < before).sort((a, b) => (a.since < b.since ? -1 : 1));
    return { awaiting: hits.slice(0, limit), more: hits.length > limit };
  }
}

const REGION = 'us-east-1';
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
const deps = (markers: SagaStartMarkers, workflows = new RecordingWorkflows()) => ({
  markers,
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
});
