import { type SagaKind, sagaStartCutoff, sagaStartShards } from '../domain/saga-start';
import type { AwaitingSaga, SagaStartMarkers } from '../ports/saga-starts';
import type { Workflows } from '../ports/workflows';
import { workflowInput } from './payouts/create-payout';

export interface SweepUnstartedSagasDeps {
  readonly markers: SagaStartMarkers;
  readonly workflows: Pick<Workflows, 'startPayment' | 'startRefund' | 'startPayout'>;
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

/** The same start, with the same input, as the object's create path: a saga already started is a no-op. */
export const startSagaOf = (workflows: SweepUnstartedSagasDeps['workflows'], awaiting: AwaitingSaga): Promise<void> => {
  switch (awaiting.kind) {
    case 'payment':
      return workflows.startPayment(awaiting.payment);
    case 'refund':
      return workflows.startRefund(awaiting.refund);
    case 'payout':
      return workflows.startPayout(workflowInput(awaiting.payout));
  }
};

/**
 * Start the saga of every payment, refund and payout stored in this region whose saga has not run its
 * first step within the grace period (docs/decisions/0010-saga-start-sweeper.md).
 * 1. Cutoff = now − grace period; a marker set after it is left alone (its create path may still start it).
 * 2. For each of this region's shards: the overdue objects, oldest first, each re-read and still marked.
 * 3. Start each one's saga exactly as its create path does (execution named by its id: starting a saga that
 *    already runs or ran is a no-op). One failure does not stop the others; it is reported.
 * The first step then removes the marker; an object whose first step keeps failing is started again by
 * the next sweep (still a no-op) and shows in the result until its saga moves on.
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
