import { settlementBatchId } from './settlement-reports';
import { isExpired } from '../../../lambdas/domain/card';
import {
  type AcquirerState,
  AUTHORIZATION_VALIDITY_MS,
  type AuthorizationRecord,
  type AuthorizationState,
  type CaptureMethod,
  type CaptureRecord,
  type Effect,
  type RefundRecord,
  type WebhookEvent,
  authorizationAmounts,
  errorBody,
  isClosedByCapture,
  isExpiredAt,
  renderAuthorization,
  renderCapture,
  renderRefund,
} from './model';
import { cardBehaviour, cardNetwork } from './test-cards';

/**
 * The acquirer's rules, as pure decisions: given the books and a validated request, what the answer is
 * and which effects it has. Amount rules: a capture takes at most what is capturable and a final capture
 * releases the rest; one capture per authorization unless it was authorized with `multi_capture`; refunds
 * of an authorization total at most what was captured; a void only before any capture; an uncaptured
 * hold lapses `AUTHORIZATION_VALIDITY_MS` after authorization.
 */
export interface FeeSchedule {
  /** Percentage of the captured amount, in basis points (290 = 2.90 %). */
  readonly percentBps: number;
  /** Fixed fee per capture in minor units of the capture's currency (absent: none). */
  readonly fixed: Readonly<Record<string, number>>;
}

/**
 * Fee for capturing `amount` minor units: percentage rounded half up to the minor unit, plus the fixed
 * part. It may exceed a tiny capture (the net is then negative), as with real acquirers.
 */
export const captureFee = (amount: number, currency: string, schedule: FeeSchedule): number =>
  Math.floor((amount * schedule.percentBps + 5_000) / 10_000) + (schedule.fixed[currency] ?? 0);

export interface AcquirerPolicy {
  readonly channel: string;
  readonly supportedCurrencies: ReadonlySet<string>;
  readonly fees: FeeSchedule;
  /** Capture → `capture.settled`. */
  readonly settlementDelayMs: number;
  /** Refund → `refund.succeeded`. */
  readonly refundDelayMs: number;
  /** The length of a settlement batch (a day, or scaled for drills): `capture.settled` names the batch. */
  readonly settlementWindowMs: number;
  /** Whether `event.created` effects are produced (a notification URL is configured). */
  readonly emitsEvents: boolean;
}

export interface DecisionContext {
  readonly now: Date;
  readonly policy: AcquirerPolicy;
  readonly newId: (prefix: 'auth' | 'cap' | 'rfd' | 'evt') => string;
  readonly newAuthCode: () => string;
  /** Keyed fingerprint of a card number (never the number itself). */
  readonly fingerprint: (number: string) => string;
}

export interface Decision {
  /** False for answers that change nothing and are not kept for idempotent replay (404). */
  readonly record: boolean;
  readonly httpStatus: number;
  readonly outcome: 'succeeded' | 'failed';
  readonly target: string | null;
  readonly reference: string | null;
  readonly effects: readonly Effect[];
  /** The response body, rendered from the books after the effects are applied. */
  readonly respond: (state: AcquirerState) => unknown;
}

export interface AuthorizeRequest {
  readonly amount: number;
  readonly currency: string;
  readonly card: { readonly number: string; readonly exp_month: number; readonly exp_year: number; readonly cvc?: string | undefined };
  readonly capture_method: CaptureMethod;
  readonly multi_capture: boolean;
  /** A sale: capture the full amount in the same request (automatic capture only). */
  readonly capture?: boolean | undefined;
  readonly merchant_reference: string;
  readonly payment_reference: string;
}

export interface CaptureRequest {
  readonly amount: number;
  readonly currency: string;
  readonly final_capture: boolean;
}

export interface RefundRequest {
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
}

const failure = (
  httpStatus: number,
  body: unknown,
  target: string | null,
  extra: { reference?: string | null; effects?: readonly Effect[]; record?: boolean } = {},
): Decision => ({
  record: extra.record ?? true,
  httpStatus,
  outcome: 'failed',
  target,
  reference: extra.reference ?? null,
  effects: extra.effects ?? [],
  respond: () => body,
});

const rejected = (httpStatus: number, code: string, message: string, target: string | null, param?: string): Decision =>
  failure(httpStatus, errorBody('invalid_request_error', code, message, param ? { param } : {}), target);

const notFound = (id: string): Decision =>
  failure(404, errorBody('invalid_request_error', 'resource_missing', `No such authorization: '${id}'`, { param: 'id' }), id, {
    record: false,
  });

const renderById = (id: string, now: Date) => (state: AcquirerState) => {
  const authorization = state.authorizations.get(id);
  if (!authorization) throw new Error(`authorization ${id} vanished`);
  return renderAuthorization(state, authorization, now);
};

/**
 * Authorize: refuse a currency this acquirer does not process; otherwise record the authorization,
 * approved or declined (by test card, or `expired_card` when the card's expiry is past).
 * A sale (`capture: true`, automatic capture only) that is approved is captured in full by the same
 * operation (one `capture.created` effect beside the authorization, settled and reported like any capture),
 * and the answer shows the authorization captured. A card whose captures are refused is approved and left
 * uncaptured, as an acquirer that captures after authorizing answers: the caller captures it itself.
 * The transient-error and silent test cards are the server's concern (they are about the answer, not the books).
 */
export const decideAuthorize = (context: DecisionContext, request: AuthorizeRequest): Decision => {
  const { now, policy } = context;
  if (!policy.supportedCurrencies.has(request.currency)) {
    return rejected(422, 'currency_not_supported', `${policy.channel} does not process ${request.currency}`, null, 'currency');
  }
  if (request.capture && (request.capture_method !== 'automatic' || request.multi_capture)) {
    return rejected(422, 'sale_requires_automatic_capture', 'A sale captures in full at once: capture_method automatic, no multi_capture', null, 'capture');
  }
  const behaviour = cardBehaviour(request.card.number);
  const declineCode = isExpired(request.card.exp_month, request.card.exp_year, now)
    ? 'expired_card'
    : behaviour.kind === 'decline'
      ? behaviour.declineCode
      : null;
  const id = context.newId('auth');
  const record: AuthorizationRecord = {
    id,
    outcome: declineCode ? 'declined' : 'approved',
    decline_code: declineCode,
    auth_code: declineCode ? null : context.newAuthCode(),
    amount: request.amount,
    currency: request.currency,
    capture_method: request.capture_method,
    multi_capture: request.multi_capture,
    card: {
      network: cardNetwork(request.card.number),
      last4: request.card.number.slice(-4),
      exp_month: request.card.exp_month,
      exp_year: request.card.exp_year,
      fingerprint: context.fingerprint(request.card.number),
    },
    capture_fails: behaviour.kind === 'capture_fails',
    refund_fails: behaviour.kind === 'refund_fails',
    merchant_reference: request.merchant_reference,
    payment_reference: request.payment_reference,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + AUTHORIZATION_VALIDITY_MS).toISOString(),
  };
  const effects: Effect[] = [{ type: 'authorization.created', authorization: record }];
  if (!declineCode && request.capture && !record.capture_fails) {
    effects.push({
      type: 'capture.created',
      capture: {
        id: context.newId('cap'),
        authorization: id,
        amount: request.amount,
        currency: record.currency,
        final_capture: true,
        amount_released: 0,
        fee: captureFee(request.amount, record.currency, policy.fees),
        created_at: now.toISOString(),
        settle_at: new Date(now.getTime() + policy.settlementDelayMs).toISOString(),
      },
    });
  }
  if (declineCode) {
    return failure(
      402,
      errorBody('card_error', 'card_declined', `The card was declined: ${declineCode}`, { decline_code: declineCode, authorization: id }),
      null,
      { reference: id, effects },
    );
  }
  return { record: true, httpStatus: 201, outcome: 'succeeded', target: null, reference: id, effects, respond: renderById(id, now) };
};

/** Checks shared by capture and void: the authorization exists and can still be acted on. */
const stateConflict = (state: AcquirerState, authorization: AuthorizationState, now: Date): Decision | undefined => {
  const { id } = authorization.record;
  if (authorization.record.outcome === 'declined') {
    return rejected(409, 'authorization_declined', `Authorization ${id} was declined`, id);
  }
  if (authorization.voidedAt !== null) return rejected(409, 'authorization_voided', `Authorization ${id} was voided`, id);
  if (isClosedByCapture(state, authorization)) {
    return rejected(409, 'authorization_already_captured', `Authorization ${id} is already captured`, id);
  }
  if (isExpiredAt(authorization, now)) {
    return rejected(409, 'authorization_expired', `Authorization ${id} expired at ${authorization.record.expires_at}`, id);
  }
  return undefined;
};

export const decideCapture = (
  state: AcquirerState,
  context: DecisionContext,
  authorizationId: string,
  request: CaptureRequest,
): Decision => {
  const { now, policy } = context;
  const authorization = state.authorizations.get(authorizationId);
  if (!authorization) return notFound(authorizationId);
  const conflict = stateConflict(state, authorization, now);
  if (conflict) return conflict;
  const { record } = authorization;
  if (request.currency !== record.currency) {
    return rejected(422, 'currency_mismatch', `Authorization ${record.id} is in ${record.currency}`, record.id, 'currency');
  }
  if (!request.final_capture && !record.multi_capture) {
    return rejected(422, 'multi_capture_not_enabled', 'Only one, final capture is allowed for this authorization', record.id, 'final_capture');
  }
  const { capturable } = authorizationAmounts(state, authorization, now);
  if (request.amount > capturable) {
    return rejected(422, 'amount_too_large', `At most ${capturable} can be captured`, record.id, 'amount');
  }
  if (record.capture_fails) {
    return failure(402, errorBody('capture_error', 'capture_failed', `The capture of ${record.id} was refused`, { authorization: record.id }), record.id);
  }
  const id = context.newId('cap');
  const capture: CaptureRecord = {
    id,
    authorization: record.id,
    amount: request.amount,
    currency: record.currency,
    final_capture: request.final_capture,
    amount_released: request.final_capture ? capturable - request.amount : 0,
    fee: captureFee(request.amount, record.currency, policy.fees),
    created_at: now.toISOString(),
    settle_at: new Date(now.getTime() + policy.settlementDelayMs).toISOString(),
  };
  return {
    record: true,
    httpStatus: 201,
    outcome: 'succeeded',
    target: record.id,
    reference: id,
    effects: [{ type: 'capture.created', capture }],
    respond: (after) => renderCapture({ record: capture, settledAt: after.captures.get(id)?.settledAt ?? null }),
  };
};

/** Void: release an uncaptured hold. Voiding a voided authorization answers it again and changes nothing. */
export const decideVoid = (state: AcquirerState, context: DecisionContext, authorizationId: string): Decision => {
  const { now } = context;
  const authorization = state.authorizations.get(authorizationId);
  if (!authorization) return notFound(authorizationId);
  const succeeded = (effects: readonly Effect[]): Decision => ({
    record: true,
    httpStatus: 200,
    outcome: 'succeeded',
    target: authorizationId,
    reference: authorizationId,
    effects,
    respond: renderById(authorizationId, now),
  });
  if (authorization.voidedAt !== null) return succeeded([]);
  const conflict = stateConflict(state, authorization, now);
  if (conflict) return conflict;
  if (authorization.captures.length > 0) {
    return rejected(409, 'authorization_already_captured', `Authorization ${authorizationId} has captures; refund instead`, authorizationId);
  }
  return succeeded([{ type: 'authorization.voided', authorization: authorizationId, at: now.toISOString() }]);
};

export const decideRefund = (
  state: AcquirerState,
  context: DecisionContext,
  authorizationId: string,
  request: RefundRequest,
): Decision => {
  const { now, policy } = context;
  const authorization = state.authorizations.get(authorizationId);
  if (!authorization) return notFound(authorizationId);
  const { record } = authorization;
  if (request.currency !== record.currency) {
    return rejected(422, 'currency_mismatch', `Authorization ${record.id} is in ${record.currency}`, record.id, 'currency');
  }
  const amounts = authorizationAmounts(state, authorization, now);
  if (amounts.captured === 0) {
    return rejected(409, 'authorization_not_captured', `Nothing was captured from ${record.id}`, record.id);
  }
  const refundable = amounts.captured - amounts.refunded;
  if (request.amount > refundable) {
    return rejected(422, 'amount_too_large', `At most ${refundable} can be refunded`, record.id, 'amount');
  }
  if (record.refund_fails) return rejected(422, 'refund_failed', `Refunds of ${record.id} are refused`, record.id);
  const id = context.newId('rfd');
  const refund: RefundRecord = {
    id,
    authorization: record.id,
    amount: request.amount,
    currency: record.currency,
    reason: request.reason,
    created_at: now.toISOString(),
    complete_at: new Date(now.getTime() + policy.refundDelayMs).toISOString(),
  };
  return {
    record: true,
    httpStatus: 201,
    outcome: 'succeeded',
    target: record.id,
    reference: id,
    effects: [{ type: 'refund.created', refund }],
    respond: (after) => renderRefund({ record: refund, succeededAt: after.refunds.get(id)?.succeededAt ?? null }),
  };
};

/** Captures and refunds whose time has come: settle them, and announce each with an event. */
export const decideSettlements = (state: AcquirerState, context: DecisionContext): Effect[] => {
  const { now, policy } = context;
  const at = now.toISOString();
  const effects: Effect[] = [];
  const event = (type: WebhookEvent['type'], object: unknown) => {
    if (policy.emitsEvents) {
      effects.push({ type: 'event.created', event: { id: context.newId('evt'), object: 'event', type, channel: policy.channel, created_at: at, data: { object } } });
    }
  };
  for (const id of state.unsettledCaptures) {
    const capture = state.captures.get(id);
    if (capture && Date.parse(capture.record.settle_at) <= now.getTime()) {
      effects.push({ type: 'capture.settled', capture: capture.record.id, at });
      event('capture.settled', {
        ...renderCapture({ record: capture.record, settledAt: at }),
        settlement_batch: settlementBatchId(policy.channel, capture.record.currency, now, policy.settlementWindowMs),
      });
    }
  }
  for (const id of state.pendingRefunds) {
    const refund = state.refunds.get(id);
    if (refund && Date.parse(refund.record.complete_at) <= now.getTime()) {
      effects.push({ type: 'refund.succeeded', refund: refund.record.id, at });
      event('refund.succeeded', renderRefund({ record: refund.record, succeededAt: at }));
    }
  }
  return effects;
};
