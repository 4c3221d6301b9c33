import { AmountTooLargeError, PaymentNotCancelableError, PaymentNotInReviewError, PaymentNotCapturableError, PaymentNotRefundableError } from './errors';
import type { Payment, PaymentFailure, TimelineEntry } from './payment';
import type { RiskAssessment } from './risk';

/**
 * The payment lifecycle as pure functions: each takes the payment as last read, checks the change is
 * allowed, and returns the next payment (version + 1) with the change recorded on its timeline.
 * Persistence writes the payment only over the version it was computed from, so two concurrent changes
 * can never both apply, and the timeline entry, part of the same item, cannot be written twice.
 */
export const PAYMENT_EVENT_TYPES = [
  'payment.created',
  'payment.screened',
  'payment.rerouted',
  'payment.authorized',
  'payment.requires_capture',
  'payment.capture_requested',
  'payment.succeeded',
  'payment.cancel_requested',
  'payment.canceled',
  'payment.failed',
  'payment.requires_attention',
  'payment.reviewed',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export type EventData = Readonly<Record<string, string | number | boolean | null>>;

/** A timeline event as the API shows it (domain/payment-timeline.ts builds them from the payment). */
export interface PaymentEvent {
  readonly id: string;
  readonly paymentId: string;
  readonly merchantId: string;
  readonly type: PaymentEventType;
  /** The payment's version after the change this event records. */
  readonly version: number;
  readonly createdAt: string;
  readonly data: EventData;
}

export interface Transition {
  readonly payment: Payment;
  /** The entry this change added to the payment's timeline (the last, when it records two changes). */
  readonly entry: TimelineEntry;
  /** The version it was computed from: the write is made only over it. */
  readonly from: number;
}

const change = (payment: Payment, now: Date, fields: Partial<Payment>, type: PaymentEventType, detail: Partial<TimelineEntry> = {}): Transition => {
  const version = payment.version + 1;
  const entry: TimelineEntry = { type, version, at: now.toISOString(), ...detail };
  const next: Payment = { ...payment, ...fields, version, updatedAt: now.toISOString(), timeline: [...payment.timeline, entry] };
  return { payment: next, entry, from: payment.version };
};

export type { RiskAssessment } from './risk';

/**
 * Risk screening approved and routing chose the channel: one write, made before any channel is called,
 * so the authorization always goes where this record says (its idempotency key names the channel).
 */
export const recordScreening = (
  payment: Payment,
  assessment: RiskAssessment,
  routing: {
    readonly channel: string;
    readonly reason: string;
    readonly plan: readonly string[];
    readonly failover: boolean;
    readonly strategy: string;
    readonly rule?: { readonly id: string; readonly version: number };
  },
  now: Date,
): Transition =>
  change(
    payment,
    now,
    {
      risk: assessment,
      channel: routing.channel,
      route: { plan: routing.plan, failover: routing.failover, strategy: routing.strategy, reason: routing.reason, ...(routing.rule ? { rule: routing.rule } : {}) },
    },
    'payment.screened',
    { channel: routing.channel, reason: routing.reason },
  );

/**
 * Failover: the channel the payment was routed to definitely did not authorize it (it said so when asked
 * under the authorization's idempotency key), so the payment moves to the next channel of its plan. Only
 * before any authorization is recorded; `reason` is the error that made the platform ask.
 */
export const recordReroute = (payment: Payment, to: string, reason: string, now: Date): Transition =>
  change(payment, now, { channel: to }, 'payment.rerouted', { channel: to, reason });

/**
 * An operator decided a payment risk screening sent to review (domain/risk.ts): `approved` clears it from
 * the queue; `refunded` records that its refund was started (through the refund path, use-cases/review-payment.ts).
 */
export const recordReviewDecision = (payment: Payment, decision: 'approved' | 'refunded', by: string, now: Date, note?: string): Transition => {
  if (!awaitsRiskReview(payment) || !payment.risk) throw new PaymentNotInReviewError(payment.id);
  const review = { decision, by, at: now.toISOString(), ...(note ? { note } : {}) };
  return change(payment, now, { risk: { ...payment.risk, review } }, 'payment.reviewed', { code: decision });
};

/**
 * Whether a payment waits in the operators' risk review queue: sent to review, not decided yet, and not
 * ended without moving money (a review payment the issuer declined, or canceled, leaves the queue by itself).
 */
export const awaitsRiskReview = (payment: Pick<Payment, 'risk' | 'status'>): boolean =>
  payment.risk?.decision === 'review' && !payment.risk.review && payment.status !== 'failed' && payment.status !== 'canceled';

/** Risk screening declined: the payment fails before any channel sees it. */
export const recordRiskDecline = (payment: Payment, assessment: RiskAssessment, now: Date): Transition =>
  change(
    payment,
    now,
    { status: 'failed', risk: assessment, failure: { code: 'risk_declined', message: 'The payment was declined by risk screening.' }, inFlightSince: null },
    'payment.failed',
    { code: 'risk_declined' },
  );

/** The channel approved the authorization. */
export const recordAuthorization = (
  payment: Payment,
  authorization: { authorizationId: string; amountAuthorized: number; expiresAt: string },
  now: Date,
): Transition =>
  change(
    payment,
    now,
    {
      authorizationId: authorization.authorizationId,
      authorizationExpiresAt: new Date(authorization.expiresAt).toISOString(),
      amountAuthorized: authorization.amountAuthorized,
      amountCapturable: authorization.amountAuthorized,
    },
    'payment.authorized',
  );

/**
 * What the channel approved for an automatic payment, answered by the Authorize step and carried in the
 * workflow run's state instead of written (decision record 0047): the channel's authorization (never card
 * data), the channel it is at, and when it answered. The step that ends the run records it, in the same write
 * as its own change.
 */
export interface Approval {
  readonly channel: string;
  readonly authorizationId: string;
  readonly amountAuthorized: number;
  readonly expiresAt: string;
  /** When the channel answered: the time of `payment.authorized` on the timeline. */
  readonly at: string;
}

/**
 * The payment as it is once an approval is recorded: the payment itself when it records an authorization
 * (or no approval is given). An approval at another channel than the payment's is refused: it cannot be
 * this payment's authorization (a reroute happens only on the channel's word that it authorized nothing).
 */
export const withApproval = (payment: Payment, approval: Approval | undefined): Payment => (payment.authorizationId || !approval ? payment : recordApproval(payment, approval).payment);

const recordApproval = (payment: Payment, approval: Approval): Transition => {
  if (approval.channel !== payment.channel) {
    throw new Error(`Payment ${payment.id} is at ${payment.channel ?? 'no channel'}; an approval at ${approval.channel} is not its authorization`);
  }
  return recordAuthorization(payment, approval, new Date(approval.at));
};

/**
 * A change made after an approval the payment does not record yet: both in one write, `payment.authorized`
 * (at the time the channel answered) then the change, so the timeline reads as if Authorize had written it.
 * A payment that records its authorization already (or no approval) gets the change alone.
 */
export const afterApproval = (payment: Payment, approval: Approval | undefined, next: (authorized: Payment) => Transition): Transition => {
  if (payment.authorizationId || !approval) return next(payment);
  return { ...next(recordApproval(payment, approval).payment), from: payment.version };
};

/**
 * A manual payment starts waiting for its merchant. Made by the saga's waiting task in the same write
 * that stores its task token, so no merchant can see `requires_capture` before a capture can be delivered.
 */
export const recordAwaitingCapture = (payment: Payment, now: Date): Transition =>
  change(payment, now, { status: 'requires_capture', inFlightSince: null }, 'payment.requires_capture');

/** A merchant asks to capture a manual payment, all of it or less (the rest is released). */
export const requestCapture = (payment: Payment, amount: number, now: Date, commandId?: string): Transition => {
  if (payment.status !== 'requires_capture') throw new PaymentNotCapturableError(payment.id, payment.status);
  if (amount > payment.amountCapturable) {
    throw new AmountTooLargeError('amount_to_capture', amount, payment.amountCapturable, 'authorized and capturable');
  }
  return change(payment, now, { status: 'processing', captureRequested: { amount, requestedAt: now.toISOString(), commandId }, inFlightSince: now.toISOString() }, 'payment.capture_requested');
};

/** The amount to capture: the merchant's request for a manual payment, everything authorized otherwise. */
export const amountToCapture = (payment: Payment): number => payment.captureRequested?.amount ?? payment.amountCapturable;

/**
 * Captured at the channel and posted to the ledger: the money is the merchant's. Recorded once both are
 * done (each is idempotent by its own key, so a run that dies between them repeats them harmlessly).
 */
export const recordSuccess = (payment: Payment, capture: { captureId: string; amount: number }, now: Date): Transition =>
  change(
    payment,
    now,
    { status: 'succeeded', captureId: capture.captureId, amountReceived: capture.amount, amountCapturable: 0, inFlightSince: null },
    'payment.succeeded',
  );

/** A merchant cancels a payment that was authorized but not captured; the saga then voids it. */
export const requestCancel = (payment: Payment, reason: string, now: Date, commandId?: string): Transition => {
  if (payment.status !== 'requires_capture') throw new PaymentNotCancelableError(payment.id, payment.status);
  return change(payment, now, { status: 'processing', cancellationReason: reason, cancelCommandId: commandId ?? null, inFlightSince: now.toISOString() }, 'payment.cancel_requested');
};

/** The authorization is released (void, or expiry): nothing will be captured. */
export const recordCancellation = (payment: Payment, reason: string, now: Date): Transition =>
  change(payment, now, { status: 'canceled', cancellationReason: reason, amountCapturable: 0, inFlightSince: null }, 'payment.canceled');

export const recordFailure = (payment: Payment, failure: PaymentFailure, now: Date): Transition =>
  change(payment, now, { status: 'failed', failure, amountCapturable: 0, inFlightSince: null }, 'payment.failed', { code: failure.code });

/** A compensation could not complete: money may be in an inconsistent place and people must look. */
export const recordAttentionRequired = (payment: Payment, reason: string, now: Date): Transition =>
  change(payment, now, { status: 'requires_attention', failure: { code: 'requires_attention', message: reason }, inFlightSince: null }, 'payment.requires_attention');

/** What may still be refunded: captured, minus refunded, minus refunds under way. */
export const refundableAmount = (payment: Payment): number => payment.amountReceived - payment.amountRefunded - payment.amountRefundPending;

/**
 * Refunds one payment may have, whatever their outcome. Every refund adds two entries to the payment's
 * timeline, which lives in the payment's item (DynamoDB caps an item at 400 KB and bills writes per KB);
 * a merchant refunding a payment more often than this is refunding the wrong thing.
 */
export const MAX_REFUNDS_PER_PAYMENT = 100;

/** A refund is accepted: its amount is reserved against the payment until the channel answers. */
export const reserveRefund = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition => {
  if (payment.status !== 'succeeded') throw new PaymentNotRefundableError(payment.id, payment.status);
  if (payment.timeline.filter((entry) => entry.type === 'refund.created').length >= MAX_REFUNDS_PER_PAYMENT) {
    throw new PaymentNotRefundableError(payment.id, payment.status, `Payment ${payment.id} cannot be refunded again: it has had ${MAX_REFUNDS_PER_PAYMENT} refunds, the most one payment may have.`);
  }
  const refundable = refundableAmount(payment);
  if (refundable === 0) throw new PaymentNotRefundableError(payment.id, 'fully refunded');
  if (refund.amount > refundable) throw new AmountTooLargeError('amount', refund.amount, refundable, 'still refundable');
  return change(payment, now, { amountRefundPending: payment.amountRefundPending + refund.amount }, 'refund.created', {
    refundId: refund.refundId,
    amount: refund.amount,
  });
};

export const recordRefundSuccess = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition =>
  change(
    payment,
    now,
    { amountRefundPending: payment.amountRefundPending - refund.amount, amountRefunded: payment.amountRefunded + refund.amount },
    'refund.succeeded',
    { refundId: refund.refundId, amount: refund.amount },
  );

export const recordRefundFailure = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition =>
  change(payment, now, { amountRefundPending: payment.amountRefundPending - refund.amount }, 'refund.failed', {
    refundId: refund.refundId,
    amount: refund.amount,
  });
