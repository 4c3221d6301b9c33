import { isSupportedCurrency, isValidAmount } from '../money';
import { deriveId } from '../ids';
import { PLATFORM_OWNER, accountKey, channelAccount, merchantAccount, platformAccount } from './accounts';
import { PostingRejectedError } from './errors';
import { type FeeQuote, type Pricing, computeFee } from './fees';
import { type Position, applyDelta, compactDelta, counter } from './positions';
import {
  type Entry,
  type JournalTransaction,
  type LineStatusChange,
  type StatementLine,
  assertBalanced,
  extraLineId,
  fingerprintOf,
  reverse,
  transactionId,
} from './transaction';

/**
 * Posting templates: one pure function per business event, from the event and the current position of
 * its payment or payout to the journal transaction. Each checks the event against the position (the
 * rules in positions.ts) and refuses it with a named error rather than post something wrong.
 *
 * The money model (docs/ledger.md):
 *   capture      Dr channel_receivable G   Cr platform_fee_revenue F   Cr merchant_pending N (= G − F)
 *   settlement   Dr channel_clearing        Cr channel_receivable   (what the channel still owed)
 *                Dr merchant_pending        Cr merchant_available   (the payment's funds still pending)
 *   refund R     Dr merchant_pending  (up to the payment's own pending funds)
 *                Dr merchant_available (the rest)
 *                Cr channel_receivable (up to what the channel still owes: it nets the refund)
 *                Cr channel_clearing   (the rest: cash leaves through the channel)
 *                The fee is not returned (as at Stripe): the merchant bears R in full.
 *   reserve X    Dr merchant_available      Cr merchant_reserved
 *   release      Dr merchant_reserved       Cr merchant_available   (all still reserved)
 *   payout paid  Dr merchant_reserved       Cr channel_clearing     (all still reserved)
 *   conversion   sell S of A, buy B of Z at the quote's client rate; spread P = floor(S × mid) − B (in Z):
 *                Dr merchant_available A S   Cr fx_position A S                       (the platform is long A)
 *                Dr fx_position Z (B + P)    Cr merchant_available Z B   Cr platform_fx_revenue Z P
 *   payout converted   the same legs between merchant_reserved A and merchant_reserved Z
 *   reversal     the mirror of any of these (transaction.ts `reverse`)
 * The fee is always its own entry, never hidden in a net amount; so is the FX spread.
 */
export interface PaymentCapturedEvent {
  readonly merchantId: string;
  readonly paymentId: string;
  /** The channel (acquirer) that captured: its receivable account owes the gross amount. */
  readonly channel: string;
  readonly currency: string;
  /** Gross amount captured, minor units. */
  readonly amount: number;
  /** Amount the channel authorized; a capture may not exceed it. */
  readonly authorizedAmount: number;
  /** 1 for a payment's first capture; a capture posted again after its reversal uses 2, 3... */
  readonly sequence?: number;
}

export interface PaymentSettledEvent {
  readonly merchantId: string;
  readonly paymentId: string;
  /** The channel's settlement (batch or report line) that paid this payment: one posting per settlement. */
  readonly settlementId: string;
}

export interface PaymentRefundedEvent {
  readonly merchantId: string;
  readonly paymentId: string;
  /** The refund (`re_...`), unique per refund: partial refunds are separate events. */
  readonly refundId: string;
  readonly amount: number;
  readonly currency: string;
}

export interface PayoutFundsReservedEvent {
  readonly merchantId: string;
  readonly payoutId: string;
  readonly amount: number;
  readonly currency: string;
}

/** Why a payout's reservation is released: what the statement line says. Absent: canceled. */
export type PayoutReleaseReason = 'canceled' | 'failed' | 'returned';

export interface PayoutFundsReleasedEvent {
  readonly merchantId: string;
  readonly payoutId: string;
  readonly reason?: PayoutReleaseReason;
}

/** What a conversion exchanges, from its quote: amounts in minor units, the exact client rate as text. */
export interface ConversionTerms {
  readonly quoteId: string;
  readonly sellCurrency: string;
  readonly sellAmount: number;
  readonly buyCurrency: string;
  readonly buyAmount: number;
  /** Spread revenue in minor units of the buy currency (≥ 0). */
  readonly spreadAmount: number;
  /** Client rate, buy per sell: recorded on the transaction's description. */
  readonly rate: string;
}

/** A merchant converts between its available balances (`POST /v1/conversions`). */
export interface ConversionEvent extends ConversionTerms {
  readonly merchantId: string;
  /** The conversion (`cv_...`): its position records what it sold and bought. */
  readonly conversionId: string;
}

/** A payout's reserved funds are converted into the currency it pays out in. */
export interface PayoutFundsConvertedEvent extends ConversionTerms {
  readonly merchantId: string;
  readonly payoutId: string;
}

/**
 * An acquirer's settlement report says it kept `amount` of a batch in fees (interchange, scheme, its own):
 * the platform's cost, out of the cash it holds at the channel. One per batch and currency (decision 0018).
 */
export interface AcquirerFeesBookedEvent {
  /** The batch's position in this currency (`stlr_...`, `settlementBatchPositionId`). */
  readonly positionId: string;
  readonly channel: string;
  readonly batchId: string;
  readonly currency: string;
  readonly amount: number;
}

export interface PayoutPaidEvent {
  readonly merchantId: string;
  readonly payoutId: string;
  /** The payout rail (bank channel) the money left through. */
  readonly channel: string;
}

const IDENTIFIER = /^[A-Za-z0-9_-]{1,128}$/;

const requireIdentifiers = (values: Record<string, string>): void => {
  for (const [field, value] of Object.entries(values)) {
    if (!IDENTIFIER.test(value)) {
      throw new PostingRejectedError('invalid_input', `${field} must be 1 to 128 letters, digits, '_' or '-'`);
    }
  }
};

const requireAmount = (field: string, amount: number): void => {
  if (!isValidAmount(amount)) throw new PostingRejectedError('invalid_input', `${field} must be a positive integer of minor units`);
};

const requireCurrency = (currency: string): void => {
  if (!isSupportedCurrency(currency)) throw new PostingRejectedError('invalid_input', `Unsupported currency '${currency}'`);
};

/** Entries with a zero amount say nothing and are left out (a 100 % fee credits the merchant nothing). */
const entries = (...candidates: Entry[]): Entry[] => candidates.filter((entry) => entry.amount !== 0);

const finish = (transaction: JournalTransaction): JournalTransaction => {
  assertBalanced(transaction);
  return transaction;
};

export const paymentCaptured = (
  event: PaymentCapturedEvent,
  position: Position,
  pricing: Pricing,
  now: Date,
): { readonly transaction: JournalTransaction; readonly fee: FeeQuote } => {
  requireIdentifiers({ merchantId: event.merchantId, paymentId: event.paymentId, channel: event.channel });
  requireCurrency(event.currency);
  requireAmount('amount', event.amount);
  requireAmount('authorizedAmount', event.authorizedAmount);
  const sequence = event.sequence ?? 1;
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new PostingRejectedError('invalid_input', 'sequence must be a positive integer');
  if (event.amount > event.authorizedAmount) {
    throw new PostingRejectedError('capture_exceeds_authorized', `Capture of ${event.amount} exceeds the ${event.authorizedAmount} authorized`);
  }
  if (counter(position, 'captured') > 0) {
    throw new PostingRejectedError('already_captured', `${event.paymentId} has a live capture; reverse it before capturing again`);
  }
  const fee = computeFee(pricing, event.amount, event.currency);
  const id = transactionId('payment_captured', event.paymentId, String(sequence));
  const createdAt = now.toISOString();
  const { merchantId, currency, channel } = event;
  const transaction: JournalTransaction = {
    id,
    kind: 'payment_captured',
    merchantId,
    sourceId: event.paymentId,
    positionId: event.paymentId,
    entries: entries(
      { account: accountKey(channelAccount('channel_receivable', channel, currency)), side: 'debit', amount: event.amount, currency },
      { account: accountKey(platformAccount('platform_fee_revenue', currency)), side: 'credit', amount: fee.fee, currency },
      { account: accountKey(merchantAccount('merchant_pending', merchantId, currency)), side: 'credit', amount: fee.net, currency },
    ),
    positionDelta: compactDelta({
      authorized: event.authorizedAmount,
      captured: event.amount,
      fee: fee.fee,
      receivable: event.amount,
      pendingNet: fee.net,
      captureLinePending: 1,
    }),
    positionFields: { currency, channel, captureTransactionId: id },
    line: {
      id,
      merchantId,
      type: 'payment',
      source: event.paymentId,
      amount: event.amount,
      fee: fee.fee,
      net: fee.net,
      currency,
      status: 'pending',
      availableOn: null,
      createdAt,
      description: `Payment ${event.paymentId} captured`,
    },
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payment_captured', ...event, sequence }),
    createdAt,
    description: `Capture of ${event.paymentId} through ${channel}`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'capture_exceeds_authorized');
  return { transaction: finish(transaction), fee };
};

const requireCaptured = (position: Position, paymentId: string): { currency: string; channel: string } => {
  if (counter(position, 'captured') === 0 || !position.currency || !position.channel) {
    throw new PostingRejectedError('not_captured', `${paymentId} has no capture in the ledger`);
  }
  return { currency: position.currency, channel: position.channel };
};

export const paymentSettled = (event: PaymentSettledEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, paymentId: event.paymentId, settlementId: event.settlementId });
  const { currency, channel } = requireCaptured(position, event.paymentId);
  const owed = counter(position, 'receivable');
  const pending = counter(position, 'pendingNet');
  const linePending = counter(position, 'captureLinePending') === 1 && position.captureTransactionId !== undefined;
  if (owed === 0 && pending === 0 && !linePending) {
    throw new PostingRejectedError('nothing_to_settle', `${event.paymentId} has nothing left to settle`);
  }
  const createdAt = now.toISOString();
  const lineChanges: LineStatusChange[] =
    linePending && position.captureTransactionId
      ? [{ lineId: position.captureTransactionId, from: 'pending', to: 'available', availableOn: createdAt }]
      : [];
  const transaction: JournalTransaction = {
    id: transactionId('payment_settled', event.paymentId, event.settlementId),
    kind: 'payment_settled',
    merchantId: event.merchantId,
    sourceId: event.paymentId,
    positionId: event.paymentId,
    entries: entries(
      { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'debit', amount: owed, currency },
      { account: accountKey(channelAccount('channel_receivable', channel, currency)), side: 'credit', amount: owed, currency },
      { account: accountKey(merchantAccount('merchant_pending', event.merchantId, currency)), side: 'debit', amount: pending, currency },
      { account: accountKey(merchantAccount('merchant_available', event.merchantId, currency)), side: 'credit', amount: pending, currency },
    ),
    positionDelta: compactDelta({ receivable: -owed, pendingNet: -pending, settled: owed, captureLinePending: linePending ? -1 : 0 }),
    positionFields: {},
    line: null,
    lineChanges,
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payment_settled', ...event }),
    createdAt,
    description: `Settlement ${event.settlementId} of ${event.paymentId} by ${channel}`,
  };
  applyDelta(position, transaction.positionDelta, {}, 'nothing_to_settle');
  return finish(transaction);
};

/** The position of an acquirer's settlement batch in one currency: `stlr_` + 26 characters derived from the three. */
export const settlementBatchPositionId = (channel: string, batchId: string, currency: string): string => deriveId('stlr', channel, batchId, currency);

export const acquirerFeesBooked = (event: AcquirerFeesBookedEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ positionId: event.positionId, channel: event.channel, batchId: event.batchId });
  requireCurrency(event.currency);
  requireAmount('amount', event.amount);
  if (counter(position, 'acquirerFees') > 0) {
    throw new PostingRejectedError('fees_already_booked', `${event.batchId} of ${event.channel} already has its ${event.currency} fees booked`);
  }
  const createdAt = now.toISOString();
  const { currency, channel } = event;
  const transaction: JournalTransaction = {
    id: transactionId('acquirer_fees', event.positionId, currency),
    kind: 'acquirer_fees',
    merchantId: PLATFORM_OWNER,
    sourceId: event.positionId,
    positionId: event.positionId,
    entries: [
      { account: accountKey(platformAccount('platform_acquirer_fees', currency)), side: 'debit', amount: event.amount, currency },
      { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'credit', amount: event.amount, currency },
    ],
    positionDelta: { acquirerFees: event.amount },
    positionFields: { currency, channel },
    line: null,
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'acquirer_fees', ...event }),
    createdAt,
    description: `Fees ${channel} kept of settlement batch ${event.batchId} (${currency})`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields);
  return finish(transaction);
};

export const paymentRefunded = (event: PaymentRefundedEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, paymentId: event.paymentId, refundId: event.refundId });
  requireAmount('amount', event.amount);
  const { currency, channel } = requireCaptured(position, event.paymentId);
  if (event.currency !== currency) {
    throw new PostingRejectedError('currency_mismatch', `${event.paymentId} was captured in ${currency}, the refund is in ${event.currency}`);
  }
  const refundable = counter(position, 'captured') - counter(position, 'refunded');
  if (event.amount > refundable) {
    throw new PostingRejectedError('refund_exceeds_captured', `Refund of ${event.amount} exceeds the ${refundable} still refundable on ${event.paymentId}`);
  }
  const fromReceivable = Math.min(event.amount, counter(position, 'receivable'));
  const fromPending = Math.min(event.amount, counter(position, 'pendingNet'));
  const createdAt = now.toISOString();
  const id = transactionId('payment_refunded', event.paymentId, event.refundId);
  const { merchantId } = event;
  const transaction: JournalTransaction = {
    id,
    kind: 'payment_refunded',
    merchantId,
    sourceId: event.refundId,
    positionId: event.paymentId,
    entries: entries(
      { account: accountKey(merchantAccount('merchant_pending', merchantId, currency)), side: 'debit', amount: fromPending, currency },
      { account: accountKey(merchantAccount('merchant_available', merchantId, currency)), side: 'debit', amount: event.amount - fromPending, currency },
      { account: accountKey(channelAccount('channel_receivable', channel, currency)), side: 'credit', amount: fromReceivable, currency },
      { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'credit', amount: event.amount - fromReceivable, currency },
    ),
    positionDelta: compactDelta({ refunded: event.amount, receivable: -fromReceivable, pendingNet: -fromPending }),
    positionFields: {},
    line: {
      id,
      merchantId,
      type: 'refund',
      source: event.refundId,
      amount: -event.amount,
      fee: 0,
      net: -event.amount,
      currency,
      status: 'available',
      availableOn: createdAt,
      createdAt,
      description: `Refund ${event.refundId} of ${event.paymentId}`,
    },
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payment_refunded', ...event }),
    createdAt,
    description: `Refund ${event.refundId} of ${event.paymentId} through ${channel}`,
  };
  applyDelta(position, transaction.positionDelta, {}, 'refund_exceeds_captured');
  return finish(transaction);
};

export const payoutFundsReserved = (event: PayoutFundsReservedEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId });
  requireCurrency(event.currency);
  requireAmount('amount', event.amount);
  if (counter(position, 'reserved') > 0) {
    throw new PostingRejectedError('payout_already_reserved', `${event.payoutId} already holds a reservation`);
  }
  const { merchantId, currency } = event;
  const createdAt = now.toISOString();
  const id = transactionId('payout_funds_reserved', event.payoutId);
  const transaction: JournalTransaction = {
    id,
    kind: 'payout_funds_reserved',
    merchantId,
    sourceId: event.payoutId,
    positionId: event.payoutId,
    entries: [
      { account: accountKey(merchantAccount('merchant_available', merchantId, currency)), side: 'debit', amount: event.amount, currency },
      { account: accountKey(merchantAccount('merchant_reserved', merchantId, currency)), side: 'credit', amount: event.amount, currency },
    ],
    positionDelta: compactDelta({ reserved: event.amount, outstanding: event.amount }),
    positionFields: { currency },
    line: {
      id,
      merchantId,
      type: 'payout',
      source: event.payoutId,
      amount: -event.amount,
      fee: 0,
      net: -event.amount,
      currency,
      status: 'available',
      availableOn: createdAt,
      createdAt,
      description: `Payout ${event.payoutId}`,
    },
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payout_funds_reserved', ...event }),
    createdAt,
    description: `Funds reserved for payout ${event.payoutId}`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'payout_already_reserved');
  return finish(transaction);
};

const requireOutstanding = (position: Position, payoutId: string): { amount: number; currency: string } => {
  const amount = counter(position, 'outstanding');
  if (amount === 0 || !position.currency) throw new PostingRejectedError('payout_not_reserved', `${payoutId} holds no reserved funds`);
  return { amount, currency: position.currency };
};

const RELEASE_LINES: Readonly<Record<PayoutReleaseReason, { type: 'payout_cancel' | 'payout_failure' | 'payout_return'; text: string }>> = {
  canceled: { type: 'payout_cancel', text: 'canceled: funds released' },
  failed: { type: 'payout_failure', text: 'failed: funds released' },
  returned: { type: 'payout_return', text: 'returned by the bank: funds restored' },
};

export const payoutFundsReleased = (event: PayoutFundsReleasedEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId });
  if (counter(position, 'convertedOutstanding') > 0) {
    throw new PostingRejectedError('payout_converted', `${event.payoutId} holds converted funds; reverse its conversion before releasing`);
  }
  const { amount, currency } = requireOutstanding(position, event.payoutId);
  const release = RELEASE_LINES[event.reason ?? 'canceled'];
  const { merchantId } = event;
  const createdAt = now.toISOString();
  const id = transactionId('payout_funds_released', event.payoutId);
  const transaction: JournalTransaction = {
    id,
    kind: 'payout_funds_released',
    merchantId,
    sourceId: event.payoutId,
    positionId: event.payoutId,
    entries: [
      { account: accountKey(merchantAccount('merchant_reserved', merchantId, currency)), side: 'debit', amount, currency },
      { account: accountKey(merchantAccount('merchant_available', merchantId, currency)), side: 'credit', amount, currency },
    ],
    positionDelta: compactDelta({ released: amount, outstanding: -amount }),
    positionFields: {},
    line: {
      id,
      merchantId,
      type: release.type,
      source: event.payoutId,
      amount,
      fee: 0,
      net: amount,
      currency,
      status: 'available',
      availableOn: createdAt,
      createdAt,
      description: `Payout ${event.payoutId} ${release.text}`,
    },
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payout_funds_released', ...event }),
    createdAt,
    description: `Reservation of payout ${event.payoutId} released`,
  };
  applyDelta(position, transaction.positionDelta, {}, 'payout_not_reserved');
  return finish(transaction);
};

export const payoutPaid = (event: PayoutPaidEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId, channel: event.channel });
  // A converted payout pays what its conversion put in the payout currency; otherwise what it reserved.
  const converted = counter(position, 'convertedOutstanding');
  const { amount, currency } =
    converted > 0 && position.convertedCurrency
      ? { amount: converted, currency: position.convertedCurrency }
      : requireOutstanding(position, event.payoutId);
  const { merchantId, channel } = event;
  const transaction: JournalTransaction = {
    id: transactionId('payout_paid', event.payoutId),
    kind: 'payout_paid',
    merchantId,
    sourceId: event.payoutId,
    positionId: event.payoutId,
    entries: [
      { account: accountKey(merchantAccount('merchant_reserved', merchantId, currency)), side: 'debit', amount, currency },
      { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'credit', amount, currency },
    ],
    positionDelta: converted > 0 ? compactDelta({ convertedPaid: amount, convertedOutstanding: -amount }) : compactDelta({ paid: amount, outstanding: -amount }),
    positionFields: { channel },
    line: null,
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payout_paid', ...event }),
    createdAt: now.toISOString(),
    description: `Payout ${event.payoutId} sent through ${channel}`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'payout_not_reserved');
  return finish(transaction);
};

const requireTerms = (terms: ConversionTerms): void => {
  requireIdentifiers({ quoteId: terms.quoteId });
  requireCurrency(terms.sellCurrency);
  requireCurrency(terms.buyCurrency);
  if (terms.sellCurrency === terms.buyCurrency) throw new PostingRejectedError('invalid_input', 'A conversion needs two different currencies');
  requireAmount('sellAmount', terms.sellAmount);
  requireAmount('buyAmount', terms.buyAmount);
  if (!Number.isSafeInteger(terms.spreadAmount) || terms.spreadAmount < 0) {
    throw new PostingRejectedError('invalid_input', 'spreadAmount must be a non-negative integer of minor units');
  }
};

/** The entries of an FX trade between two merchant accounts of one kind (available, or reserved). */
const conversionEntries = (terms: ConversionTerms, merchantId: string, kind: 'merchant_available' | 'merchant_reserved'): Entry[] => {
  const { sellCurrency, buyCurrency, sellAmount, buyAmount, spreadAmount } = terms;
  return entries(
    { account: accountKey(merchantAccount(kind, merchantId, sellCurrency)), side: 'debit', amount: sellAmount, currency: sellCurrency },
    { account: accountKey(platformAccount('fx_position', sellCurrency)), side: 'credit', amount: sellAmount, currency: sellCurrency },
    { account: accountKey(platformAccount('fx_position', buyCurrency)), side: 'debit', amount: buyAmount + spreadAmount, currency: buyCurrency },
    { account: accountKey(merchantAccount(kind, merchantId, buyCurrency)), side: 'credit', amount: buyAmount, currency: buyCurrency },
    { account: accountKey(platformAccount('platform_fx_revenue', buyCurrency)), side: 'credit', amount: spreadAmount, currency: buyCurrency },
  );
};

const termsText = (terms: ConversionTerms): string =>
  `${terms.sellAmount} ${terms.sellCurrency} → ${terms.buyAmount} ${terms.buyCurrency} at ${terms.rate} (quote ${terms.quoteId})`;

/**
 * A conversion between the merchant's available balances, at a quote's locked rate. Two statement lines:
 * the sold currency (− S) and the bought one (+ B). InsufficientFundsError when available cannot cover S.
 */
export const conversion = (event: ConversionEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, conversionId: event.conversionId });
  requireTerms(event);
  if (counter(position, 'sold') > 0) throw new PostingRejectedError('already_converted', `${event.conversionId} was already posted`);
  const { merchantId, conversionId } = event;
  const createdAt = now.toISOString();
  const id = transactionId('conversion', conversionId);
  const line = (lineId: string, amount: number, currency: string, description: string): StatementLine => ({
    id: lineId,
    merchantId,
    type: 'conversion',
    source: conversionId,
    amount,
    fee: 0,
    net: amount,
    currency,
    status: 'available',
    availableOn: createdAt,
    createdAt,
    description,
  });
  const transaction: JournalTransaction = {
    id,
    kind: 'conversion',
    merchantId,
    sourceId: conversionId,
    positionId: conversionId,
    entries: conversionEntries(event, merchantId, 'merchant_available'),
    positionDelta: compactDelta({ sold: event.sellAmount, bought: event.buyAmount, spread: event.spreadAmount }),
    positionFields: { currency: event.sellCurrency },
    line: line(id, -event.sellAmount, event.sellCurrency, `Conversion ${conversionId}: ${event.sellCurrency} sold`),
    extraLines: [line(extraLineId(id, 1), event.buyAmount, event.buyCurrency, `Conversion ${conversionId}: ${event.buyCurrency} bought`)],
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'conversion', ...event }),
    createdAt,
    description: `Conversion ${conversionId}: ${termsText(event)}`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'already_converted');
  return finish(transaction);
};

/**
 * A payout's reservation converted into the currency it pays out in: everything it holds in the sell
 * currency must be exactly what the quote sells. No statement line: the merchant's available + pending
 * funds do not change (the reservation already left them, on the `payout` line).
 */
export const payoutFundsConverted = (event: PayoutFundsConvertedEvent, position: Position, now: Date): JournalTransaction => {
  requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId });
  requireTerms(event);
  if (counter(position, 'converted') > 0) throw new PostingRejectedError('already_converted', `${event.payoutId} was already converted`);
  const { amount, currency } = requireOutstanding(position, event.payoutId);
  if (currency !== event.sellCurrency || amount !== event.sellAmount) {
    throw new PostingRejectedError(
      'conversion_mismatch',
      `${event.payoutId} holds ${amount} ${currency}; the conversion sells ${event.sellAmount} ${event.sellCurrency}`,
    );
  }
  const transaction: JournalTransaction = {
    id: transactionId('payout_funds_converted', event.payoutId),
    kind: 'payout_funds_converted',
    merchantId: event.merchantId,
    sourceId: event.payoutId,
    positionId: event.payoutId,
    entries: conversionEntries(event, event.merchantId, 'merchant_reserved'),
    positionDelta: compactDelta({
      converted: event.sellAmount,
      outstanding: -event.sellAmount,
      convertedIn: event.buyAmount,
      convertedOutstanding: event.buyAmount,
    }),
    positionFields: { convertedCurrency: event.buyCurrency },
    line: null,
    lineChanges: [],
    reverses: null,
    fingerprint: fingerprintOf({ kind: 'payout_funds_converted', ...event }),
    createdAt: now.toISOString(),
    description: `Payout ${event.payoutId} converted: ${termsText(event)}`,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'conversion_mismatch');
  return finish(transaction);
};

/**
 * The reversal of `original`, refused when undoing it would break the position's rules now (for
 * example reversing a capture that has been refunded or settled: reverse those first).
 */
export const reversal = (original: JournalTransaction, position: Position, now: Date): JournalTransaction => {
  const transaction = reverse(original, now.toISOString());
  applyDelta(position, transaction.positionDelta, transaction.positionFields, 'reversal_not_allowed');
  return finish(transaction);
};

/** The position a transaction leaves behind (callers have already validated it through the template). */
export const positionAfter = (position: Position, transaction: JournalTransaction): Position =>
  applyDelta(position, transaction.positionDelta, transaction.positionFields);
