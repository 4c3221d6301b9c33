import { type SagaKind, type SweepWindow, sagaStartCutoff, sagaStartShards, SAGA_SWEEP_OVERLAP_SECONDS, sweepWindow } from '../domain/saga-start';
import type { AwaitingSaga, RecentObjects, SagaStartMarkers } from '../ports/saga-starts';
import type { Workflows } from '../ports/workflows';

/** Where this sweeper's previous window ended (ISO 8601): kept by the instance between runs, lost with it. */
export interface SweepPosition {
  get(): string | undefined;
  set(position: string): void;
}

/** A position held in memory (the function's instance: reserved concurrency 1, invoked every minute). */
export class InMemorySweepPosition implements SweepPosition {
  private position: string | undefined;
  get(): string | undefined {
    return this.position;
  }
  set(position: string): void {
    this.position = position;
  }
}

export interface SweepUnstartedSagasDeps {
  /** Later flights (a capture or cancel request, a payout moving again): the sparse saga-starts index. */
  readonly markers: Pick<SagaStartMarkers, 'overdue'>;
  /** Creation flights: every merchant's objects created in the sweep's window, through the list indexes. */
  readonly recent: RecentObjects;
  readonly position: SweepPosition;
  readonly workflows: Pick<Workflows, 'recover'>;
  readonly now: () => Date;
  /** The region this sweeper runs in: it recovers only the objects whose flight this region's writes began. */
  readonly region: string;
  /** How long an object must have been in flight before the sweeper acts (longer than an Express run lasts). */
  readonly graceSeconds: number;
  /** How far back a sweep without a position (or with an older one) looks for created objects. */
  readonly lookbackSeconds: number;
  /** The most creation time one window covers (a sweep reads windows one after the other up to the cutoff). */
  readonly maxWindowSeconds: number;
  /** Read no further window after this instant (epoch ms): the rest is the next sweep's. */
  readonly deadline?: number;
  /** At most this many marked objects per shard and table in one sweep (the next sweep takes the rest). */
  readonly perShardLimit: number;
  /** StartExecution calls in flight at once (Step Functions' StartExecution quota is shared with the API). */
  readonly concurrency: number;
}

export interface SweptSaga {
  readonly kind: SagaKind;
  readonly id: string;
  /** When its flight began. */
  readonly since: string;
}

export interface SweepResult {
  /** Flights begun before this instant were overdue. */
  readonly cutoff: string;
  /** The creation time whose objects this sweep read (its windows, first to last). */
  readonly window: SweepWindow;
  /** Recoveries started (or found started: a second start of the same name is a no-op). */
  readonly started: readonly SweptSaga[];
  readonly failed: readonly (SweptSaga & { readonly error: string })[];
  /** More remains than one sweep takes: some shard held more marked objects, or the windows stop short of the cutoff. */
  readonly truncated: boolean;
}

const idOf = (awaiting: AwaitingSaga): string => {
  switch (awaiting.kind) {
    case 'payment':
      return awaiting.payment.id;
    case 'refund':
      return awaiting.refund.id;
    case 'payout':
      return awaiting.payout.id;
  }
};

const createdAtOf = (awaiting: AwaitingSaga): string => {
  switch (awaiting.kind) {
    case 'payment':
      return awaiting.payment.createdAt;
    case 'refund':
      return awaiting.refund.createdAt;
    case 'payout':
      return awaiting.payout.createdAt;
  }
};

/**
 * A payment, refund or payout in flight past its grace period: its Express run ended or died without
 * finishing it, so start its recovery (named by the object and when it went in flight: the one the API may
 * already have started, or an earlier sweep, is the same execution).
 */
export const startSagaOf = (workflows: SweepUnstartedSagasDeps['workflows'], awaiting: AwaitingSaga): Promise<void> => {
  switch (awaiting.kind) {
    case 'payment':
      return workflows.recover({ kind: 'payment', id: awaiting.payment.id, inFlightSince: awaiting.since, paymentId: awaiting.payment.id });
    case 'refund':
      return workflows.recover({ kind: 'refund', id: awaiting.refund.id, inFlightSince: awaiting.since, paymentId: awaiting.refund.paymentId });
    case 'payout':
      return workflows.recover({ kind: 'payout', id: awaiting.payout.id, inFlightSince: awaiting.since });
  }
};

/**
 * Recover every payment, refund and payout of this region in flight for longer than any Express run lasts
 * (docs/decisions/0021-in-flight-sweep-over-list-indexes.md, amending 0010 and 0011).
 * 1. Cutoff = now − grace period; a flight begun after it is left alone (its run may still be going).
 * 2. Creation flights: the objects created in this sweep's windows (from where the previous sweep of this
 *    instance ended, less an overlap, bounded by the lookback, up to the cutoff, at most maxWindowSeconds each,
 *    until the deadline), written in this region and still in flight since before the cutoff.
 * 3. Later flights: for each of this region's shards of the saga-starts index, the marked objects, oldest
 *    first, each re-read and still marked.
 * 4. Start each one's recovery once per sweep, named so that a second start is a no-op. One failure does not
 *    stop the others; it is reported, and the next window starts again at the creation of the earliest
 *    object whose start failed (so it is tried again; a marked one is found again anyway).
 */
export const sweepUnstartedSagas = async (deps: SweepUnstartedSagasDeps): Promise<SweepResult> => {
  const cutoff = sagaStartCutoff(deps.now(), deps.graceSeconds);
  const nextWindow = (position: string | undefined) =>
    sweepWindow({
      cutoff,
      position,
      lookbackSeconds: deps.lookbackSeconds,
      maxWindowSeconds: deps.maxWindowSeconds,
      overlapSeconds: SAGA_SWEEP_OVERLAP_SECONDS,
    });
  const firstWindow = nextWindow(deps.position.get());
  const started: SweptSaga[] = [];
  const failed: (SweptSaga & { error: string })[] = [];
  const seen = new Set<string>();
  let truncated = false;
  let resumeAt = firstWindow.to;

  const recover = async (objects: readonly AwaitingSaga[], fromWindow: boolean) => {
    const due = objects.filter((awaiting) => {
      const name = `${idOf(awaiting)}@${awaiting.since}`;
      if (seen.has(name)) return false;
      seen.add(name);
      return true;
    });
    for (let offset = 0; offset < due.length; offset += deps.concurrency) {
      const batch = due.slice(offset, offset + deps.concurrency);
      const outcomes = await Promise.allSettled(batch.map((awaiting) => startSagaOf(deps.workflows, awaiting)));
      outcomes.forEach((outcome, index) => {
        const awaiting = batch[index] as AwaitingSaga;
        const swept = { kind: awaiting.kind, id: idOf(awaiting), since: awaiting.since };
        if (outcome.status === 'fulfilled') {
          started.push(swept);
          return;
        }
        failed.push({ ...swept, error: outcome.reason instanceof Error ? outcome.reason.name : 'Error' });
        if (fromWindow && createdAtOf(awaiting) < resumeAt) resumeAt = createdAtOf(awaiting);
      });
    }
  };

  // Windows one after the other until the cutoff (a fresh instance catches up on its lookback), a start fails
  // (the next sweep tries again from it) or the time is up.
  let window = firstWindow;
  for (;;) {
    await recover(await deps.recent.inFlight(window, cutoff, deps.region), true);
    if (resumeAt < window.to || window.to >= cutoff || (deps.deadline !== undefined && Date.now() >= deps.deadline)) break;
    const next = nextWindow(window.to);
    if (next.to <= window.to) break;
    window = next;
    resumeAt = window.to;
  }
  const swept = { from: firstWindow.from, to: window.to };
  truncated = window.to < cutoff;
  for (const shard of sagaStartShards(deps.region)) {
    const page = await deps.markers.overdue(shard, cutoff, deps.perShardLimit);
    truncated ||= page.more;
    await recover(page.awaiting, false);
  }
  deps.position.set(resumeAt);
  return { cutoff, window: swept, started, failed, truncated };
};
