import { ResourceNotFoundError } from '../../domain/errors';
import { DEFAULT_PRICING, type Pricing } from '../../domain/ledger/fees';
import {
  type AcquirerFeesBookedEvent,
  type ConversionEvent,
  type LedgerTemplate,
  type PaymentCapturedEvent,
  type PaymentRefundedEvent,
  type PaymentSettledEvent,
  type PayoutFundsConvertedEvent,
  type PayoutFundsReleasedEvent,
  type PayoutFundsReservedEvent,
  type PayoutPaidEvent,
  type PostingContext,
  buildPosting,
  reversal,
} from '../../domain/ledger/postings';
import type { CompanionPut } from '../../ports/ledger-store';
import type { PricingRepository } from '../../ports/pricing-repository';
import { type LedgerPostingDeps, type PostingResult, postTransaction } from './post-transaction';

/**
 * What the sagas, FX, payouts and reconciliation call to move money: `postLedgerEvent(deps, template,
 * event)` with a template of domain/ledger/postings.ts (paymentCaptured, paymentSettled, paymentRefunded,
 * payoutFundsReserved, payoutFundsReleased, payoutPaid, conversion, payoutFundsConverted,
 * acquirerFeesBooked). Each call is idempotent by construction: the transaction id derives from the
 * business event (the template declares it), so calling again with the same event returns the first
 * result (`replayed: true`) and writes nothing. See post-transaction.ts for the steps every posting goes
 * through and the errors it may throw (InsufficientFundsError, PostingRejectedError, PostingConflictError,
 * NotHomeRegionError, LedgerContentionError).
 */
export type {
  AcquirerFeesBookedEvent,
  ConversionEvent,
  PaymentCapturedEvent,
  PaymentRefundedEvent,
  PaymentSettledEvent,
  PayoutFundsConvertedEvent,
  PayoutFundsReleasedEvent,
  PayoutFundsReservedEvent,
  PayoutPaidEvent,
};
export type { LedgerPostingDeps, PostingResult };

/** A capture's fee comes from the merchant's pricing (or the platform default): its template reads it. */
export interface CapturePostingDeps extends LedgerPostingDeps {
  readonly pricing: PricingRepository;
}

/** The deps a template needs: the pricing repository for one that reads the merchant's pricing. */
type DepsFor<C> = [C] extends [Pricing] ? CapturePostingDeps : LedgerPostingDeps;

const contextOf = async <E, C, K extends keyof E>(deps: DepsFor<C>, template: LedgerTemplate<E, C, K>, event: E): Promise<C> => {
  if (template.reads !== 'merchant_pricing') return undefined as C;
  const pricing = await (deps as CapturePostingDeps).pricing.getPricing(template.merchantId(event));
  return (pricing ?? DEFAULT_PRICING) as C;
};

/**
 * Post one business event through its template (the one generic posting use case). `companion`: an item of
 * another table written in the posting's transaction, so both exist or neither (decision record 0062); a replay
 * writes none.
 */
export const postLedgerEvent = async <E, C, K extends keyof E>(
  deps: DepsFor<NoInfer<C>>,
  template: LedgerTemplate<E, C, K>,
  event: NoInfer<E>,
  options: { readonly companion?: CompanionPut } = {},
): Promise<PostingResult> => {
  const context = await contextOf(deps, template, event);
  return postTransaction(deps, {
    transactionId: template.transactionId(event),
    positionId: template.positionId(event),
    merchantId: template.merchantId(event),
    fingerprint: template.fingerprint(event),
    build: (position) => buildPosting(template, event, position, deps.now(), ...([context] as PostingContext<C>)),
    companion: options.companion,
  });
};

/**
 * Undo a posted transaction with its mirror (a compensation, or a correction). Refused when undoing it
 * would break its position's rules now (a capture already settled or refunded: reverse those first).
 * ResourceNotFoundError if no such transaction exists.
 */
export const reversePosting = async (deps: LedgerPostingDeps, input: { readonly transactionId: string }): Promise<PostingResult> => {
  const original = await deps.ledger.getTransaction(input.transactionId);
  if (!original) throw new ResourceNotFoundError('ledger transaction', input.transactionId);
  return postLedgerEvent(deps, reversal, original);
};
