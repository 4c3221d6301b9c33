import type { PayoutChannel } from '../../domain/payouts/beneficiary';
import { RailTimeoutError, RailUnavailableError } from '../../domain/payouts/saga-errors';
import { ConfigurationError } from '../../shared/config';

/**
 * HTTP for the rails that answer over HTTP (the SOAP bank, the instant rail): one deadline per call,
 * never a redirect (it would resend account details elsewhere), and transport failures told apart:
 * a connection that never opened is RailUnavailable (nothing was sent: safe to retry), anything after
 * sending is RailTimeout (it may have been applied: retry with the same idempotency key).
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const DEFAULT_RAIL_TIMEOUT_MS = 10_000;

export interface RailHttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export const railFetch = async (
  channel: PayoutChannel,
  url: string,
  init: { readonly method: 'GET' | 'POST'; readonly headers: Record<string, string>; readonly body?: string; readonly timeoutMs: number },
): Promise<RailHttpAnswer> => {
  try {
    const response = await fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(init.timeoutMs) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new RailTimeoutError({ channel }, `no answer within ${init.timeoutMs} ms`, { cause: error });
    }
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code === 'string' && NOT_SENT.has(code)) throw new RailUnavailableError({ channel }, `connection failed: ${code}`, { cause: error });
    throw new RailTimeoutError({ channel }, `connection lost: ${typeof code === 'string' ? code : 'network error'}`, { cause: error });
  }
};

/** `<PREFIX>_URL`: https, or http only to a loopback host (the local simulators). */
export const railUrlFromEnv = (variable: string, env: NodeJS.ProcessEnv): string => {
  const value = env[variable];
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new ConfigurationError(`Invalid environment: ${variable} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new ConfigurationError(`Invalid environment: ${variable} must be https (plain http only to a loopback host)`);
  }
  return (value as string).replace(/\/+$/, '');
};

export const requiredEnv = (variable: string, env: NodeJS.ProcessEnv): string => {
  const value = env[variable];
  if (!value) throw new ConfigurationError(`Invalid environment: ${variable} is not set`);
  return value;
};

export const timeoutFromEnv = (variable: string, env: NodeJS.ProcessEnv): number => {
  const raw = env[variable];
  const value = raw === undefined || raw === '' ? DEFAULT_RAIL_TIMEOUT_MS : Number(raw);
  if (!Number.isInteger(value) || value < 100 || value > 60_000) throw new ConfigurationError(`Invalid environment: ${variable} must be an integer from 100 to 60000`);
  return value;
};
