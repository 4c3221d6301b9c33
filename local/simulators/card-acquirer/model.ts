import type { DeclineCode } from '../../../lambdas/domain/channel-errors';

/**
 * The simulated acquirer's books, with no I/O. Every change is an `Effect`; a ledger line is one request's
 * effects plus its idempotency record, applied and written together (one JSONL line, so a crash keeps all
 * of it or none). Restarting replays the lines through `applyEntry` into the same state. What depends on
 * the clock (expiry, amounts released by it) is derived at read time from `now`, never stored.
 * Field names are the wire format (snake_case), because these records are also what the API renders.
 */
export const AUTHORIZATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000; // Visa customer-initiated

export type CaptureMethod = 'automatic' | 'manual';
export type OperationType = 'authorize' | 'capture' | 'void' | 'refund';

export interface CardRecord {
  readonly network: string;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
  /** HMAC of the number under the simulator's own key: matches cards without storing the number. */
  readonly fingerprint: string;
}

export interface AuthorizationRecord {
  readonly id: string;
  readonly outcome: 'approved' | 'declined';
  readonly decline_code: DeclineCode | null;
  readonly auth_code: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly capture_method: CaptureMethod;
  readonly multi_capture: boolean;
  readonly card: CardRecord;
  /** Test-card behaviour that outlives the authorization request (captures of it fail). */
  readonly capture_fails: boolean;
  /** Test-card behaviour: refunds of it are refused. Absent in records from before the field existed. */
  readonly refund_fails?: boolean;
  readonly merchant_reference: string;
  readonly payment_reference: string;
  readonly created_at: string;
  readonly expires_at: string;
}

export interface CaptureRecord {
  readonly id: string;
  readonly authorization: string;
  readonly amount: number;
  readonly currency: string;
  readonly final_capture: boolean;
  readonly amount_released: number;
  readonly fee: number;
  readonly created_at: string;
  /** When the acquirer settles it (a `capture.settled` event follows). */
  readonly settle_at: string;
}

export interface RefundRecord {
  readonly id: string;
  readonly authorization: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly created_at: string;
  readonly complete_at: string;
}

export interface WebhookEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: 'capture.settled' | 'refund.succeeded';
  readonly channel: string;
  readonly created_at: string;
  readonly data: { readonly object: unknown };
}

/** One request answered definitively: its idempotency record and the answer replayed to retries. */
export interface OperationRecord {
  readonly id: string;
  readonly type: OperationType;
  readonly idempotency_key: string;
  /** HMAC of method, path and body: tells a retry from a reused key. */
  readonly request_hash: string;
  readonly target: string | null;
  readonly reference: string | null;
  readonly outcome: 'succeeded' | 'failed';
  readonly http_status: number;
  readonly response: unknown;
  readonly created_at: string;
}

export type Effect =
  | { readonly type: 'authorization.created'; readonly authorization: AuthorizationRecord }
  | { readonly type: 'capture.created'; readonly capture: CaptureRecord }
  | { readonly type: 'authorization.voided'; readonly authorization: string; readonly at: string }
  | { readonly type: 'refund.created'; readonly refund: RefundRecord }
  | { readonly type: 'capture.settled'; readonly capture: string; readonly at: string }
  | { readonly type: 'refund.succeeded'; readonly refund: string; readonly at: string }
  | { readonly type: 'event.created'; readonly event: WebhookEvent }
  | { readonly type: 'event.delivered'; readonly event: string; readonly at: string; readonly attempts: number }
  | { readonly type: 'event.abandoned'; readonly event: string; readonly at: string; readonly attempts: number };

/** One line of operations.jsonl. */
export interface LedgerEntry {
  readonly v: 1;
  readonly at: string;
  readonly operation?: OperationRecord;
  readonly effects: readonly Effect[];
}

export interface AuthorizationState {
  readonly record: AuthorizationRecord;
  readonly captures: string[];
  readonly refunds: string[];
  voidedAt: string | null;
}

export interface CaptureState {
  readonly record: CaptureRecord;
  settledAt: string | null;
}

export interface RefundState {
  readonly record: RefundRecord;
  succeededAt: string | null;
}

export interface EventState {
  readonly event: WebhookEvent;
  deliveredAt: string | null;
  abandonedAt: string | null;
  attempts: number;
}

export interface AcquirerState {
  readonly authorizations: Map<string, AuthorizationState>;
  readonly captures: Map<string, CaptureState>;
  readonly refunds: Map<string, RefundState>;
  readonly operationsByKey: Map<string, OperationRecord>;
  readonly operations: OperationRecord[];
  readonly events: Map<string, EventState>;
  /** Work still to do, so the periodic scan does not walk the whole history. */
  readonly unsettledCaptures: Set<string>;
  readonly pendingRefunds: Set<string>;
  readonly undeliveredEvents: Set<string>;
}

export const emptyState = (): AcquirerState => ({
  authorizations: new Map(),
  captures: new Map(),
  refunds: new Map(),
  operationsByKey: new Map(),
  operations: [],
  events: new Map(),
  unsettledCaptures: new Set(),
  pendingRefunds: new Set(),
  undeliveredEvents: new Set(),
});

const must = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`Ledger refers to unknown ${what}`);
  return value;
};

export const applyEffect = (state: AcquirerState, effect: Effect): void => {
  switch (effect.type) {
    case 'authorization.created':
      state.authorizations.set(effect.authorization.id, { record: effect.authorization, captures: [], refunds: [], voidedAt: null });
      return;
    case 'capture.created':
      state.captures.set(effect.capture.id, { record: effect.capture, settledAt: null });
      state.unsettledCaptures.add(effect.capture.id);
      must(state.authorizations.get(effect.capture.authorization), 'authorization').captures.push(effect.capture.id);
      return;
    case 'authorization.voided':
      must(state.authorizations.get(effect.authorization), 'authorization').voidedAt = effect.at;
      return;
    case 'refund.created':
      state.refunds.set(effect.refund.id, { record: effect.refund, succeededAt: null });
      state.pendingRefunds.add(effect.refund.id);
      must(state.authorizations.get(effect.refund.authorization), 'authorization').refunds.push(effect.refund.id);
      return;
    case 'capture.settled':
      must(state.captures.get(effect.capture), 'capture').settledAt = effect.at;
      state.unsettledCaptures.delete(effect.capture);
      return;
    case 'refund.succeeded':
      must(state.refunds.get(effect.refund), 'refund').succeededAt = effect.at;
      state.pendingRefunds.delete(effect.refund);
      return;
    case 'event.created':
      state.events.set(effect.event.id, { event: effect.event, deliveredAt: null, abandonedAt: null, attempts: 0 });
      state.undeliveredEvents.add(effect.event.id);
      return;
    case 'event.delivered': {
      const event = must(state.events.get(effect.event), 'event');
      event.deliveredAt = effect.at;
      event.attempts = effect.attempts;
      state.undeliveredEvents.delete(effect.event);
      return;
    }
    case 'event.abandoned': {
      const event = must(state.events.get(effect.event), 'event');
      event.abandonedAt = effect.at;
      event.attempts = effect.attempts;
      state.undeliveredEvents.delete(effect.event);
      return;
    }
  }
};

/** Keep an answered request: its key now replays this answer. */
export const recordOperation = (state: AcquirerState, operation: OperationRecord): void => {
  state.operationsByKey.set(operation.idempotency_key, operation);
  state.operations.push(operation);
};

export const applyEntry = (state: AcquirerState, entry: LedgerEntry): void => {
  for (const effect of entry.effects) applyEffect(state, effect);
  if (entry.operation) recordOperation(state, entry.operation);
};

/** Past the authorization's validity (what is left of the hold, if anything, is released). */
export const isExpiredAt = (authorization: AuthorizationState, now: Date): boolean =>
  now.getTime() >= Date.parse(authorization.record.expires_at);

/** No more captures: a final capture was made or everything authorized was captured. */
export const isClosedByCapture = (state: AcquirerState, authorization: AuthorizationState): boolean => {
  const captures = authorization.captures.map((id) => must(state.captures.get(id), 'capture').record);
  return captures.some((capture) => capture.final_capture) || captures.reduce((sum, capture) => sum + capture.amount, 0) === authorization.record.amount;
};

export type AuthorizationStatus = 'authorized' | 'partially_captured' | 'captured' | 'voided' | 'expired' | 'declined';

export interface AuthorizationAmounts {
  readonly status: AuthorizationStatus;
  readonly captured: number;
  readonly refunded: number;
  readonly capturable: number;
  readonly released: number;
}

/** Where an authorization's money stands at `now`. */
export const authorizationAmounts = (state: AcquirerState, authorization: AuthorizationState, now: Date): AuthorizationAmounts => {
  const { record } = authorization;
  const captured = authorization.captures.reduce((sum, id) => sum + must(state.captures.get(id), 'capture').record.amount, 0);
  const refunded = authorization.refunds.reduce((sum, id) => sum + must(state.refunds.get(id), 'refund').record.amount, 0);
  if (record.outcome === 'declined') return { status: 'declined', captured: 0, refunded: 0, capturable: 0, released: 0 };
  if (authorization.voidedAt !== null) {
    return { status: 'voided', captured, refunded, capturable: 0, released: record.amount - captured };
  }
  if (isClosedByCapture(state, authorization)) {
    return { status: 'captured', captured, refunded, capturable: 0, released: record.amount - captured };
  }
  if (isExpiredAt(authorization, now)) {
    return { status: captured > 0 ? 'captured' : 'expired', captured, refunded, capturable: 0, released: record.amount - captured };
  }
  return {
    status: captured > 0 ? 'partially_captured' : 'authorized',
    captured,
    refunded,
    capturable: record.amount - captured,
    released: 0,
  };
};

export const renderAuthorization = (state: AcquirerState, authorization: AuthorizationState, now: Date) => {
  const { record } = authorization;
  const amounts = authorizationAmounts(state, authorization, now);
  return {
    id: record.id,
    object: 'authorization' as const,
    status: amounts.status,
    amount: record.amount,
    currency: record.currency,
    amount_capturable: amounts.capturable,
    amount_captured: amounts.captured,
    amount_refunded: amounts.refunded,
    amount_released: amounts.released,
    auth_code: record.auth_code,
    decline_code: record.decline_code,
    authorization_type: record.capture_method === 'automatic' ? ('final' as const) : ('pre' as const),
    capture_method: record.capture_method,
    multi_capture: record.multi_capture,
    card: record.card,
    merchant_reference: record.merchant_reference,
    payment_reference: record.payment_reference,
    created_at: record.created_at,
    expires_at: record.expires_at,
    voided_at: authorization.voidedAt,
    captures: [...authorization.captures],
    refunds: [...authorization.refunds],
  };
};

export const renderCapture = (capture: CaptureState) => ({
  id: capture.record.id,
  object: 'capture' as const,
  authorization: capture.record.authorization,
  amount: capture.record.amount,
  currency: capture.record.currency,
  final_capture: capture.record.final_capture,
  amount_released: capture.record.amount_released,
  fee: capture.record.fee,
  net: capture.record.amount - capture.record.fee,
  status: capture.settledAt === null ? ('pending' as const) : ('settled' as const),
  created_at: capture.record.created_at,
  settled_at: capture.settledAt,
});

export const renderRefund = (refund: RefundState) => ({
  id: refund.record.id,
  object: 'refund' as const,
  authorization: refund.record.authorization,
  amount: refund.record.amount,
  currency: refund.record.currency,
  reason: refund.record.reason,
  status: refund.succeededAt === null ? ('pending' as const) : ('succeeded' as const),
  created_at: refund.record.created_at,
  succeeded_at: refund.succeededAt,
});

export const renderOperation = (operation: OperationRecord) => ({
  id: operation.id,
  object: 'operation' as const,
  type: operation.type,
  idempotency_key: operation.idempotency_key,
  target: operation.target,
  reference: operation.reference,
  outcome: operation.outcome,
  http_status: operation.http_status,
  created_at: operation.created_at,
  response: operation.response,
});

/** The acquirer's error document: `{ error: { type, code, message, ... } }`. */
export type ErrorType = 'card_error' | 'capture_error' | 'invalid_request_error' | 'idempotency_error' | 'authentication_error' | 'api_error';

export const errorBody = (type: ErrorType, code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { type, code, message, ...extra },
});

interface Totals {
  currency: string;
  approved: number;
  declined: number;
  authorized: number;
  captured: number;
  refunded: number;
  released: number;
  captures: number;
  refunds: number;
}

const emptyTotals = (currency: string): Totals => ({
  currency,
  approved: 0,
  declined: 0,
  authorized: 0,
  captured: 0,
  refunded: 0,
  released: 0,
  captures: 0,
  refunds: 0,
});

const addTo = (totals: Totals, state: AcquirerState, authorization: AuthorizationState, now: Date): void => {
  const amounts = authorizationAmounts(state, authorization, now);
  if (authorization.record.outcome === 'declined') {
    totals.declined += 1;
    return;
  }
  totals.approved += 1;
  totals.authorized += authorization.record.amount;
  totals.captured += amounts.captured;
  totals.refunded += amounts.refunded;
  totals.released += amounts.released;
  totals.captures += authorization.captures.length;
  totals.refunds += authorization.refunds.length;
};

/**
 * Per card (by fingerprint) and per payment reference, per currency: what was approved, declined,
 * captured, refunded and released. "Exactly one charge per payment" is `approved === 1` for its reference.
 */
export const totals = (state: AcquirerState, now: Date) => {
  const cards = new Map<string, Totals & { fingerprint: string; network: string; last4: string }>();
  const payments = new Map<string, Totals & { payment_reference: string; merchant_reference: string }>();
  for (const authorization of state.authorizations.values()) {
    const { record } = authorization;
    const cardKey = `${record.card.fingerprint}\u0000${record.currency}`;
    let card = cards.get(cardKey);
    if (!card) {
      card = { fingerprint: record.card.fingerprint, network: record.card.network, last4: record.card.last4, ...emptyTotals(record.currency) };
      cards.set(cardKey, card);
    }
    addTo(card, state, authorization, now);
    const paymentKey = `${record.merchant_reference}\u0000${record.payment_reference}\u0000${record.currency}`;
    let payment = payments.get(paymentKey);
    if (!payment) {
      payment = { payment_reference: record.payment_reference, merchant_reference: record.merchant_reference, ...emptyTotals(record.currency) };
      payments.set(paymentKey, payment);
    }
    addTo(payment, state, authorization, now);
  }
  return { cards: [...cards.values()], payments: [...payments.values()] };
};
