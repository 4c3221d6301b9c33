import { channelEnvPrefix as declaredChannelEnvPrefix } from '../../../platform/channels';
import { type ChannelError, ChannelTimeoutError, ChannelUnavailableError } from '../../domain/channel-errors';
import type {
  AuthorizeCommand,
  CaptureCommand,
  CardChannel,
  ChannelAuthorization,
  ChannelCapture,
  ChannelOperation,
  ChannelRefund,
  RefundCommand,
  VoidCommand,
} from '../../ports/card-channel';
import { ConfigurationError, processEnvironment } from '../../shared/config';
import {
  type WireAnswer,
  type WireContext,
  authorizationFrom,
  authorizeRequest,
  captureFrom,
  captureRequest,
  errorContext,
  errorFrom,
  listWire,
  operationFrom,
  operationWire,
  parseWire,
  refundFrom,
  refundRequest,
} from './http-card-acquirer/transformers';

/**
 * The card channel port over an acquirer's REST API (the one docs/simulators.md describes and
 * local/simulators/card-acquirer implements): the connector, that is its configuration and the HTTP flow
 * (plain fetch, no SDK); the wire schemas, request bodies, answer and error mapping are its transformers
 * (http-card-acquirer/transformers.ts). Every call has its own deadline
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
export const cardChannelConfigFromEnv = (channel: string, env: NodeJS.ProcessEnv = processEnvironment()): HttpCardAcquirerConfig => {
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

/** Connection failures that mean the request never reached the acquirer. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

type Fetch = typeof fetch;

export class HttpCardAcquirer implements CardChannel {
  readonly channel: string;
  private readonly baseUrl: string;

  private readonly wire: WireContext;

  constructor(
    private readonly config: HttpCardAcquirerConfig,
    private readonly fetchImpl: Fetch = fetch,
  ) {
    this.channel = config.channel;
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.wire = { channel: config.channel, timeoutMs: config.timeoutMs };
  }

  async authorize(command: AuthorizeCommand): Promise<ChannelAuthorization> {
    const answer = await this.post('/v1/authorizations', command.idempotencyKey, authorizeRequest(command));
    return authorizationFrom(this.wire, this.expectSuccess(answer, command.idempotencyKey));
  }

  async capture(command: CaptureCommand): Promise<ChannelCapture> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/captures`, command.idempotencyKey, captureRequest(command));
    return captureFrom(this.wire, this.expectSuccess(answer, command.authorizationId));
  }

  async void(command: VoidCommand): Promise<ChannelAuthorization> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/void`, command.idempotencyKey, {});
    return authorizationFrom(this.wire, this.expectSuccess(answer, command.authorizationId));
  }

  async refund(command: RefundCommand): Promise<ChannelRefund> {
    const answer = await this.post(`/v1/authorizations/${encodeURIComponent(command.authorizationId)}/refunds`, command.idempotencyKey, refundRequest(command));
    return refundFrom(this.wire, this.expectSuccess(answer, command.authorizationId));
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
    return authorizationFrom(this.wire, this.expectSuccess(answer, authorizationId));
  }

  private async listOperations(query: string): Promise<ChannelOperation[]> {
    const answer = await this.send('GET', `/v1/operations?${query}`);
    const list = parseWire(this.wire, listWire(operationWire), this.expectSuccess(answer, undefined));
    return list.data.map((operation) => operationFrom(this.wire, operation, answer));
  }

  private expectSuccess(answer: WireAnswer, authorizationId: string | undefined): WireAnswer {
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw errorFrom(this.wire, answer, authorizationId);
  }

  private post(path: string, idempotencyKey: string, body: Record<string, unknown>): Promise<WireAnswer> {
    return this.send('POST', path, { idempotencyKey, body });
  }

  private async send(method: 'GET' | 'POST', path: string, request?: { idempotencyKey: string; body: unknown }): Promise<WireAnswer> {
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
    const context = errorContext(this.wire, undefined);
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
export const cardChannelFromEnv = (channel: string, env: NodeJS.ProcessEnv = processEnvironment()): CardChannel =>
  createHttpCardChannel(cardChannelConfigFromEnv(channel, env));
