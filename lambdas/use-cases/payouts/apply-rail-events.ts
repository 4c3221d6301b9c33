import type { PayoutRepository } from '../../ports/payout-repository';
import type { RailEvent } from '../../ports/payout-rail';
import { type SignalDeps, deliverSignal } from './signals';

/**
 * What a rail said about payouts, delivered to their sagas (docs/decisions/0007-payout-saga-and-rails.md).
 * For each event:
 * 1. Find the payout by the rail's reference (recorded before submission). Unknown references are
 *    reported back as `unmatched` (the rail message is kept for operations), never guessed.
 * 2. paid     → the rail wait succeeds: the saga settles the payout;
 *    failed   → the rail wait fails with PayoutFailedAtRail: the saga releases the funds;
 *    returned → the return wait fails with PayoutReturned: the saga reverses the payment and restores the
 *               balance. A return implies the payment was made: if no confirmation arrived, `paid` is
 *               signalled first.
 * Signals are stored before delivery and the first per purpose wins, so a rail that repeats itself (at
 * least once delivery, a re-read file) changes nothing the second time.
 */
export interface RailEventOutcome {
  readonly railReference: string;
  readonly payoutId: string | null;
  readonly type: RailEvent['type'];
  readonly result: 'delivered' | 'recorded' | 'unmatched';
}

const failureCause = (event: RailEvent): string =>
  JSON.stringify({ code: event.reason?.code ?? 'other', rail_code: event.reason?.railCode ?? null, message: event.reason?.message ?? `Reported ${event.type} by ${event.channel}` });

export const applyRailEvents = async (deps: SignalDeps & { readonly payouts: PayoutRepository }, events: readonly RailEvent[]): Promise<RailEventOutcome[]> => {
  const outcomes: RailEventOutcome[] = [];
  for (const event of events) {
    const payoutId = await deps.payouts.payoutIdForRailReference(event.channel, event.railReference);
    if (!payoutId) {
      outcomes.push({ railReference: event.railReference, payoutId: null, type: event.type, result: 'unmatched' });
      continue;
    }
    const paid = { purpose: 'rail', outcome: 'success', output: { outcome: 'paid', railReference: event.railReference, paidAt: event.occurredAt } } as const;
    let delivered: boolean;
    switch (event.type) {
      case 'paid':
        ({ delivered } = await deliverSignal(deps, payoutId, paid));
        break;
      case 'failed':
        ({ delivered } = await deliverSignal(deps, payoutId, { purpose: 'rail', outcome: 'failure', error: 'PayoutFailedAtRail', cause: failureCause(event) }));
        break;
      case 'returned':
        await deliverSignal(deps, payoutId, paid);
        ({ delivered } = await deliverSignal(deps, payoutId, { purpose: 'return', outcome: 'failure', error: 'PayoutReturned', cause: failureCause(event) }));
        break;
    }
    outcomes.push({ railReference: event.railReference, payoutId, type: event.type, result: delivered ? 'delivered' : 'recorded' });
  }
  return outcomes;
};
