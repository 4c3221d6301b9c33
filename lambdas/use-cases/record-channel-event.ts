import { DomainError } from '../domain/errors';
import { PostingRejectedError } from '../domain/ledger/errors';
import { NotHomeRegionError } from '../domain/ledger/errors';
import type { ChannelEventForwarder, ForwardedChannelEvent } from '../ports/channel-event-forwarder';
import type { ReconciliationRepository } from '../ports/reconciliation-repository';
import type { CardChannelDirectory } from '../ports/workflows';
import { type LedgerPostingDeps, postLedgerEvent } from './ledger/postings';
import { paymentSettled } from '../domain/ledger/postings';

/**
 * Something happened at an acquirer, told by its signed webhook (delivered at least once, in any order).
 * 1. `capture.settled`: the channel paid out the capture. Find the payment through the authorization the
 *    capture belongs to (asked of the channel, not believed from the payload), then move the merchant's
 *    funds from pending to available in the ledger. Idempotent: the settlement is keyed by the capture id.
 *    A settlement that arrives before the capture is posted is "not yet": the acquirer retries later.
 *    When the event names its settlement batch, record that the batch should hold this capture: the
 *    batch's report is reconciled against it (decision 0018; the report confirms what the webhook said).
 *    When the merchant's ledger is written in the other region (its home: decision 0024), the event is sent on to
 *    that region's endpoint as it came (decision 0039) and its answer stands: applied there once (the settlement
 *    is idempotent there too), or "retry later" if it did not take it. An event that was itself forwarded is not
 *    forwarded again. During a move (the ledger fenced), "not yet": the acquirer retries after it.
 * 2. `refund.succeeded`: nothing to move (the refund was booked when the channel accepted it).
 * 3. Anything else: acknowledged and ignored (new event types must not make the acquirer retry for days).
 */
export class ChannelEventNotYetApplicableError extends DomainError {
  override readonly name = 'ChannelEventNotYetApplicable';
}

export interface ChannelEvent {
  readonly id: string;
  readonly type: string;
  readonly data: { readonly object: Readonly<Record<string, unknown>> };
}

export const recordChannelEvent = async (
  deps: {
    readonly channels: CardChannelDirectory;
    readonly ledger: LedgerPostingDeps;
    readonly expectations?: Pick<ReconciliationRepository, 'recordExpectation'>;
    /** Absent: an event for a merchant homed elsewhere is "not yet" here (the one-region runtime has no elsewhere). */
    readonly forwarder?: ChannelEventForwarder;
  },
  input: {
    readonly channel: string;
    readonly event: ChannelEvent;
    /** The event as received, for the home region to verify again if it is forwarded. */
    readonly received?: ForwardedChannelEvent;
    /** The region that forwarded it here, if it was forwarded. */
    readonly forwardedFrom?: string;
  },
): Promise<{ outcome: 'settled' | 'ignored' | 'forwarded'; paymentId?: string; homeRegion?: string }> => {
  if (input.event.type !== 'capture.settled') return { outcome: 'ignored' };
  const captureId = input.event.data.object.id;
  const authorizationId = input.event.data.object.authorization;
  if (typeof captureId !== 'string' || typeof authorizationId !== 'string') return { outcome: 'ignored' };
  const authorization = await deps.channels.channel(input.channel).getAuthorization(authorizationId);
  if (!authorization || !authorization.captureIds.includes(captureId)) return { outcome: 'ignored' };
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
      if (input.forwardedFrom !== undefined || !deps.forwarder || !input.received) {
        throw new ChannelEventNotYetApplicableError(`${authorization.merchantReference} is homed in ${error.homeRegion}`, { cause: error });
      }
      const answer = await deps.forwarder.forward(error.homeRegion, input.channel, input.received);
      if (!answer || answer.status < 200 || answer.status >= 300) {
        throw new ChannelEventNotYetApplicableError(`${error.homeRegion} did not take the event (${answer?.status ?? 'no endpoint'})`, { cause: error });
      }
      return { outcome: 'forwarded', paymentId: authorization.paymentReference, homeRegion: error.homeRegion };
    }
    if (!(error instanceof PostingRejectedError && error.reason === 'nothing_to_settle')) throw error;
  }
  const { settlement_batch: batchId, amount, currency } = input.event.data.object;
  if (deps.expectations && typeof batchId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(batchId) && typeof amount === 'number' && typeof currency === 'string') {
    await deps.expectations.recordExpectation({
      channel: input.channel,
      batchId,
      captureId,
      paymentId: authorization.paymentReference,
      merchantId: authorization.merchantReference,
      amount,
      currency,
      announcedAt: deps.ledger.now().toISOString(),
    });
  }
  return { outcome: 'settled', paymentId: authorization.paymentReference };
};
