import * as z from 'zod/mini';
import {
  AuthorizationExpiredError,
  CaptureFailedError,
  CardDeclinedError,
  type ChannelError,
  type ChannelErrorContext,
  ChannelRequestRejectedError,
  ChannelTimeoutError,
  ChannelUnavailableError,
  isDeclineCode,
} from '../../../domain/channel-errors';
import { minorUnitsFromWire } from '../../../domain/money';
import type {
  AuthorizeCommand,
  CaptureCommand,
  ChannelAuthorization,
  ChannelCapture,
  ChannelOperation,
  ChannelOperationFailure,
  ChannelRefund,
  RefundCommand,
} from '../../../ports/card-channel';

/**
 * The acquirer's wire format (docs/simulators.md) and its mapping to the card channel port, apart from the
 * HTTP flow (../http-card-acquirer.ts), as Hyperswitch keeps a connector's `transformers.rs` beside its
 * `<connector>.rs`: request bodies from commands, zod schemas of its objects, its objects to the port's
 * (amounts become MinorUnits here, the edge where they enter the platform), and its error answers to the
 * named channel errors the sagas match on. Pure: no I/O, no configuration.
 */

// Objects are parsed loosely: fields added later by the acquirer are ignored.
export const authorizationWire = z.object({
  id: z.string(),
  object: z.literal('authorization'),
  status: z.enum(['authorized', 'partially_captured', 'captured', 'voided', 'expired', 'declined']),
  amount: z.int(),
  currency: z.string(),
  amount_capturable: z.int(),
  amount_captured: z.int(),
  amount_refunded: z.int(),
  amount_released: z.int(),
  auth_code: z.nullable(z.string()),
  capture_method: z.enum(['automatic', 'manual']),
  multi_capture: z.boolean(),
  card: z.object({ network: z.string(), last4: z.string(), exp_month: z.int(), exp_year: z.int(), fingerprint: z.string() }),
  merchant_reference: z.string(),
  payment_reference: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  voided_at: z.nullable(z.string()),
  captures: z.array(z.string()),
  refunds: z.array(z.string()),
});

export const captureWire = z.object({
  id: z.string(),
  object: z.literal('capture'),
  authorization: z.string(),
  amount: z.int(),
  currency: z.string(),
  final_capture: z.boolean(),
  amount_released: z.int(),
  fee: z.int(),
  net: z.int(),
  status: z.enum(['pending', 'settled']),
  created_at: z.string(),
  settled_at: z.nullable(z.string()),
});

export const refundWire = z.object({
  id: z.string(),
  object: z.literal('refund'),
  authorization: z.string(),
  amount: z.int(),
  currency: z.string(),
  status: z.enum(['pending', 'succeeded']),
  created_at: z.string(),
  succeeded_at: z.nullable(z.string()),
});

export const operationWire = z.object({
  id: z.string(),
  object: z.literal('operation'),
  type: z.enum(['authorize', 'capture', 'void', 'refund']),
  idempotency_key: z.string(),
  target: z.nullable(z.string()),
  reference: z.nullable(z.string()),
  outcome: z.enum(['succeeded', 'failed']),
  http_status: z.int(),
  created_at: z.string(),
  response: z.unknown(),
});

export const listWire = <Item extends z.core.$ZodType>(item: Item) => z.object({ object: z.literal('list'), data: z.array(item) });

const errorWire = z.object({
  error: z.object({
    type: z.optional(z.string()),
    code: z.optional(z.string()),
    message: z.optional(z.string()),
    decline_code: z.optional(z.string()),
    param: z.optional(z.string()),
    authorization: z.optional(z.string()),
  }),
});

/** One answer of the acquirer: its HTTP status, parsed JSON body and request id. */
export interface WireAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly requestId: string | undefined;
}

/** What the mapping needs to name the channel in what it returns and throws. */
export interface WireContext {
  readonly channel: string;
  /** The call's deadline, which an unreadable answer is reported against (ChannelTimeoutError). */
  readonly timeoutMs: number;
}

/** Acquirer messages are passed on; anything shaped like a card number is cut out first. */
const redactCardNumbers = (text: string): string => text.replace(/\d(?:[ -]?\d){11,18}/g, '[redacted]');

export const errorContext = (wire: WireContext, answer: WireAnswer | undefined): ChannelErrorContext => ({
  channel: wire.channel,
  channelRequestId: answer?.requestId,
});

// Request bodies. The card number and CVC go only into the authorization's body.
export const authorizeRequest = (command: AuthorizeCommand): Record<string, unknown> => ({
  amount: command.amount,
  currency: command.currency,
  card: {
    number: command.card.number,
    exp_month: command.card.expMonth,
    exp_year: command.card.expYear,
    ...(command.card.cvc === undefined ? {} : { cvc: command.card.cvc }),
  },
  capture_method: command.captureMethod,
  multi_capture: command.multiCapture ?? false,
  ...(command.capture ? { capture: true } : {}),
  merchant_reference: command.merchantReference,
  payment_reference: command.paymentReference,
});

export const captureRequest = (command: CaptureCommand): Record<string, unknown> => ({
  amount: command.amount,
  currency: command.currency,
  final_capture: command.finalCapture ?? true,
});

export const refundRequest = (command: RefundCommand): Record<string, unknown> => ({
  amount: command.amount,
  currency: command.currency,
  ...(command.reason === undefined ? {} : { reason: command.reason }),
});

/**
 * A 2xx answer whose body is not what the contract says: the acquirer may have applied the request, and we
 * cannot tell, which is exactly the ambiguity a retry under the same key resolves.
 */
export const parseWire = <Schema extends z.core.$ZodType>(wire: WireContext, schema: Schema, answer: WireAnswer): z.infer<Schema> => {
  const parsed = z.safeParse(schema, answer.body);
  if (!parsed.success) throw new ChannelTimeoutError(errorContext(wire, answer), 'unreadable answer', wire.timeoutMs);
  return parsed.data;
};

export const authorizationFrom = (wire: WireContext, answer: WireAnswer): ChannelAuthorization => {
  const body = parseWire(wire, authorizationWire, answer);
  return {
    channel: wire.channel,
    authorizationId: body.id,
    authCode: body.auth_code,
    status: body.status,
    currency: body.currency,
    amountAuthorized: minorUnitsFromWire(body.amount),
    amountCapturable: minorUnitsFromWire(body.amount_capturable),
    amountCaptured: minorUnitsFromWire(body.amount_captured),
    amountRefunded: minorUnitsFromWire(body.amount_refunded),
    amountReleased: minorUnitsFromWire(body.amount_released),
    captureMethod: body.capture_method,
    multiCapture: body.multi_capture,
    card: {
      brand: body.card.network,
      last4: body.card.last4,
      expMonth: body.card.exp_month,
      expYear: body.card.exp_year,
      fingerprint: body.card.fingerprint,
    },
    merchantReference: body.merchant_reference,
    paymentReference: body.payment_reference,
    createdAt: body.created_at,
    expiresAt: body.expires_at,
    voidedAt: body.voided_at,
    captureIds: body.captures,
    refundIds: body.refunds,
  };
};

export const captureFrom = (wire: WireContext, answer: WireAnswer): ChannelCapture => {
  const body = parseWire(wire, captureWire, answer);
  return {
    channel: wire.channel,
    captureId: body.id,
    authorizationId: body.authorization,
    amount: minorUnitsFromWire(body.amount),
    currency: body.currency,
    finalCapture: body.final_capture,
    amountReleased: minorUnitsFromWire(body.amount_released),
    fee: minorUnitsFromWire(body.fee),
    net: minorUnitsFromWire(body.net),
    status: body.status,
    createdAt: body.created_at,
    settledAt: body.settled_at,
  };
};

export const refundFrom = (wire: WireContext, answer: WireAnswer): ChannelRefund => {
  const body = parseWire(wire, refundWire, answer);
  return {
    channel: wire.channel,
    refundId: body.id,
    authorizationId: body.authorization,
    amount: minorUnitsFromWire(body.amount),
    currency: body.currency,
    status: body.status,
    createdAt: body.created_at,
    succeededAt: body.succeeded_at,
  };
};

/** The acquirer's error answer → the named channel error the saga matches on (status mapping). */
export const errorFrom = (wire: WireContext, answer: WireAnswer, authorizationId: string | undefined): ChannelError => {
  const context = errorContext(wire, answer);
  const parsed = z.safeParse(errorWire, answer.body);
  const error = parsed.success ? parsed.data.error : {};
  const code = error.code ?? `http_${answer.status}`;
  const { status } = answer;
  if (status === 402 && code === 'capture_failed') return new CaptureFailedError(context, error.authorization ?? authorizationId ?? 'unknown', code);
  if (status === 402) {
    return new CardDeclinedError(context, isDeclineCode(error.decline_code) ? error.decline_code : 'card_declined', error.authorization);
  }
  if (status === 409 && code === 'authorization_expired') return new AuthorizationExpiredError(context, authorizationId ?? 'unknown');
  // A capture of an authorization already voided (a compensation's void the acquirer applied while its answer was
  // lost, then a recovery that replayed the approval under its key): a definite refusal, nothing ever captured.
  // The saga fails the payment (ReleaseAfterFailure: voiding again answers the voided authorization) instead of
  // handing the same capture to the recovery run after run. (Voiding a voided authorization is no error.)
  if (status === 409 && code === 'authorization_voided') return new CaptureFailedError(context, error.authorization ?? authorizationId ?? 'unknown', code);
  if (status === 409 && code === 'idempotency_key_in_use') return new ChannelUnavailableError(context, 'request in progress', status);
  if (status === 429 || status >= 500) return new ChannelUnavailableError(context, code, status);
  if (status >= 300 && status < 400) {
    return new ChannelRequestRejectedError(context, status, 'unexpected_redirect', undefined, 'the acquirer answered with a redirect; check the base URL');
  }
  if (status >= 400) {
    return new ChannelRequestRejectedError(context, status, code, error.param, redactCardNumbers(error.message ?? 'no detail'));
  }
  return new ChannelTimeoutError(context, `unexpected HTTP ${status}`, wire.timeoutMs);
};

/** A recorded operation (`GET /v1/operations`): its outcome, or its failure as the error it was. */
export const operationFrom = (wire: WireContext, operation: z.infer<typeof operationWire>, answer: WireAnswer): ChannelOperation => {
  const base = {
    channel: wire.channel,
    operationId: operation.id,
    idempotencyKey: operation.idempotency_key,
    target: operation.target,
    reference: operation.reference,
    createdAt: operation.created_at,
  };
  const recorded: WireAnswer = { status: operation.http_status, body: operation.response, requestId: answer.requestId };
  if (operation.outcome === 'failed') {
    const error = errorFrom(wire, recorded, operation.target ?? operation.reference ?? undefined);
    const body = z.safeParse(errorWire, operation.response);
    const failure: ChannelOperationFailure = {
      name: error.name,
      code: (body.success ? body.data.error.code : undefined) ?? `http_${operation.http_status}`,
      declineCode: error instanceof CardDeclinedError ? error.declineCode : null,
      message: error.message,
    };
    return { ...base, type: operation.type, outcome: 'failed', failure };
  }
  switch (operation.type) {
    case 'authorize':
      return { ...base, type: 'authorize', outcome: 'succeeded', authorization: authorizationFrom(wire, recorded) };
    case 'void':
      return { ...base, type: 'void', outcome: 'succeeded', authorization: authorizationFrom(wire, recorded) };
    case 'capture':
      return { ...base, type: 'capture', outcome: 'succeeded', capture: captureFrom(wire, recorded) };
    case 'refund':
      return { ...base, type: 'refund', outcome: 'succeeded', refund: refundFrom(wire, recorded) };
  }
};
