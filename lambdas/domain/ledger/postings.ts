import { isSupportedCurrency, isValidAmount } from '../money';
import { deriveId } from '../ids';
import { PLATFORM_OWNER, accountKey, channelAccount, merchantAccount, platformAccount } from './accounts';
import { PostingRejectedError, type PostingRejectionReason } from './errors';
import { type Pricing, computeFee } from './fees';
import { type Position, applyDelta, compactDelta, counter } from './positions';
import {
  type Entry,
  type JournalTransaction,
  type LineStatusChange,
  type StatementLine,
  type TransactionKind,
  assertBalanced,
  extraLineId,
  fingerprintOf,
  reversalFingerprint,
  reversalId,
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


/**
 * What a template hands its builder: the id and fingerprint it declared for the event, and the time.
 */
export interface PostingHeader {
  readonly id: string;
  readonly fingerprint: string;
  readonly createdAt: string;
}

/** A transaction as a template's builder makes it: all but what the template declares (`buildPosting` adds those). */
export type TransactionBody = Omit<JournalTransaction, 'id' | 'kind' | 'merchantId' | 'positionId' | 'fingerprint' | 'createdAt'>;

/**
 * A posting template: for one kind of business event, its transaction id, position, owner and fingerprint,
 * each declared once here, and the builder of its entries from the position. The posting use case
 * (use-cases/ledger/postings.ts `postLedgerEvent`) reads the same declarations to find a replay, so the id
 * a replay looks under and the id the builder writes cannot drift apart.
 * `C` is what the builder needs besides the event and the position (`reads` names it for the use case).
 */
export interface LedgerTemplate<E, C = void, K extends keyof E = keyof E> {
  readonly kind: TransactionKind;
  /** From the fields `K` alone, so a caller holding only those can find the transaction. */
  readonly transactionId: (event: Pick<E, K>) => string;
  readonly positionId: (event: E) => string;
  readonly merchantId: (event: E) => string;
  /** Tells a retry of the event from a different event under the same id. */
  readonly fingerprint: (event: E) => string;
  /** The merchant's pricing (a capture's fee): read by the use case, handed to `build` as its context. */
  readonly reads?: 'merchant_pricing';
  /** How a transaction that would leave its position invalid is refused. */
  readonly refusal?: PostingRejectionReason;
  readonly build: (event: E, position: Position, header: PostingHeader, context: C) => TransactionBody;
}

/**
 * The identity most templates declare: the position is one of the event's ids (`position`), the owner its
 * merchant, the transaction id the kind with that id and any `qualifiers` (a settlement's or refund's own id),
 * the fingerprint the whole event. A template whose identity differs (a capture's sequence, the platform's fee
 * booking, a reversal) declares its own.
 */
const merchantEventIdentity = <E extends { readonly merchantId: string }, P extends keyof E & string, Q extends keyof E & string = never>(
  kind: TransactionKind,
  position: P,
  ...qualifiers: readonly Q[]
) => ({
  kind,
  transactionId: (event: Pick<E, P | Q>) => transactionId(kind, String(event[position]), ...qualifiers.map((qualifier) => String(event[qualifier]))),
  positionId: (event: E) => String(event[position]),
  merchantId: (event: E) => event.merchantId,
  fingerprint: (event: E) => fingerprintOf({ kind, ...event }),
});

/** The context argument of a template that needs one (a capture's pricing); none for the others. */
export type PostingContext<C> = [C] extends [void] ? [] : [context: C];

/**
 * The one way a template becomes a transaction: the declared identity stamped on the built body, the
 * position after it checked against the position's rules (refused with the template's reason) and the
 * entries balanced.
 */
export const buildPosting = <E, C, K extends keyof E>(
  template: LedgerTemplate<E, C, K>,
  event: NoInfer<E>,
  position: Position,
  now: Date,
  ...context: PostingContext<C>
): JournalTransaction => {
  const header: PostingHeader = { id: template.transactionId(event), fingerprint: template.fingerprint(event), createdAt: now.toISOString() };
  const body = template.build(event, position, header, context[0] as C);
  const transaction: JournalTransaction = {
    ...body,
    id: header.id,
    kind: template.kind,
    merchantId: template.merchantId(event),
    positionId: template.positionId(event),
    fingerprint: header.fingerprint,
    createdAt: header.createdAt,
  };
  applyDelta(position, transaction.positionDelta, transaction.positionFields, template.refusal);
  assertBalanced(transaction);
  return transaction;
};

/** A capture's sequence: 1 for a payment's first capture (an event without one), 2, 3... after reversals. */
const captureSequence = (event: Pick<PaymentCapturedEvent, 'sequence'>): number => event.sequence ?? 1;

export const paymentCaptured: LedgerTemplate<PaymentCapturedEvent, Pricing, 'paymentId' | 'sequence'> = {
  kind: 'payment_captured',
  transactionId: (event: Pick<PaymentCapturedEvent, 'paymentId' | 'sequence'>) => transactionId('payment_captured', event.paymentId, String(captureSequence(event))),
  positionId: (event: PaymentCapturedEvent) => event.paymentId,
  merchantId: (event: PaymentCapturedEvent) => event.merchantId,
  fingerprint: (event: PaymentCapturedEvent) => fingerprintOf({ kind: 'payment_captured', ...event, sequence: captureSequence(event) }),
  reads: 'merchant_pricing',
  refusal: 'capture_exceeds_authorized',
  build: (event: PaymentCapturedEvent, position: Position, { id, createdAt }: PostingHeader, pricing: Pricing): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, paymentId: event.paymentId, channel: event.channel });
    requireCurrency(event.currency);
    requireAmount('amount', event.amount);
    requireAmount('authorizedAmount', event.authorizedAmount);
    const sequence = captureSequence(event);
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new PostingRejectedError('invalid_input', 'sequence must be a positive integer');
    if (event.amount > event.authorizedAmount) {
      throw new PostingRejectedError('capture_exceeds_authorized', `Capture of ${event.amount} exceeds the ${event.authorizedAmount} authorized`);
    }
    if (counter(position, 'captured') > 0) {
      throw new PostingRejectedError('already_captured', `${event.paymentId} has a live capture; reverse it before capturing again`);
    }
    const fee = computeFee(pricing, event.amount, event.currency);
    const { merchantId, currency, channel } = event;
    return {
      sourceId: event.paymentId,
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
      description: `Capture of ${event.paymentId} through ${channel}`,
    };
  },
};

const requireCaptured = (position: Position, paymentId: string): { currency: string; channel: string } => {
  if (counter(position, 'captured') === 0 || !position.currency || !position.channel) {
    throw new PostingRejectedError('not_captured', `${paymentId} has no capture in the ledger`);
  }
  return { currency: position.currency, channel: position.channel };
};

export const paymentSettled: LedgerTemplate<PaymentSettledEvent, void, 'paymentId' | 'settlementId'> = {
  ...merchantEventIdentity<PaymentSettledEvent, 'paymentId', 'settlementId'>('payment_settled', 'paymentId', 'settlementId'),
  refusal: 'nothing_to_settle',
  build: (event: PaymentSettledEvent, position: Position, { createdAt }: PostingHeader): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, paymentId: event.paymentId, settlementId: event.settlementId });
    const { currency, channel } = requireCaptured(position, event.paymentId);
    const owed = counter(position, 'receivable');
    const pending = counter(position, 'pendingNet');
    const linePending = counter(position, 'captureLinePending') === 1 && position.captureTransactionId !== undefined;
    if (owed === 0 && pending === 0 && !linePending) {
      throw new PostingRejectedError('nothing_to_settle', `${event.paymentId} has nothing left to settle`);
    }
    const lineChanges: LineStatusChange[] =
      linePending && position.captureTransactionId
        ? [{ lineId: position.captureTransactionId, from: 'pending', to: 'available', availableOn: createdAt }]
        : [];
    return {
      sourceId: event.paymentId,
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
      description: `Settlement ${event.settlementId} of ${event.paymentId} by ${channel}`,
    };
  },
};

/** The position of an acquirer's settlement batch in one currency: `stlr_` + 26 characters derived from the three. */
export const settlementBatchPositionId = (channel: string, batchId: string, currency: string): string => deriveId('stlr', channel, batchId, currency);

export const acquirerFeesBooked: LedgerTemplate<AcquirerFeesBookedEvent, void, 'positionId' | 'currency'> = {
  kind: 'acquirer_fees',
  transactionId: (event: Pick<AcquirerFeesBookedEvent, 'positionId' | 'currency'>) => transactionId('acquirer_fees', event.positionId, event.currency),
  positionId: (event: AcquirerFeesBookedEvent) => event.positionId,
  merchantId: () => PLATFORM_OWNER,
  fingerprint: (event: AcquirerFeesBookedEvent) => fingerprintOf({ kind: 'acquirer_fees', ...event }),
  build: (event: AcquirerFeesBookedEvent, position: Position): TransactionBody => {
    requireIdentifiers({ positionId: event.positionId, channel: event.channel, batchId: event.batchId });
    requireCurrency(event.currency);
    requireAmount('amount', event.amount);
    if (counter(position, 'acquirerFees') > 0) {
      throw new PostingRejectedError('fees_already_booked', `${event.batchId} of ${event.channel} already has its ${event.currency} fees booked`);
    }
    const { currency, channel } = event;
    return {
      sourceId: event.positionId,
      entries: [
        { account: accountKey(platformAccount('platform_acquirer_fees', currency)), side: 'debit', amount: event.amount, currency },
        { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'credit', amount: event.amount, currency },
      ],
      positionDelta: { acquirerFees: event.amount },
      positionFields: { currency, channel },
      line: null,
      lineChanges: [],
      reverses: null,
      description: `Fees ${channel} kept of settlement batch ${event.batchId} (${currency})`,
    };
  },
};

export const paymentRefunded: LedgerTemplate<PaymentRefundedEvent, void, 'paymentId' | 'refundId'> = {
  ...merchantEventIdentity<PaymentRefundedEvent, 'paymentId', 'refundId'>('payment_refunded', 'paymentId', 'refundId'),
  refusal: 'refund_exceeds_captured',
  build: (event: PaymentRefundedEvent, position: Position, { id, createdAt }: PostingHeader): TransactionBody => {
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
    const { merchantId } = event;
    return {
      sourceId: event.refundId,
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
      description: `Refund ${event.refundId} of ${event.paymentId} through ${channel}`,
    };
  },
};

export const payoutFundsReserved: LedgerTemplate<PayoutFundsReservedEvent, void, 'payoutId'> = {
  ...merchantEventIdentity<PayoutFundsReservedEvent, 'payoutId'>('payout_funds_reserved', 'payoutId'),
  refusal: 'payout_already_reserved',
  build: (event: PayoutFundsReservedEvent, position: Position, { id, createdAt }: PostingHeader): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId });
    requireCurrency(event.currency);
    requireAmount('amount', event.amount);
    if (counter(position, 'reserved') > 0) {
      throw new PostingRejectedError('payout_already_reserved', `${event.payoutId} already holds a reservation`);
    }
    const { merchantId, currency } = event;
    return {
      sourceId: event.payoutId,
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
      description: `Funds reserved for payout ${event.payoutId}`,
    };
  },
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

export const payoutFundsReleased: LedgerTemplate<PayoutFundsReleasedEvent, void, 'payoutId'> = {
  ...merchantEventIdentity<PayoutFundsReleasedEvent, 'payoutId'>('payout_funds_released', 'payoutId'),
  refusal: 'payout_not_reserved',
  build: (event: PayoutFundsReleasedEvent, position: Position, { id, createdAt }: PostingHeader): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId });
    if (counter(position, 'convertedOutstanding') > 0) {
      throw new PostingRejectedError('payout_converted', `${event.payoutId} holds converted funds; reverse its conversion before releasing`);
    }
    const { amount, currency } = requireOutstanding(position, event.payoutId);
    const release = RELEASE_LINES[event.reason ?? 'canceled'];
    const { merchantId } = event;
    return {
      sourceId: event.payoutId,
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
      description: `Reservation of payout ${event.payoutId} released`,
    };
  },
};

export const payoutPaid: LedgerTemplate<PayoutPaidEvent, void, 'payoutId'> = {
  ...merchantEventIdentity<PayoutPaidEvent, 'payoutId'>('payout_paid', 'payoutId'),
  refusal: 'payout_not_reserved',
  build: (event: PayoutPaidEvent, position: Position): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, payoutId: event.payoutId, channel: event.channel });
    // A converted payout pays what its conversion put in the payout currency; otherwise what it reserved.
    const converted = counter(position, 'convertedOutstanding');
    const { amount, currency } =
      converted > 0 && position.convertedCurrency
        ? { amount: converted, currency: position.convertedCurrency }
        : requireOutstanding(position, event.payoutId);
    const { merchantId, channel } = event;
    return {
      sourceId: event.payoutId,
      entries: [
        { account: accountKey(merchantAccount('merchant_reserved', merchantId, currency)), side: 'debit', amount, currency },
        { account: accountKey(channelAccount('channel_clearing', channel, currency)), side: 'credit', amount, currency },
      ],
      positionDelta: converted > 0 ? compactDelta({ convertedPaid: amount, convertedOutstanding: -amount }) : compactDelta({ paid: amount, outstanding: -amount }),
      positionFields: { channel },
      line: null,
      lineChanges: [],
      reverses: null,
      description: `Payout ${event.payoutId} sent through ${channel}`,
    };
  },
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
export const conversion: LedgerTemplate<ConversionEvent, void, 'conversionId'> = {
  ...merchantEventIdentity<ConversionEvent, 'conversionId'>('conversion', 'conversionId'),
  refusal: 'already_converted',
  build: (event: ConversionEvent, position: Position, { id, createdAt }: PostingHeader): TransactionBody => {
    requireIdentifiers({ merchantId: event.merchantId, conversionId: event.conversionId });
    requireTerms(event);
    if (counter(position, 'sold') > 0) throw new PostingRejectedError('already_converted', `${event.conversionId} was already posted`);
    const { merchantId, conversionId } = event;
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
    return {
      sourceId: conversionId,
      entries: conversionEntries(event, merchantId, 'merchant_available'),
      positionDelta: compactDelta({ sold: event.sellAmount, bought: event.buyAmount, spread: event.spreadAmount }),
      positionFields: { currency: event.sellCurrency },
      line: line(id, -event.sellAmount, event.sellCurrency, `Conversion ${conversionId}: ${event.sellCurrency} sold`),
      extraLines: [line(extraLineId(id, 1), event.buyAmount, event.buyCurrency, `Conversion ${conversionId}: ${event.buyCurrency} bought`)],
      lineChanges: [],
      reverses: null,
      description: `Conversion ${conversionId}: ${termsText(event)}`,
    };
  },
};

/**
 * A payout's reservation converted into the currency it pays out in: everything it holds in the sell
 * currency must be exactly what the quote sells. No statement line: the merchant's available + pending
 * funds do not change (the reservation already left them, on the `payout` line).
 */
export const payoutFundsConverted: LedgerTemplate<PayoutFundsConvertedEvent, void, 'payoutId'> = {
  ...merchantEventIdentity<PayoutFundsConvertedEvent, 'payoutId'>('payout_funds_converted', 'payoutId'),
  refusal: 'conversion_mismatch',
  build: (event: PayoutFundsConvertedEvent, position: Position): TransactionBody => {
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
    return {
      sourceId: event.payoutId,
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
      description: `Payout ${event.payoutId} converted: ${termsText(event)}`,
    };
  },
};

/**
 * The reversal of `original` (its event is the transaction it undoes), refused when undoing it would break
 * the position's rules now (for example reversing a capture that has been refunded or settled: reverse
 * those first).
 */
export const reversal: LedgerTemplate<JournalTransaction, void, 'id'> = {
  kind: 'reversal',
  transactionId: (original: Pick<JournalTransaction, 'id'>) => reversalId(original.id),
  positionId: (original: JournalTransaction) => original.positionId,
  merchantId: (original: JournalTransaction) => original.merchantId,
  fingerprint: (original: JournalTransaction) => reversalFingerprint(original.id),
  refusal: 'reversal_not_allowed',
  build: (original: JournalTransaction, _position: Position, { createdAt }: PostingHeader): TransactionBody => reverse(original, createdAt),
};

/** The position a transaction leaves behind (callers have already validated it through the template). */
export const positionAfter = (position: Position, transaction: JournalTransaction): Position =>
  applyDelta(position, transaction.positionDelta, transaction.positionFields);
