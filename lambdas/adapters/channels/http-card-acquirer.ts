import * as z from 'zod/mini';
import { channelEnvPrefix as declaredChannelEnvPrefix } from '../../../platform/channels';
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
} from '../../domain/channel-errors';
import type {
  AuthorizeCommand,
  CaptureCommand,
  CardChannel,
  ChannelAuthorization,
  ChannelCapture,
  ChannelOperation,
  ChannelOperationFailure,
  ChannelRefund,
  RefundCommand,
  VoidCommand,
} from '../../ports/card-channel';
import { ConfigurationError } from '../../shared/config';

/**
 * The card channel port over an acquirer's REST API (the one docs/simulators.md describes and
 * local/simulators/card-acquirer implements): plain fetch, no SDK. Every call has its own deadline
 * (AbortSignal.timeout); every POST carries the command's Idempotency-Key, so the saga may retry any call.
 * This adapter never retries by itself: Step Functions does, with back-off, on the retryable error names.
 * The card number and CVC go only into the authorization request body: never into a log line, an error
 * message, or anything this module returns.
 *
 * Environment contract, per channel name `<CHANNEL>` (the channel upper-cased: `atlas` → `ATLAS_...`):
 *   <CHANNEL>_URL         required  base URL of the acquirer API (https, or http on a loopback host)
 *   <CHANNEL>_API_KEY     required  the acquirer API key, sent as `Authorization: Bearer` (in AWS: from
 *                                   Secrets Manager)
 *   <CHANNEL>_TIMEOUT_MS  optional  per-call deadline, default 8000; keep it under the task's Lambda timeout
 */
export interface HttpCardAcquirerConfig {
  readonly channel: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export const DEFAULT_CHANNEL_TIMEOUT_MS = 8_000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `atlas` → `ATLAS` (the declaration's rule, platform/channels.ts), as a configuration error when invalid. */
export const channelEnvPrefix = (channel: string): string => {
  try {
    return declaredChannelEnvPrefix(channel);
  } catch {
    throw new ConfigurationError(`Invalid channel name '${channel}'`);
  }
};

/** Read one channel's configuration from the environment; fails loudly naming each bad variable. */
export const cardChannelConfigFromEnv = (channel: string, env: NodeJS.ProcessEnv = process.env): HttpCardAcquirerConfig => {
  const prefix = channelEnvPrefix(channel);
  const problems: string[] = [];
  const baseUrl = env[`${prefix}_URL`];
  const apiKey = env[`${prefix}_API_KEY`];
  const timeout = env[`${prefix}_TIMEOUT_MS`];
  let url: URL | undefined;
  try {
    url = new URL(baseUrl ?? '');
  } catch {
    problems.push(`${prefix}_URL: must be an absolute URL`);
  }
  if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    problems.push(`${prefix}_URL: must be https (plain http only to a loopback host)`);
  }
  if (!apiKey) problems.push(`${prefix}_API_KEY: is not set`);
  const timeoutMs = timeout === undefined || timeout === '' ? DEFAULT_CHANNEL_TIMEOUT_MS : Number(timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
    problems.push(`${prefix}_TIMEOUT_MS: must be an integer from 100 to 60000`);
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid environment: ${problems.join('; ')}`);
  return { channel, baseUrl: (baseUrl as string).replace(/\/+$/, ''), apiKey: apiKey as string, timeoutMs };
};

// The acquirer's wire format. Objects are parsed loosely: fields added later by the acquirer are ignored.
const authorizationWire = z.object({
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

const captureWire = z.object({
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

const refundWire = z.object({
  id: z.string(),
  object: z.literal('refund'),
  authorization: z.string(),
  amount: z.int(),
  currency: z.string(),
  status: z.enum(['pending', 'succeeded']),
  created_at: z.string(),
  succeeded_at: z.nullable(z.string()),
});

const operationWire = z.object({
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

const listWire = <Item extends z.core.$ZodType>(item: Item) => z.object({ object: z.literal('list'), data: z.array(item) });

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

/** Connection failures that mean the request never reached the acquirer. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Acquirer messages are passed on; anything shaped like a card number is cut out first. */
const redactCardNumbers = (text: string): string => text.replace(/\d(?:[ -]?\d){11,18}/g, '[redacted]');

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly requestId: string | undefined;
}

type Fetch = typeof fetch;

export class HttpCardAcquirer implements CardChannel {
  readonly channel: string;
  private readonly baseUrl: string;

  constructor(
    private readonly config: HttpCardAcquirerConfig,
    private readonly fetchImpl: Fetch = fetch,
  ) {
    this.channel = config.channel;
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
  }

  async authorize(command: AuthorizeCommand): Promise<ChannelAuthorization> {
    const answer = await this.post('/v1/authorizations', command.idempotencyKey, {
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
      merchant_reference: command.merchantReference,
      payment_reference: command.paymentReference,
    });
    return this.authorizationFrom(this.expectSuccess(answer, command.idempotencyKey));
  }

  async capture(command: CaptureCommand): Promise<ChannelCapture> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/captures`, command.idempotencyKey, {
      amount: command.amount,
      currency: command.currency,
      final_capture: command.finalCapture ?? true,
    });
    return this.captureFrom(this.expectSuccess(answer, command.authorizationId));
  }

  async void(command: VoidCommand): Promise<ChannelAuthorization> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/void`, command.idempotencyKey, {});
    return this.authorizationFrom(this.expectSuccess(answer, command.authorizationId));
  }

  async refund(command: RefundCommand): Promise<ChannelRefund> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/refunds`, command.idempotencyKey, {
      amount: command.amount,
      currency: command.currency,
      ...(command.reason === undefined ? {} : { reason: command.reason }),
    });
    return this.refundFrom(this.expectSuccess(answer, command.authorizationId));
  }

  async findOperation(idempotencyKey: string): Promise<ChannelOperation | undefined> {
    const [operation] = await this.listOperations(`idempotency_key=${encodeURIComponent(idempotencyKey)}`);
    return operation;
  }

  operationsFor(reference: string): Promise<readonly ChannelOperation[]> {
    return this.listOperations(`reference=${encodeURIComponent(reference)}`);
  }

  async getAuthorization(authorizationId: string): Promise<ChannelAuthorization | undefined> {
    const answer = await this.send('GET', `/v1/authorizations/${encodeURIComponent(authorizationId)}`);
    if (answer.status === 404) return undefined;
    return this.authorizationFrom(this.expectSuccess(answer, authorizationId));
  }

  private async listOperations(query: string): Promise<ChannelOperation[]> {
    const answer = await this.send('GET', `/v1/operations?${query}`);
    const list = this.parse(listWire(operationWire), this.expectSuccess(answer, undefined).body, answer);
    return list.data.map((operation) => this.operationFrom(operation, answer));
  }

  private operationFrom(operation: z.infer<typeof operationWire>, answer: HttpAnswer): ChannelOperation {
    const base = {
      channel: this.channel,
      operationId: operation.id,
      idempotencyKey: operation.idempotency_key,
      target: operation.target,
      reference: operation.reference,
      createdAt: operation.created_at,
    };
    const recorded: HttpAnswer = { status: operation.http_status, body: operation.response, requestId: answer.requestId };
    if (operation.outcome === 'failed') {
      const error = this.errorFrom(recorded, operation.target ?? operation.reference ?? undefined);
      const wire = z.safeParse(errorWire, operation.response);
      const failure: ChannelOperationFailure = {
        name: error.name,
        code: (wire.success ? wire.data.error.code : undefined) ?? `http_${operation.http_status}`,
        declineCode: error instanceof CardDeclinedError ? error.declineCode : null,
        message: error.message,
      };
      return { ...base, type: operation.type, outcome: 'failed', failure };
    }
    switch (operation.type) {
      case 'authorize':
        return { ...base, type: 'authorize', outcome: 'succeeded', authorization: this.authorizationFrom(recorded) };
      case 'void':
        return { ...base, type: 'void', outcome: 'succeeded', authorization: this.authorizationFrom(recorded) };
      case 'capture':
        return { ...base, type: 'capture', outcome: 'succeeded', capture: this.captureFrom(recorded) };
      case 'refund':
        return { ...base, type: 'refund', outcome: 'succeeded', refund: this.refundFrom(recorded) };
    }
  }

  private authorizationFrom(answer: HttpAnswer): ChannelAuthorization {
    const wire = this.parse(authorizationWire, answer.body, answer);
    return {
      channel: this.channel,
      authorizationId: wire.id,
      authCode: wire.auth_code,
      status: wire.status,
      currency: wire.currency,
      amountAuthorized: wire.amount,
      amountCapturable: wire.amount_capturable,
      amountCaptured: wire.amount_captured,
      amountRefunded: wire.amount_refunded,
      amountReleased: wire.amount_released,
      captureMethod: wire.capture_method,
      multiCapture: wire.multi_capture,
      card: {
        brand: wire.card.network,
        last4: wire.card.last4,
        expMonth: wire.card.exp_month,
        expYear: wire.card.exp_year,
        fingerprint: wire.card.fingerprint,
      },
      merchantReference: wire.merchant_reference,
      paymentReference: wire.payment_reference,
      createdAt: wire.created_at,
      expiresAt: wire.expires_at,
      voidedAt: wire.voided_at,
      captureIds: wire.captures,
      refundIds: wire.refunds,
    };
  }

  private captureFrom(answer: HttpAnswer): ChannelCapture {
    const wire = this.parse(captureWire, answer.body, answer);
    return {
      channel: this.channel,
      captureId: wire.id,
      authorizationId: wire.authorization,
      amount: wire.amount,
      currency: wire.currency,
      finalCapture: wire.final_capture,
      amountReleased: wire.amount_released,
      fee: wire.fee,
      net: wire.net,
      status: wire.status,
      createdAt: wire.created_at,
      settledAt: wire.settled_at,
    };
  }

  private refundFrom(answer: HttpAnswer): ChannelRefund {
    const wire = this.parse(refundWire, answer.body, answer);
    return {
      channel: this.channel,
      refundId: wire.id,
      authorizationId: wire.authorization,
      amount: wire.amount,
      currency: wire.currency,
      status: wire.status,
      createdAt: wire.created_at,
      succeededAt: wire.succeeded_at,
    };
  }

  private context(answer: HttpAnswer | undefined): ChannelErrorContext {
    return { channel: this.channel, channelRequestId: answer?.requestId };
  }

  /**
   * A 2xx answer whose body is not what the contract says: the acquirer may have applied the request,
   * and we cannot tell, which is exactly the ambiguity a retry under the same key resolves.
   */
  private parse<Schema extends z.core.$ZodType>(schema: Schema, body: unknown, answer: HttpAnswer): z.infer<Schema> {
    const parsed = z.safeParse(schema, body);
    if (!parsed.success) throw new ChannelTimeoutError(this.context(answer), 'unreadable answer', this.config.timeoutMs);
    return parsed.data;
  }

  private expectSuccess(answer: HttpAnswer, authorizationId: string | undefined): HttpAnswer {
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.errorFrom(answer, authorizationId);
  }

  /** The acquirer's error answer → the named channel error the saga matches on. */
  private errorFrom(answer: HttpAnswer, authorizationId: string | undefined): ChannelError {
    const context = this.context(answer);
    const parsed = z.safeParse(errorWire, answer.body);
    const error = parsed.success ? parsed.data.error : {};
    const code = error.code ?? `http_${answer.status}`;
    const { status } = answer;
    if (status === 402 && code === 'capture_failed') return new CaptureFailedError(context, error.authorization ?? authorizationId ?? 'unknown', code);
    if (status === 402) {
      return new CardDeclinedError(context, isDeclineCode(error.decline_code) ? error.decline_code : 'card_declined', error.authorization);
    }
    if (status === 409 && code === 'authorization_expired') return new AuthorizationExpiredError(context, authorizationId ?? 'unknown');
    if (status === 409 && code === 'idempotency_key_in_use') return new ChannelUnavailableError(context, 'request in progress', status);
    if (status === 429 || status >= 500) return new ChannelUnavailableError(context, code, status);
    if (status >= 300 && status < 400) {
      return new ChannelRequestRejectedError(context, status, 'unexpected_redirect', undefined, 'the acquirer answered with a redirect; check the base URL');
    }
    if (status >= 400) {
      return new ChannelRequestRejectedError(context, status, code, error.param, redactCardNumbers(error.message ?? 'no detail'));
    }
    return new ChannelTimeoutError(context, `unexpected HTTP ${status}`, this.config.timeoutMs);
  }

  private post(path: string, idempotencyKey: string, body: Record<string, unknown>): Promise<HttpAnswer> {
    return this.send('POST', path, { idempotencyKey, body });
  }

  private async send(method: 'GET' | 'POST', path: string, request?: { idempotencyKey: string; body: unknown }): Promise<HttpAnswer> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.config.apiKey}`,
    };
    if (request) {
      headers['Content-Type'] = 'application/json';
      headers['Idempotency-Key'] = request.idempotencyKey;
    }
    let status: number;
    let text: string;
    let requestId: string | undefined;
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: request ? JSON.stringify(request.body) : undefined,
        // Never follow a redirect: it would resend the card to wherever the Location header points.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      status = response.status;
      requestId = response.headers.get('request-id') ?? undefined;
      text = await response.text();
    } catch (error) {
      throw this.transportError(error);
    }
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status, body, requestId };
  }

  private transportError(error: unknown): ChannelError {
    const context = this.context(undefined);
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new ChannelTimeoutError(context, `no answer within ${this.config.timeoutMs} ms`, this.config.timeoutMs);
    }
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const described = typeof code === 'string' ? code : 'network error';
    if (typeof code === 'string' && NOT_SENT.has(code)) {
      return new ChannelUnavailableError(context, `connection failed: ${described}`, undefined, { cause: error });
    }
    return new ChannelTimeoutError(context, `connection lost: ${described}`, this.config.timeoutMs, { cause: error });
  }
}

export const createHttpCardChannel = (config: HttpCardAcquirerConfig, fetchImpl?: Fetch): CardChannel => new HttpCardAcquirer(config, fetchImpl);

/** The channel named `channel`, configured from `<CHANNEL>_URL`, `<CHANNEL>_API_KEY`, `<CHANNEL>_TIMEOUT_MS`. */
export const cardChannelFromEnv = (channel: string, env: NodeJS.ProcessEnv = process.env): CardChannel =>
  createHttpCardChannel(cardChannelConfigFromEnv(channel, env));
