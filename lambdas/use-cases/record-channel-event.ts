import { DomainError } from '../domain/errors';
import { NotHomeRegionError, PostingRejectedError } from '../domain/ledger/errors';
import { paymentSettled } from '../domain/ledger/postings';
import type { ChannelEventForwarder, ForwardedChannelEvent } from '../ports/channel-event-forwarder';
import type { ReconciliationRepository, SettlementExpectation } from '../ports/reconciliation-repository';
import type { CardChannelDirectory } from '../ports/workflows';
import { type LedgerPostingDeps, postLedgerEvent } from './ledger/postings';
import { forEachLimited } from '../shared/concurrency';

/**
 * Things that happened at an acquirer, told by its signed webhook: a list of events, delivered at least once per
 * event, in any order (decision 0054; the signature, over the whole body, was verified by the caller).
 * Each event of the list is applied on its own, and its outcome is answered in the list's order:
 * 1. `capture.settled`: the channel paid out the capture. Find the payment through the authorization the
 *    capture belongs to (asked of the channel, not believed from the payload), then move the merchant's funds
 *    from pending to available in the ledger: `applied`. Idempotent: the settlement is keyed by the capture id,
 *    so an event applied again (or a clone under another id) is `applied` and moves nothing. When the event
 *    names its settlement batch, the batch should hold this capture (decision 0018): once the list's events are
 *    applied, their captures are recorded in one item per batch (decision 0059), and an event is `applied` only
 *    when that is stored (else `retry`: applied again, the posting moves nothing). A settlement
 *    that arrives before the capture is posted, a merchant being moved, or any failure: `retry` (the acquirer
 *    sends that event again, alone or in a later list).
 * 2. `refund.succeeded`, any other type, or a capture the channel does not know: `ignored` (new event types
 *    must not make the acquirer retry for days).
 * 3. An item the caller could not read as an event: `rejected` with the reason; the others are applied.
 * 4. An event whose merchant's ledger is written in the other region (its home: decision 0024) is not applied
 *    here. The whole body, as received, goes once to each such region's own endpoint (decision 0039), which
 *    verifies the acquirer's signature again and applies the events homed there; its outcome for those events
 *    stands (`forwarded` when it applied or ignored them, `retry` otherwise, or when it did not answer). A body
 *    that was itself forwarded is not forwarded again: its events homed elsewhere are `retry` here (they are
 *    the forwarding region's own, and it does not read this region's answer for them).
 */
export class ChannelEventNotYetApplicableError extends DomainError {
  override readonly name = 'ChannelEventNotYetApplicable';
}

export interface ChannelEvent {
  readonly id: string;
  readonly type: string;
  readonly data: { readonly object: Readonly<Record<string, unknown>> };
}

/** An item of the list that is not an event: never applied, answered `rejected` with the reason. */
export interface MalformedChannelEvent {
  readonly id?: string;
  readonly malformed: string;
}

export type ChannelEventOutcome = 'applied' | 'ignored' | 'forwarded' | 'rejected' | 'retry';

export interface ChannelEventResult {
  /** The event's id, when the item had one. */
  readonly id?: string;
  readonly outcome: ChannelEventOutcome;
  /** Why it was rejected or is to be retried (a field or a short code; no merchant data). */
  readonly reason?: string;
  /** For logs, not for the acquirer: the payment it settled, the region it was forwarded to, what failed. */
  readonly paymentId?: string;
  readonly homeRegion?: string;
  readonly errorName?: string;
}

/** Events of one list applied at once (each reads the acquirer and the ledger). */
const CONCURRENCY = 8;

/** A settlement applied here whose batch is to expect its capture: recorded once the list's events are applied. */
type Expected = Omit<SettlementExpectation, 'channel' | 'announcedAt'>;

type Applied = (ChannelEventResult & { readonly expects?: Expected }) | { readonly elsewhere: string; readonly paymentId: string };

const applyOne = async (deps: ChannelEventsDeps, channel: string, event: ChannelEvent): Promise<Applied> => {
  if (event.type !== 'capture.settled') return { id: event.id, outcome: 'ignored' };
  const captureId = event.data.object.id;
  const authorizationId = event.data.object.authorization;
  if (typeof captureId !== 'string' || typeof authorizationId !== 'string') return { id: event.id, outcome: 'ignored' };
  const authorization = await deps.channels.channel(channel).getAuthorization(authorizationId);
  if (!authorization || !authorization.captureIds.includes(captureId)) return { id: event.id, outcome: 'ignored' };
  try {
    await postLedgerEvent(deps.ledger, paymentSettled, {
      merchantId: authorization.merchantReference,
      paymentId: authorization.paymentReference,
      settlementId: captureId,
    });
  } catch (error) {
    if (error instanceof PostingRejectedError && error.reason === 'not_captured') {
      throw new ChannelEventNotYetApplicableError(`${authorization.paymentReference} is not posted yet`);
    }
    if (error instanceof NotHomeRegionError && error.movingTo === undefined && error.homeRegion !== error.region) {
      return { elsewhere: error.homeRegion, paymentId: authorization.paymentReference };
    }
    if (!(error instanceof PostingRejectedError && error.reason === 'nothing_to_settle')) throw error;
  }
  const { settlement_batch: batchId, amount, currency } = event.data.object;
  const applied = { id: event.id, outcome: 'applied', paymentId: authorization.paymentReference } as const;
  if (deps.expectations && typeof batchId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(batchId) && typeof amount === 'number' && typeof currency === 'string') {
    // Recorded with the list's other settlements once they are all applied (decision 0059).
    return { ...applied, expects: { batchId, captureId, paymentId: authorization.paymentReference, merchantId: authorization.merchantReference, amount, currency } };
  }
  return applied;
};

export interface ChannelEventsDeps {
  readonly channels: CardChannelDirectory;
  readonly ledger: LedgerPostingDeps;
  readonly expectations?: Pick<ReconciliationRepository, 'recordExpectations'>;
  /** Absent: an event for a merchant homed elsewhere is `retry` here (the one-region runtime has no elsewhere). */
  readonly forwarder?: ChannelEventForwarder;
}

const retryReason = (error: unknown): string =>
  error instanceof ChannelEventNotYetApplicableError ? 'not_yet' : error instanceof NotHomeRegionError ? 'merchant_moving' : 'temporarily_unavailable';

export const recordChannelEvents = async (
  deps: ChannelEventsDeps,
  input: {
    readonly channel: string;
    /** The list's items in the order received: events, or items that are not (answered `rejected`). */
    readonly events: readonly (ChannelEvent | MalformedChannelEvent)[];
    /** The body as received, for the home region to verify again if it is forwarded. */
    readonly received?: ForwardedChannelEvent;
    /** The region that forwarded it here, if it was forwarded. */
    readonly forwardedFrom?: string;
  },
): Promise<ChannelEventResult[]> => {
  const results: Applied[] = new Array(input.events.length);
  await forEachLimited(
    input.events.map((item, index) => ({ item, index })),
    CONCURRENCY,
    async ({ item, index }) => {
      if ('malformed' in item) {
        results[index] = { ...(item.id === undefined ? {} : { id: item.id }), outcome: 'rejected', reason: item.malformed };
        return;
      }
      try {
        results[index] = await applyOne(deps, input.channel, item);
      } catch (error) {
        results[index] = { id: item.id, outcome: 'retry', reason: retryReason(error), errorName: error instanceof Error ? error.name : 'Error' };
      }
    },
  );

  // The batches' expectations, one write per list and batch; an event is `applied` only once its capture is expected.
  const expecting = results.flatMap((result, index) => ('expects' in result && result.expects ? [{ index, expects: result.expects }] : []));
  if (deps.expectations && expecting.length > 0) {
    const announcedAt = deps.ledger.now().toISOString();
    try {
      await deps.expectations.recordExpectations(expecting.map(({ expects }) => ({ channel: input.channel, ...expects, announcedAt })));
    } catch (error) {
      for (const { index } of expecting) {
        const { id, paymentId } = results[index] as ChannelEventResult;
        results[index] = { id, outcome: 'retry', reason: retryReason(error), errorName: error instanceof Error ? error.name : 'Error', ...(paymentId ? { paymentId } : {}) };
      }
    }
  }

  // Events homed in another region: the whole body goes there once, and its outcome for them stands.
  const regions = new Set(results.flatMap((result) => ('elsewhere' in result ? [result.elsewhere] : [])));
  const answers = new Map<string, Awaited<ReturnType<ChannelEventForwarder['forward']>>>();
  const { forwarder } = deps;
  const { received } = input;
  const forwarding = input.forwardedFrom === undefined && forwarder !== undefined && received !== undefined;
  if (forwarding) {
    await Promise.all([...regions].map(async (region) => answers.set(region, await forwarder.forward(region, input.channel, received))));
  }
  return results.map((result, index): ChannelEventResult => {
    if (!('elsewhere' in result)) {
      const { expects: _expects, ...answered } = result;
      return answered;
    }
    const id = (input.events[index] as ChannelEvent).id;
    const answer = answers.get(result.elsewhere);
    const theirs = answer && answer.status >= 200 && answer.status < 300 ? answer.results?.[index] : undefined;
    // Only `applied` is taken: this region found the capture at the acquirer before it forwarded, so a home region
    // answering `ignored` (its lookup found nothing) disagrees, and the acquirer must send the event again rather
    // than have it acknowledged and never posted.
    const taken = theirs?.id === id && theirs.outcome === 'applied';
    return taken
      ? { id, outcome: 'forwarded', paymentId: result.paymentId, homeRegion: result.elsewhere }
      : { id, outcome: 'retry', reason: !forwarding ? 'homed_elsewhere' : answer ? 'home_region_did_not_apply' : 'home_region_not_configured', paymentId: result.paymentId, homeRegion: result.elsewhere };
  });
};
