import type { FingerprintedCard } from './card';
import type { PaymentEventType } from './payment-lifecycle';
import type { RiskAssessment } from './risk';

/**
 * A payment and what it is made of. Amounts are integer minor units of `currency`. The lifecycle rules
 * (which change may happen in which status, with which amounts) live in payment-lifecycle.ts.
 *
 *   processing ──authorized (manual)──> requires_capture ──capture requested──> processing
 *   processing ──captured + posted────> succeeded
 *   processing / requires_capture ─────> failed | canceled
 *   any ──a compensation could not finish──> requires_attention
 */
export const PAYMENT_STATUSES = [
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
  'failed',
  'requires_attention',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const TERMINAL_STATUSES: readonly PaymentStatus[] = ['succeeded', 'canceled', 'failed', 'requires_attention'];

export const CAPTURE_METHODS = ['automatic', 'manual'] as const;
export type CaptureMethod = (typeof CAPTURE_METHODS)[number];

export const CANCELLATION_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent', 'abandoned'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

/**
 * What a payment keeps of its card: the summary, the keyed fingerprint and the BIN. The number and CVC are
 * in its card hold only until its authorization answers (ports/card-holds.ts).
 */
export interface PaymentCard extends FingerprintedCard {
  /** First six digits (issuer identification number): allowed beside last4 by PCI DSS, used by risk. */
  readonly bin: string;
  /** Only on payments created before card holds: the vault token their card was stored under (no longer read). */
  readonly token?: string;
}

export interface CardPaymentMethod {
  readonly type: 'card';
  readonly card: PaymentCard;
}

export interface PaymentFailure {
  /** Stable code: a decline code (`card_declined`, `insufficient_funds`...) or a platform code. */
  readonly code: string;
  readonly message: string;
}

export interface Payment {
  readonly id: string;
  readonly merchantId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: string;
  readonly amountCapturable: number;
  readonly amountReceived: number;
  readonly amountRefunded: number;
  /** Refunds accepted but not finished: counted against what may still be refunded. */
  readonly amountRefundPending: number;
  readonly captureMethod: CaptureMethod;
  readonly paymentMethod: CardPaymentMethod;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * What risk screening concluded (null until screened), with the rule set that decided; a payment sent to
   * review also carries the operator's decision once made (domain/risk.ts, payment-review.ts).
   */
  readonly risk: PaymentRisk | null;
  /** What the merchant told about the customer and card for risk screening (create-payment's optional fields). */
  readonly riskContext?: RiskContext | null;
  /** The channel the payment was routed to (the one it authorizes at, after any failover), and its references. */
  readonly channel: string | null;
  /**
   * Where routing would send the payment, in order (the first is where it went first), and whether it may
   * fail over along that order when a channel definitely did not authorize. Absent on payments routed
   * before failover existed. Each decision and its reason is on the timeline (`payment.screened`,
   * `payment.rerouted`).
   */
  readonly route?: PaymentRoute | null;
  /** What the channel approved and holds (0 until authorized). */
  readonly amountAuthorized: number;
  readonly authorizationId: string | null;
  readonly authorizationExpiresAt: string | null;
  readonly captureId: string | null;
  /** Set when a merchant asked to capture a manual payment: how much, and by which command (Idempotency-Key). */
  readonly captureRequested: { readonly amount: number; readonly requestedAt: string; readonly commandId?: string } | null;
  readonly failure: PaymentFailure | null;
  readonly cancellationReason: string | null;
  /** The command (Idempotency-Key) that asked for the cancellation, when a merchant did. */
  readonly cancelCommandId?: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Incremented by every change; each change is written only over the version it was computed from. */
  readonly version: number;
  /** Hash of the creating request (card data excluded): tells a retry from a reused Idempotency-Key. */
  readonly requestFingerprint: string;
  /**
   * Since when the payment has been in flight outside any durable workflow: set when it is created and
   * when a merchant's capture or cancel sets it moving again; cleared when it ends or waits for its
   * merchant (the capture window, a Standard workflow, holds it then). A payment in flight for longer than
   * an Express run can last is recovered (docs/decisions/0011-express-and-standard-workflows.md).
   */
  readonly inFlightSince: string | null;
  /**
   * Every change the payment went through, oldest first: one entry per version. An entry holds only what
   * the payment itself does not (when, and for refunds which refund and how much; a failure's code): the
   * API's timeline is built from the entries and the payment (domain/payment-timeline.ts).
   */
  readonly timeline: readonly TimelineEntry[];
}

export interface PaymentRisk extends RiskAssessment {
  /** Set when an operator decided a payment risk screening sent to review. */
  readonly review?: PaymentReview;
}

export interface PaymentReview {
  readonly decision: 'approved' | 'refunded';
  /** The operator (their session name). */
  readonly by: string;
  readonly at: string;
  /** Why, in the operator's words (also in the audit entry); operators only, never the merchant's timeline. */
  readonly note?: string;
}

export interface RiskContext {
  /** The merchant's id for its customer. */
  readonly customerId?: string;
  readonly ipAddress?: string;
  readonly ipCountry?: string;
  /** The card's issuing country as the merchant knows it. */
  readonly cardCountry?: string;
}

export interface PaymentRoute {
  readonly plan: readonly string[];
  readonly failover: boolean;
  /**
   * How the plan was decided (absent on payments routed before merchant rules): `merchant_rules` when one of
   * the merchant's rules matched (`rule`: its id and the rule set's version), else the merchant's strategy;
   * `reason`: why the plan's first channel (domain/routing.ts RoutingReason).
   */
  readonly strategy?: string;
  readonly reason?: string;
  readonly rule?: { readonly id: string; readonly version: number };
}

export interface TimelineEntry {
  readonly type: PaymentEventType;
  /** The payment's version after this change. */
  readonly version: number;
  readonly at: string;
  readonly refundId?: string;
  readonly amount?: number;
  /** A failure's code (the payment's own may be replaced later, by requires_attention). */
  readonly code?: string;
  /** A routing decision: the channel chosen (`payment.screened`, `payment.rerouted`)... */
  readonly channel?: string;
  /** ...and why (domain/routing.ts `RoutingReason`, or the failure a failover moved away from). */
  readonly reason?: string;
}

/**
 * What a workflow carries of a payment and hands back to the API: everything that changes after creation.
 * Not the card (fingerprint, BIN, last4), the merchant's description and metadata, or the request
 * fingerprint: none of them changes, and none belongs in a workflow's payload; nor the timeline, which the
 * merchant's answer does not show.
 */
export type PaymentState = Omit<Payment, 'paymentMethod' | 'description' | 'metadata' | 'riskContext' | 'requestFingerprint' | 'timeline'>;

export const stateOf = (payment: Payment): PaymentState => {
  const { paymentMethod: _card, description: _description, metadata: _metadata, riskContext: _context, requestFingerprint: _fingerprint, timeline: _timeline, ...state } = payment;
  return state;
};

/** A payment as stored before, with the state a workflow reported since: what the merchant sees now. */
export const withState = (payment: Payment, state: PaymentState): Payment => ({ ...payment, ...state });

export interface NewPayment {
  readonly id: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  readonly captureMethod: CaptureMethod;
  readonly card: PaymentCard;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly riskContext?: RiskContext;
  readonly requestFingerprint: string;
  readonly now: Date;
}

/** A payment as created: nothing authorized, received or refunded yet. */
export const newPayment = (input: NewPayment): Payment => ({
  id: input.id,
  merchantId: input.merchantId,
  status: 'processing',
  amount: input.amount,
  currency: input.currency,
  amountCapturable: 0,
  amountReceived: 0,
  amountRefunded: 0,
  amountRefundPending: 0,
  captureMethod: input.captureMethod,
  paymentMethod: { type: 'card', card: input.card },
  description: input.description,
  metadata: input.metadata,
  ...(input.riskContext && Object.keys(input.riskContext).length > 0 ? { riskContext: input.riskContext } : {}),
  risk: null,
  channel: null,
  amountAuthorized: 0,
  authorizationId: null,
  authorizationExpiresAt: null,
  captureId: null,
  captureRequested: null,
  failure: null,
  cancellationReason: null,
  createdAt: input.now.toISOString(),
  updatedAt: input.now.toISOString(),
  version: 1,
  requestFingerprint: input.requestFingerprint,
  inFlightSince: input.now.toISOString(),
  timeline: [{ type: 'payment.created', version: 1, at: input.now.toISOString() }],
});

export const isTerminal = (payment: { readonly status: PaymentStatus }): boolean => TERMINAL_STATUSES.includes(payment.status);
