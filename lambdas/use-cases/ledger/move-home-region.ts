import { type HomeRegionMarker, homeRegionOf } from '../../domain/ledger/home-region';
import { BalanceRepairConflictError, DrainTimedOutError, JournalIncompleteError, type HomeRegionMove, type MoveRequester, HomeRegionMoveConflictError, HomeRegionMoveRefusedError, MarkerNotReplicatedError } from '../../domain/ledger/home-region-move';
import { sagaStartShards } from '../../domain/saga-start';
import { type BalanceCorrection, balanceRepairPlan } from '../../domain/ledger/balance-repair';
import type { AuditLog } from '../../ports/audit-log';
import type { LedgerRepairStore, LedgerStore } from '../../ports/ledger-store';
import type { AwaitingSaga, MerchantFlights, SagaStartMarkers } from '../../ports/saga-starts';
import type { Workflows } from '../../ports/workflows';
import { startSagaOf } from '../sweep-unstarted-sagas';
import { setHomeRegion } from './set-home-region';

/**
 * The steps of a planned home-region move (docs/decisions/0024-home-region-routing-and-moves.md), each run by
 * one Task of statemachines/home-region-move.asl.json. Marker changes go through setHomeRegion (epoch
 * compare-and-set); a lost race is HomeRegionMoveConflict, and the move stops.
 */
interface MarkerDeps {
  readonly ledger: Pick<LedgerStore, 'getHomeRegion' | 'putHomeRegion'>;
  readonly primaryRegion: string;
  readonly now: () => Date;
}

const changed = (merchantId: string, marker: HomeRegionMarker | undefined, step: string): number => {
  if (!marker) throw new HomeRegionMoveConflictError(merchantId, `the marker changed before ${step}`);
  return marker.epoch;
};

/**
 * Step BeginMove: new money movements of the merchant are refused from now on (the API reads `moveTo`), in the
 * home too; the work already accepted goes on posting in the home.
 * 1. Refuse a target outside the deployment's regions, or the current home.
 * 2. Refuse while another move is under way (a `moveTo` or a fence).
 * 3. Write the marker with `moveTo` over the epoch read.
 * A forced move (the home region is lost, decision 0036) runs in the surviving region and only towards it
 * (`region`, where this runs); it also takes over a move the lost region had under way, which cannot go on.
 */
export const beginHomeRegionMove = async (
  deps: MarkerDeps & { readonly regions: readonly string[]; readonly region?: string },
  command: { readonly merchantId: string; readonly targetRegion: string; readonly forced?: boolean },
): Promise<HomeRegionMove> => {
  if (!deps.regions.includes(command.targetRegion)) {
    throw new HomeRegionMoveRefusedError(command.merchantId, `${command.targetRegion} is not a region of this deployment (${deps.regions.join(', ')})`);
  }
  const forced = command.forced === true;
  if (forced && command.targetRegion !== deps.region) {
    throw new HomeRegionMoveRefusedError(command.merchantId, `A forced move runs in the region that takes the merchant over (${command.targetRegion}), not in ${deps.region ?? 'an unknown region'}`);
  }
  const current = await deps.ledger.getHomeRegion(command.merchantId);
  const fromRegion = homeRegionOf(current, deps.primaryRegion);
  if (!forced && (current?.moveTo !== undefined || current?.fenced)) {
    throw new HomeRegionMoveRefusedError(command.merchantId, `A move of ${command.merchantId} is already under way (to ${current.moveTo ?? fromRegion}, epoch ${current.epoch})`);
  }
  if (fromRegion === command.targetRegion) throw new HomeRegionMoveRefusedError(command.merchantId, `${command.merchantId} is already homed in ${fromRegion}`);
  const marker = await setHomeRegion(deps, {
    merchantId: command.merchantId,
    fenced: false,
    moveTo: command.targetRegion,
    expectedEpoch: current?.epoch ?? 0,
  });
  return { merchantId: command.merchantId, fromRegion, targetRegion: command.targetRegion, epoch: changed(command.merchantId, marker, 'BeginMove'), forced };
};

/**
 * Step Drain: the merchant's payments, refunds and payouts in flight (a workflow step still to run), in either
 * region. Creation flights through the merchant's list indexes over `lookbackSeconds` (longer than a recovery
 * runs: an older flight has been flagged requires_attention, which ends it); later flights (a capture, a payout
 * moving again) through the saga-starts shards of both regions. Waiting objects (requires_capture, a payout in
 * review or awaiting its rail) are not in flight, and the API refuses to move them on while the move runs.
 * Flights still running `drainTimeoutSeconds` after the move began: DrainTimedOut (the workflow calls the move off).
 * A forced move waits for none (`inFlight` 0): the flights the lost region began cannot finish there; they are
 * listed (`leftToReconcile`, `examples`) for the reconciliation with the acquirers in the new home (decision 0036).
 */
interface FlightListingDeps {
  readonly flights: MerchantFlights;
  readonly markers: Pick<SagaStartMarkers, 'markedOf'>;
  readonly regions: readonly string[];
  readonly lookbackSeconds: number;
  readonly now: () => Date;
}

/** The merchant's objects in flight now, in either region: creation flights over the lookback, later flights from every saga-starts shard. */
const merchantFlightsNow = async (deps: FlightListingDeps, merchantId: string): Promise<AwaitingSaga[]> => {
  const now = deps.now();
  const created = await deps.flights.inFlightOf(merchantId, {
    from: new Date(now.getTime() - deps.lookbackSeconds * 1000).toISOString(),
    // Past now: the window is [from, to) and an object created this millisecond counts.
    to: new Date(now.getTime() + 1000).toISOString(),
  });
  const later: AwaitingSaga[] = [];
  // Every shard to its end (decision 0039, amended 2026-12-07): a shard's first page, oldest first, can be all
  // other flights, and one of this merchant's past it would be fenced while running or never adopted.
  for (const shard of deps.regions.flatMap(sagaStartShards)) {
    later.push(...(await deps.markers.markedOf(merchantId, shard, new Date(now.getTime() + 1000).toISOString())));
  }
  return [...created, ...later];
};

export const countMerchantFlights = async (
  deps: FlightListingDeps & { readonly drainTimeoutSeconds: number },
  query: { readonly merchantId: string; readonly moveStartedAt: string; readonly forced?: boolean },
): Promise<{ readonly inFlight: number; readonly examples: readonly string[]; readonly leftToReconcile?: number }> => {
  const now = deps.now();
  const ids = [...new Set((await merchantFlightsNow(deps, query.merchantId)).map(idOf))].sort();
  const examples = ids.slice(0, 10);
  if (query.forced) return { inFlight: 0, examples, leftToReconcile: ids.length };
  if (ids.length > 0 && now.getTime() - Date.parse(query.moveStartedAt) > deps.drainTimeoutSeconds * 1000) {
    throw new DrainTimedOutError(query.merchantId, ids.length, examples);
  }
  return { inFlight: ids.length, examples };
};

const idOf = (object: AwaitingSaga): string => (object.kind === 'payment' ? object.payment.id : object.kind === 'refund' ? object.refund.id : object.payout.id);

/**
 * Step AdoptFlights of a forced move, after Switch (decision 0039): the survivor takes over the flights the lost
 * region began, which its own sweeper leaves alone (each region recovers the objects its writes began, 0021).
 * 1. List the merchant's payments, refunds and payouts in flight, as the drain does, that went in flight before
 *    the move began (a flight begun since, in this region, is its own run's and its sweeper's).
 * 2. Start each one's recovery here, named as the sweeper names it (`<id>-<when it went in flight>`): a second
 *    start, by a retry of this step or by a sweep, is the same execution. The recovery finishes the object from
 *    what it records and what the channel recorded (book, void, or flag for attention), now that this region is home.
 * A start that fails fails the step (retried; every start is idempotent).
 */
export const adoptMerchantFlights = async (
  deps: FlightListingDeps & { readonly workflows: Pick<Workflows, 'recover'> },
  input: { readonly merchantId: string; readonly moveStartedAt: string },
): Promise<{ readonly adopted: number; readonly examples: readonly string[] }> => {
  const seen = new Set<string>();
  const due = (await merchantFlightsNow(deps, input.merchantId)).filter((object) => {
    const key = `${idOf(object)}@${object.since}`;
    if (seen.has(key) || Date.parse(object.since) >= Date.parse(input.moveStartedAt)) return false;
    seen.add(key);
    return true;
  });
  for (const object of due) await startSagaOf(deps.workflows, object);
  const ids = [...new Set(due.map(idOf))].sort();
  return { adopted: ids.length, examples: ids.slice(0, 10) };
};

/** Step FenceLedger: no region posts for the merchant from now on (postings fail with NotHomeRegionError). */
export const fenceMerchantLedger = async (deps: MarkerDeps, move: HomeRegionMove): Promise<HomeRegionMove> => {
  const marker = await setHomeRegion(deps, { merchantId: move.merchantId, fenced: true, moveTo: move.targetRegion, expectedEpoch: move.epoch });
  return { ...move, epoch: changed(move.merchantId, marker, 'FenceLedger') };
};

/**
 * Step AwaitReplication: the other region's copy of the marker shows the fence (this epoch or a later one), so
 * no posting can begin there either. The one-region local runtime reads one table: the check passes at once.
 * A forced move does not read: the other region is the lost one (decision 0036); its result says so.
 */
export const confirmFenceReplicated = async (
  deps: { readonly replica: Pick<LedgerStore, 'getHomeRegion'>; readonly replicaRegion: string },
  move: HomeRegionMove,
): Promise<{ readonly region: string; readonly epoch: number; readonly skipped?: 'forced' }> => {
  if (move.forced) return { region: deps.replicaRegion, epoch: move.epoch, skipped: 'forced' };
  const seen = await deps.replica.getHomeRegion(move.merchantId);
  if (!seen || seen.epoch < move.epoch || (seen.epoch === move.epoch && !seen.fenced)) {
    throw new MarkerNotReplicatedError(move.merchantId, deps.replicaRegion, move.epoch, seen?.epoch);
  }
  return { region: deps.replicaRegion, epoch: seen.epoch };
};

/**
 * Step RepairBalances of a forced move (decision 0039), while the merchant's ledger is fenced (after FenceLedger
 * and WaitOutPostings: nothing posts for it in any region) and before Switch (nothing posts until it is done):
 * 1. Read the merchant's journal and balance items in this region (the survivor), strongly consistent.
 * 2. Each item whose amounts are not the sum of the journal's allocations to it is a correction (a transaction
 *    the lost region wrote that arrived here in part: domain/ledger/balance-repair.ts says why the journal wins).
 * 3. Record the corrections in the merchant's audit chain (before writing them: a retry after a crash records
 *    them again under the same command id, which reads as one action recorded twice, never as two).
 * 4. Write each as a compare-and-set of the item's amounts (an item that changed since it was read: contention,
 *    the workflow retries the step, which reads again).
 * 5. When the journal is known to be incomplete (a position numbered with a gap, or a correction below zero:
 *    balance-repair.ts), nothing is corrected (all or nothing) and the step fails as JournalIncomplete, naming the
 *    items: the workflow retries it while replication may still deliver the missing journal item, then calls the
 *    move off.
 * Idempotent: a second run finds nothing to correct and writes nothing. Nothing is posted: the journal is as it was.
 */
export const repairMerchantBalances = async (
  deps: { readonly ledger: LedgerRepairStore; readonly audit: Pick<AuditLog, 'append'> },
  input: { readonly move: HomeRegionMove; readonly requestedBy: MoveRequester; readonly executionName: string },
): Promise<{ readonly transactions: number; readonly shards: number; readonly corrected: readonly BalanceCorrection[] }> => {
  const { merchantId } = input.move;
  const [journal, shards] = await Promise.all([deps.ledger.merchantJournal(merchantId), deps.ledger.merchantShards(merchantId)]);
  const { corrections: corrected, blocked } = balanceRepairPlan(merchantId, journal, shards);
  // Nothing is written while the journal is known to be incomplete (all or nothing: balance-repair.ts).
  if (blocked.length > 0) throw new JournalIncompleteError(merchantId, blocked);
  if (corrected.length > 0) {
    await deps.audit.append({
      merchant_id: merchantId,
      actor: input.requestedBy.actor,
      action: 'ledger.balance_repair',
      target: { type: 'merchant_balance', id: merchantId },
      request_id: input.requestedBy.requestId,
      command_id: `${input.executionName}:repair_balances`,
      before: corrected.map(({ currency, shard, stored }) => ({ currency, shard, ...stored })),
      after: corrected.map(({ currency, shard, journal: sum }) => ({ currency, shard, ...sum })),
    });
  }
  for (const correction of corrected) {
    if (!(await deps.ledger.setShardAmounts(merchantId, correction.currency, correction.shard, correction.stored, correction.journal))) {
      throw new BalanceRepairConflictError(`Balance item ${merchantId}/${correction.currency}#${correction.shard} changed while it was repaired`);
    }
  }
  return { transactions: journal.length, shards: new Set([...shards.map((shard) => `${shard.currency}#${shard.shard}`), ...corrected.map((c) => `${c.currency}#${c.shard}`)]).size, corrected };
};

/** Step Switch: the target is the home, unfenced, no move under way: its API accepts the merchant again. */
export const switchMerchantHome = async (deps: MarkerDeps, move: HomeRegionMove): Promise<HomeRegionMove> => {
  const marker = await setHomeRegion(deps, { merchantId: move.merchantId, region: move.targetRegion, fenced: false, expectedEpoch: move.epoch });
  return { ...move, epoch: changed(move.merchantId, marker, 'Switch') };
};

/**
 * Step CallOffMove (a step failed for good, or the drain never ended): the merchant stays in its old home,
 * unfenced, accepting requests again; only if the marker is still as this move left it.
 */
export const callOffHomeRegionMove = async (deps: MarkerDeps, move: HomeRegionMove): Promise<{ readonly calledOff: boolean; readonly epoch: number }> => {
  const marker = await setHomeRegion(deps, { merchantId: move.merchantId, region: move.fromRegion, fenced: false, expectedEpoch: move.epoch });
  return marker ? { calledOff: true, epoch: marker.epoch } : { calledOff: false, epoch: move.epoch };
};
