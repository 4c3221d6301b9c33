import { ResourceNotFoundError } from '../../domain/errors';
import { DEFAULT_PRICING } from '../../domain/ledger/fees';
import { PLATFORM_OWNER } from '../../domain/ledger/accounts';
import {
  type AcquirerFeesBookedEvent,
  type ConversionEvent,
  type PaymentCapturedEvent,
  type PaymentRefundedEvent,
  type PaymentSettledEvent,
  type PayoutFundsConvertedEvent,
  type PayoutFundsReleasedEvent,
  type PayoutFundsReservedEvent,
  type PayoutPaidEvent,
  acquirerFeesBooked,
  conversion,
  paymentCaptured,
  paymentRefunded,
  paymentSettled,
  payoutFundsConverted,
  payoutFundsReleased,
  payoutFundsReserved,
  payoutPaid,
  reversal,
} from '../../domain/ledger/postings';
import { fingerprintOf, transactionId } from '../../domain/ledger/transaction';
import type { PricingRepository } from '../../ports/pricing-repository';
import { type LedgerPostingDeps, type PostingResult, postTransaction } from './post-transaction';

/**
 * What the saga (and later FX and payouts) calls to move money. Each call is idempotent by
 * construction: the transaction id derives from the business event, so calling again with the same
 * event returns the first result (`replayed: true`) and writes nothing. See post-transaction.ts for the
 * steps every posting goes through and the errors it may throw.
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

export interface CapturePostingDeps extends LedgerPostingDeps {
  readonly pricing: PricingRepository;
}

/**
 * A payment was captured: gross to the channel's receivable, the fee to platform revenue, the net to the
 * merchant's pending funds. The fee comes from the merchant's pricing (or the platform default).
 */
export const postPaymentCaptured = async (deps: CapturePostingDeps, event: PaymentCapturedEvent): Promise<PostingResult> => {
  const sequence = event.sequence ?? 1;
  const pricing = (await deps.pricing.getPricing(event.merchantId)) ?? DEFAULT_PRICING;
  return postTransaction(deps, {
    transactionId: transactionId('payment_captured', event.paymentId, String(sequence)),
    positionId: event.paymentId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payment_captured', ...event, sequence }),
    build: (position) => paymentCaptured(event, position, pricing, deps.now()).transaction,
  });
};

/** An acquirer's settlement report: the fees it kept of a batch, in one currency, booked as the platform's cost. */
export const postAcquirerFees = (deps: LedgerPostingDeps, event: AcquirerFeesBookedEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('acquirer_fees', event.positionId, event.currency),
    positionId: event.positionId,
    merchantId: PLATFORM_OWNER,
    fingerprint: fingerprintOf({ kind: 'acquirer_fees', ...event }),
    build: (position) => acquirerFeesBooked(event, position, deps.now()),
  });

/** The channel settled a payment: what it still owed moves to cash, the merchant's pending funds to available. */
export const postSettlement = (deps: LedgerPostingDeps, event: PaymentSettledEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payment_settled', event.paymentId, event.settlementId),
    positionId: event.paymentId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payment_settled', ...event }),
    build: (position) => paymentSettled(event, position, deps.now()),
  });

/** A (partial) refund: taken from the payment's pending funds first, then the merchant's available. */
export const postRefund = (deps: LedgerPostingDeps, event: PaymentRefundedEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payment_refunded', event.paymentId, event.refundId),
    positionId: event.paymentId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payment_refunded', ...event }),
    build: (position) => paymentRefunded(event, position, deps.now()),
  });

/** Hold funds for a payout: available → reserved. InsufficientFundsError if available cannot cover it. */
export const reserveFunds = (deps: LedgerPostingDeps, event: PayoutFundsReservedEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payout_funds_reserved', event.payoutId),
    positionId: event.payoutId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payout_funds_reserved', ...event }),
    build: (position) => payoutFundsReserved(event, position, deps.now()),
  });

/** A payout is canceled, failed or was returned: everything it still holds in its reserved currency goes back to available. */
export const releaseFunds = (deps: LedgerPostingDeps, event: PayoutFundsReleasedEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payout_funds_released', event.payoutId),
    positionId: event.payoutId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payout_funds_released', ...event }),
    build: (position) => payoutFundsReleased(event, position, deps.now()),
  });

/** A payout left through its rail: the reserved funds leave the platform's cash at that channel. */
export const postPayoutPaid = (deps: LedgerPostingDeps, event: PayoutPaidEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payout_paid', event.payoutId),
    positionId: event.payoutId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payout_paid', ...event }),
    build: (position) => payoutPaid(event, position, deps.now()),
  });

/**
 * A conversion between the merchant's available balances at a quote's locked rate (both legs, the
 * platform's FX position and its spread revenue in one transaction). InsufficientFundsError when the
 * available balance in the sell currency cannot cover it.
 */
export const postConversion = (deps: LedgerPostingDeps, event: ConversionEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('conversion', event.conversionId),
    positionId: event.conversionId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'conversion', ...event }),
    build: (position) => conversion(event, position, deps.now()),
  });

/** A payout's reserved funds converted into its payout currency (reserved → reserved, through the FX position). */
export const convertPayoutFunds = (deps: LedgerPostingDeps, event: PayoutFundsConvertedEvent): Promise<PostingResult> =>
  postTransaction(deps, {
    transactionId: transactionId('payout_funds_converted', event.payoutId),
    positionId: event.payoutId,
    merchantId: event.merchantId,
    fingerprint: fingerprintOf({ kind: 'payout_funds_converted', ...event }),
    build: (position) => payoutFundsConverted(event, position, deps.now()),
  });

/**
 * Undo a posted transaction with its mirror (a compensation, or a correction). Refused when undoing it
 * would break its position's rules now (a capture already settled or refunded: reverse those first).
 * ResourceNotFoundError if no such transaction exists.
 */
export const reversePosting = async (deps: LedgerPostingDeps, input: { readonly transactionId: string }): Promise<PostingResult> => {
  const original = await deps.ledger.getTransaction(input.transactionId);
  if (!original) throw new ResourceNotFoundError('ledger transaction', input.transactionId);
  return postTransaction(deps, {
    transactionId: transactionId('reversal', original.id),
    positionId: original.positionId,
    merchantId: original.merchantId,
    fingerprint: fingerprintOf({ reverses: original.id }),
    build: (position) => reversal(original, position, deps.now()),
  });
};
