import { type SagaKind, sagaStartCutoff, sagaStartShards } from '../domain/saga-start';
import type { AwaitingSaga, SagaStartMarkers } from '../ports/saga-starts';
import type { Workflows } from '../ports/workflows';

export interface SweepUnstartedSagasDeps {
  readonly markers: SagaStartMarkers;
  readonly workflows: Pick<Workflows, 'recover'>;
  readonly now: () => Date;
  /** The region this sweeper runs in: it sweeps only the markers of objects created here. */
  readonly region: string;
  /** How old a marker must be before the sweeper acts (the create path normally starts the saga in ms). */
  readonly graceSeconds: number;
  /** At most this many objects per shard and table in one sweep (the next sweep takes the rest). */
  readonly perShardLimit: number;
  /** StartExecution calls in flight at once (Step Functions' StartExecution quota is shared with the create paths). */
  readonly concurrency: number;
}

export interface SweptSaga {
  readonly kind: SagaKind;
  readonly id: string;
  /** When the object was stored (its marker's time). */
  readonly since: string;
}

export interface SweepResult {
  /** Markers set before this instant were overdue. */
  readonly cutoff: string;
  /** Sagas (re)started: the create path did not get to start them, or their first step has not run yet. */
  readonly started: readonly SweptSaga[];
  readonly failed: readonly (SweptSaga & { readonly error: string })[];
  /** Some shard held more overdue objects than one sweep takes. */
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
 * (docs/decisions/0010-saga-start-sweeper.md, 0011, 0012).
 * 1. Cutoff = now − grace period; a marker set after it is left alone (its run may still be going).
 * 2. For each of this region's shards: the overdue objects, oldest first, each re-read and still marked.
 * 3. Start each one's recovery, named so that a second start is a no-op. One failure does
 *    not stop the others; it is reported.
 * The marker goes when the object ends or waits in a durable workflow; an object still marked is started
 * again by the next sweep (the same execution) and shows in the result until it moves on.
 */
export const sweepUnstartedSagas = async (deps: SweepUnstartedSagasDeps): Promise<SweepResult> => {
  const cutoff = sagaStartCutoff(deps.now(), deps.graceSeconds);
  const started: SweptSaga[] = [];
  const failed: (SweptSaga & { error: string })[] = [];
  let truncated = false;
  for (const shard of sagaStartShards(deps.region)) {
    const page = await deps.markers.overdue(shard, cutoff, deps.perShardLimit);
    truncated ||= page.more;
    for (let offset = 0; offset < page.awaiting.length; offset += deps.concurrency) {
      const batch = page.awaiting.slice(offset, offset + deps.concurrency);
      const outcomes = await Promise.allSettled(batch.map((awaiting) => startSagaOf(deps.workflows, awaiting)));
      outcomes.forEach((outcome, index) => {
        const awaiting = batch[index] as AwaitingSaga;
        const swept = { kind: awaiting.kind, id: idOf(awaiting), since: awaiting.since };
        if (outcome.status === 'fulfilled') started.push(swept);
        else failed.push({ ...swept, error: outcome.reason instanceof Error ? outcome.reason.name : 'Error' });
      });
    }
  }
  return { cutoff, started, failed, truncated };
};
