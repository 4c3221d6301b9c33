import { AmountTooLargeError, PaymentNotCancelableError, PaymentNotCapturableError, PaymentNotRefundableError } from './errors';
import { deriveId } from './ids';
import type { Payment, PaymentFailure } from './payment';

/**
 * The payment lifecycle as pure functions: each takes the payment as last read, checks the change is
 * allowed, and returns the next payment (version + 1) and the timeline event recording it. Persistence
 * writes both atomically, and only over the version they were computed from, so two concurrent changes
 * can never both apply. Event ids derive from (payment, version): a retried change cannot add an event twice.
 */
export const PAYMENT_EVENT_TYPES = [
  'payment.created',
  'payment.screened',
  'payment.authorized',
  'payment.requires_capture',
  'payment.capture_requested',
  'payment.succeeded',
  'payment.cancel_requested',
  'payment.canceled',
  'payment.failed',
  'payment.requires_attention',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export type EventData = Readonly<Record<string, string | number | boolean | null>>;

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
  readonly event: PaymentEvent;
}

const change = (payment: Payment, now: Date, fields: Partial<Payment>, type: PaymentEventType, data: EventData = {}): Transition => {
  const version = payment.version + 1;
  const next: Payment = { ...payment, ...fields, version, updatedAt: now.toISOString() };
  return {
    payment: next,
    event: {
      id: deriveId('evt', payment.id, String(version)),
      paymentId: payment.id,
      merchantId: payment.merchantId,
      type,
      version,
      createdAt: now.toISOString(),
      data: { status: next.status, ...data },
    },
  };
};

/** The event of a payment's creation (version 1). */
export const creationEvent = (payment: Payment): PaymentEvent => ({
  id: deriveId('evt', payment.id, String(payment.version)),
  paymentId: payment.id,
  merchantId: payment.merchantId,
  type: 'payment.created',
  version: payment.version,
  createdAt: payment.createdAt,
  data: { status: payment.status, amount: payment.amount, currency: payment.currency, capture_method: payment.captureMethod },
});

export interface RiskAssessment {
  readonly decision: 'approve' | 'decline';
  readonly score: number;
  readonly reasons: readonly string[];
}

/**
 * Risk screening approved and routing chose the channel: one write, made before any channel is called,
 * so the authorization always goes where this record says (its idempotency key names the channel).
 */
export const recordScreening = (payment: Payment, assessment: RiskAssessment, channel: string, now: Date): Transition =>
  change(payment, now, { risk: assessment, channel }, 'payment.screened', {
    risk_score: assessment.score,
    risk_reasons: assessment.reasons.join(','),
    channel,
  });

/** Risk screening declined: the payment fails before any channel sees it. */
export const recordRiskDecline = (payment: Payment, assessment: RiskAssessment, now: Date): Transition =>
  change(
    payment,
    now,
    { status: 'failed', risk: assessment, failure: { code: 'risk_declined', message: 'The payment was declined by risk screening.' }, inFlightSince: null },
    'payment.failed',
    { failure_code: 'risk_declined', risk_score: assessment.score, risk_reasons: assessment.reasons.join(',') },
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
      authorizationExpiresAt: authorization.expiresAt,
      amountAuthorized: authorization.amountAuthorized,
      amountCapturable: authorization.amountAuthorized,
    },
    'payment.authorized',
    { channel: payment.channel, authorization_id: authorization.authorizationId, amount_authorized: authorization.amountAuthorized },
  );

/**
 * A manual payment starts waiting for its merchant. Made by the saga's waiting task in the same write
 * that stores its task token, so no merchant can see `requires_capture` before a capture can be delivered.
 */
export const recordAwaitingCapture = (payment: Payment, now: Date): Transition =>
  change(payment, now, { status: 'requires_capture', inFlightSince: null }, 'payment.requires_capture', {
    amount_capturable: payment.amountCapturable,
    expires_at: payment.authorizationExpiresAt,
  });

/** A merchant asks to capture a manual payment, all of it or less (the rest is released). */
export const requestCapture = (payment: Payment, amount: number, now: Date, commandId?: string): Transition => {
  if (payment.status !== 'requires_capture') throw new PaymentNotCapturableError(payment.id, payment.status);
  if (amount > payment.amountCapturable) {
    throw new AmountTooLargeError('amount_to_capture', amount, payment.amountCapturable, 'authorized and capturable');
  }
  return change(payment, now, { status: 'processing', captureRequested: { amount, requestedAt: now.toISOString(), commandId }, inFlightSince: now.toISOString() }, 'payment.capture_requested', {
    amount_to_capture: amount,
  });
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
    { capture_id: capture.captureId, amount_received: capture.amount, amount_released: payment.amountCapturable - capture.amount },
  );

/** A merchant cancels a payment that was authorized but not captured; the saga then voids it. */
export const requestCancel = (payment: Payment, reason: string, now: Date, commandId?: string): Transition => {
  if (payment.status !== 'requires_capture') throw new PaymentNotCancelableError(payment.id, payment.status);
  return change(payment, now, { status: 'processing', cancellationReason: reason, cancelCommandId: commandId ?? null, inFlightSince: now.toISOString() }, 'payment.cancel_requested', {
    cancellation_reason: reason,
  });
};

/** The authorization is released (void, or expiry): nothing will be captured. */
export const recordCancellation = (payment: Payment, reason: string, now: Date): Transition =>
  change(payment, now, { status: 'canceled', cancellationReason: reason, amountCapturable: 0, inFlightSince: null }, 'payment.canceled', { cancellation_reason: reason });

export const recordFailure = (payment: Payment, failure: PaymentFailure, now: Date): Transition =>
  change(payment, now, { status: 'failed', failure, amountCapturable: 0, inFlightSince: null }, 'payment.failed', { failure_code: failure.code });

/** A compensation could not complete: money may be in an inconsistent place and people must look. */
export const recordAttentionRequired = (payment: Payment, reason: string, now: Date): Transition =>
  change(payment, now, { status: 'requires_attention', failure: { code: 'requires_attention', message: reason }, inFlightSince: null }, 'payment.requires_attention', {
    reason,
  });

/** What may still be refunded: captured, minus refunded, minus refunds under way. */
export const refundableAmount = (payment: Payment): number => payment.amountReceived - payment.amountRefunded - payment.amountRefundPending;

/** A refund is accepted: its amount is reserved against the payment until the channel answers. */
export const reserveRefund = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition => {
  if (payment.status !== 'succeeded') throw new PaymentNotRefundableError(payment.id, payment.status);
  const refundable = refundableAmount(payment);
  if (refundable === 0) throw new PaymentNotRefundableError(payment.id, 'fully refunded');
  if (refund.amount > refundable) throw new AmountTooLargeError('amount', refund.amount, refundable, 'still refundable');
  return change(payment, now, { amountRefundPending: payment.amountRefundPending + refund.amount }, 'refund.created', {
    refund_id: refund.refundId,
    amount: refund.amount,
  });
};

export const recordRefundSuccess = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition =>
  change(
    payment,
    now,
    { amountRefundPending: payment.amountRefundPending - refund.amount, amountRefunded: payment.amountRefunded + refund.amount },
    'refund.succeeded',
    { refund_id: refund.refundId, amount: refund.amount, amount_refunded: payment.amountRefunded + refund.amount },
  );

export const recordRefundFailure = (payment: Payment, refund: { refundId: string; amount: number }, now: Date): Transition =>
  change(payment, now, { amountRefundPending: payment.amountRefundPending - refund.amount }, 'refund.failed', {
    refund_id: refund.refundId,
    amount: refund.amount,
  });
