import { deriveId } from './ids';
import type { Payment, PaymentStatus, TimelineEntry } from './payment';
import type { EventData, PaymentEvent, PaymentEventType } from './payment-lifecycle';

/**
 * A payment's timeline as the API shows it (`GET /v1/payments/{id}/events`): one event per change, oldest
 * first, each with the figures that changed with it. The payment stores only its timeline entries (the
 * type, when, and what it cannot tell otherwise); the figures come from the payment itself, whose fields
 * are each written once (risk, channel, authorization, capture, the merchant's request), so they are what
 * they were when the event happened. Event ids derive from (payment, version), as before.
 */
const STATUS_AFTER: Readonly<Partial<Record<PaymentEventType, PaymentStatus>>> = {
  'payment.created': 'processing',
  'payment.screened': 'processing',
  'payment.rerouted': 'processing',
  'payment.authorized': 'processing',
  'payment.requires_capture': 'requires_capture',
  'payment.capture_requested': 'processing',
  'payment.succeeded': 'succeeded',
  'payment.cancel_requested': 'processing',
  'payment.canceled': 'canceled',
  'payment.failed': 'failed',
  'payment.requires_attention': 'requires_attention',
};

/**
 * The routing decision written with the screening (the route is written once, then): how it was decided, the
 * merchant's rule and rule-set version when one matched, and the plan (docs/decisions/0027).
 */
const routeData = ({ route }: Payment): EventData =>
  route?.strategy === undefined
    ? {}
    : {
        routing_strategy: route.strategy,
        routing_rule: route.rule?.id ?? null,
        routing_rule_set_version: route.rule?.version ?? null,
        routing_plan: route.plan.join(','),
      };

const dataOf = (payment: Payment, entry: TimelineEntry, refundedBefore: number, channelBefore: string | null): EventData => {
  const status = STATUS_AFTER[entry.type] ?? 'succeeded';
  const risk: EventData = payment.risk
    ? {
        risk_decision: payment.risk.decision,
        risk_score: payment.risk.score,
        risk_reasons: payment.risk.reasons.join(','),
        ...(payment.risk.rules ? { risk_rules: payment.risk.rules } : {}),
      }
    : {};
  switch (entry.type) {
    case 'payment.created':
      return { status, amount: payment.amount, currency: payment.currency, capture_method: payment.captureMethod };
    case 'payment.screened':
      return { status, ...risk, channel: entry.channel ?? payment.channel, ...(entry.reason ? { routing_reason: entry.reason } : {}), ...routeData(payment) };
    case 'payment.rerouted':
      return { status, from_channel: channelBefore, channel: entry.channel ?? null, reason: entry.reason ?? null };
    case 'payment.authorized':
      return { status, channel: payment.channel, authorization_id: payment.authorizationId, amount_authorized: payment.amountAuthorized };
    case 'payment.requires_capture':
      return { status, amount_capturable: payment.amountAuthorized, expires_at: payment.authorizationExpiresAt };
    case 'payment.capture_requested':
      return { status, amount_to_capture: payment.captureRequested?.amount ?? null };
    case 'payment.succeeded':
      return {
        status,
        capture_id: payment.captureId,
        amount_received: payment.amountReceived,
        amount_released: payment.amountAuthorized - payment.amountReceived,
      };
    case 'payment.cancel_requested':
    case 'payment.canceled':
      return { status, cancellation_reason: payment.cancellationReason };
    case 'payment.failed':
      return { status, failure_code: entry.code ?? payment.failure?.code ?? null, ...(entry.code === 'risk_declined' ? risk : {}) };
    case 'payment.requires_attention':
      return { status, reason: payment.failure?.message ?? null };
    case 'payment.reviewed':
      return { review_decision: entry.code ?? null, reviewed_by: payment.risk?.review?.by ?? null, risk_rules: payment.risk?.rules ?? null };
    case 'refund.created':
    case 'refund.failed':
      return { status, refund_id: entry.refundId ?? null, amount: entry.amount ?? null };
    case 'refund.succeeded':
      return { status, refund_id: entry.refundId ?? null, amount: entry.amount ?? null, amount_refunded: refundedBefore + (entry.amount ?? 0) };
  }
};

export const timelineOf = (payment: Payment): PaymentEvent[] => {
  let refunded = 0;
  let channel: string | null = null;
  return payment.timeline.map((entry) => {
    const channelBefore = channel;
    if (entry.channel) channel = entry.channel;
    const event: PaymentEvent = {
      id: deriveId('evt', payment.id, String(entry.version)),
      paymentId: payment.id,
      merchantId: payment.merchantId,
      type: entry.type,
      version: entry.version,
      createdAt: entry.at,
      data: dataOf(payment, entry, refunded, channelBefore),
    };
    if (entry.type === 'refund.succeeded') refunded += entry.amount ?? 0;
    return event;
  });
};
