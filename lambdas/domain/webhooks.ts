import { BlockList, isIP } from 'node:net';
import { DomainError } from './errors';

/**
 * Webhook endpoints and the rules of delivering to them (docs/api.md, "Webhooks";
 * docs/decisions/0016-events-and-webhooks.md). Pure: no I/O.
 */
export type WebhookEndpointStatus = 'enabled' | 'disabled';

/** One signing secret of an endpoint, as stored: its ciphertext, never the secret. */
export interface StoredWebhookSecret {
  /** 1, 2, 3... per endpoint: names the ciphertext's object (`we_...#<version>`). */
  readonly version: number;
  readonly ciphertext: Uint8Array;
  readonly createdAt: string;
  /** Set on the secret a rotation replaced: it still signs until then. */
  readonly expiresAt: string | null;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly merchantId: string;
  readonly url: string;
  readonly enabledEvents: readonly string[];
  readonly description: string | null;
  readonly status: WebhookEndpointStatus;
  /** Why it is disabled: `disabled_by_merchant`, or `failing` (every delivery failed for DISABLE_AFTER_FAILING_MS). */
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** Since when every delivery has failed (null once one succeeds). */
  readonly failingSince: string | null;
  /** The last failure that mattered (when it started failing, when it was disabled): `HTTP 500`, `timeout`... */
  readonly lastFailure: string | null;
  readonly secrets: readonly StoredWebhookSecret[];
  /** The command (merchant + Idempotency-Key) that created it: a retry of that command may replace its secret. */
  readonly createdByCommand: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** At most this many endpoints per merchant. */
export const MAX_WEBHOOK_ENDPOINTS = 16;
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_URL_LENGTH = 2048;
export const MAX_ENABLED_EVENTS = 64;
/** A rotated-out secret keeps signing for a day, so receivers can roll over without losing a message. */
export const ROTATED_SECRET_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Secrets signing at once: the current one and at most two being rotated out. */
export const MAX_ACTIVE_SECRETS = 3;

export class WebhookEndpointLimitError extends DomainError {
  override readonly name = 'WebhookEndpointLimitError';

  constructor(readonly merchantId: string) {
    super(`A merchant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints: delete one first.`);
  }
}

/**
 * Where webhooks may go. `public` (AWS): https only, a public host name or a public unicast address, port
 * 443 or above 1023; `local` (the local runtime): also http and loopback, so `npm start`'s receiver works.
 */
export type UrlPolicy = 'public' | 'local';

/**
 * Addresses a webhook must never reach in AWS: loopback (the Lambda runtime API listens on 127.0.0.1),
 * private, shared (CGNAT), link-local (169.254.169.254 is instance metadata), documentation, benchmarking,
 * multicast and reserved ranges, and their IPv6 counterparts (fd00:ec2::254 is metadata too: unique local).
 * IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside them.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

const embeddedIpv4 = (address: string): string | undefined => {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const words = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (words) {
    const high = Number.parseInt(words[1] as string, 16);
    const low = Number.parseInt(words[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(lower);
  if (sixToFour) {
    const high = Number.parseInt(sixToFour[1] as string, 16);
    const low = Number.parseInt(sixToFour[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
};

/** True when an IP address (v4 or v6 text) is a public unicast address a webhook may be sent to. */
export const isPublicAddress = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return !blocked.check(bare, 'ipv4');
  if (family === 6) {
    const inner = embeddedIpv4(bare);
    if (inner !== undefined) return isIP(inner) === 4 && !blocked.check(inner, 'ipv4');
    return !blocked.check(bare, 'ipv6');
  }
  return false;
};

const INTERNAL_SUFFIXES = ['.localhost', '.local', '.internal', '.intranet', '.lan', '.home.arpa', '.corp'];
/** Query parameters that carry credentials: a webhook is authenticated by its signature instead. */
const SECRET_PARAMETER = /(^|[_-])(secret|token|password|passwd|pwd|apikey|api[_-]key|key|signature|sig|auth|authorization|credentials?|session)$/i;

/** Checks a webhook URL; the reason completes "must ..." / "must not ..." for a 422 naming `url`. */
export const checkWebhookUrl = (raw: string, policy: UrlPolicy): { ok: true; url: URL } | { ok: false; message: string } => {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, message: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'must be an absolute URL, such as "https://example.com/webhooks"' };
  }
  const schemes = policy === 'local' ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return { ok: false, message: policy === 'local' ? 'must use https or http' : 'must use https' };
  if (url.username || url.password) {
    return { ok: false, message: 'must not contain credentials (user:password@): verify the webhook-signature header instead' };
  }
  if (url.hash) return { ok: false, message: 'must not contain a fragment (#...)' };
  for (const name of url.searchParams.keys()) {
    if (SECRET_PARAMETER.test(name)) {
      return { ok: false, message: `must not carry a secret in its query ("${name}"): verify the webhook-signature header instead` };
    }
  }
  if (policy === 'local') return { ok: true, url };
  const port = url.port === '' ? 443 : Number(url.port);
  if (port !== 443 && port < 1024) return { ok: false, message: 'must use port 443 or a port above 1023' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) {
    return isPublicAddress(host) ? { ok: true, url } : { ok: false, message: 'must not point to a private, loopback, link-local or reserved address' };
  }
  if (!host.includes('.') || host === 'localhost' || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix)) || !/\.[a-z][a-z0-9-]*$/.test(host)) {
    return { ok: false, message: 'must name a public host (not localhost or an internal name)' };
  }
  return { ok: true, url };
};

// ---- Delivery ----

/**
 * Seconds to wait before each attempt: the first at once, then back-off over about three days (the sum is
 * 2 days 19 hours 35 minutes 5 seconds), as Stripe and the Standard Webhooks reference schedule do.
 */
export const RETRY_SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length;
/** An endpoint whose every delivery failed for this long is disabled (the merchant sees why). */
export const DISABLE_AFTER_FAILING_MS = 3 * 24 * 60 * 60 * 1000;
/** A receiver gets this long to answer (connection, TLS, headers). */
export const REQUEST_TIMEOUT_MS = 15_000;
/**
 * The request timeout at a time scale (local drills and tests): never under a second, or a loaded machine
 * (receiver, platform and load in one process) times out answers the receiver gave at once.
 */
export const requestTimeoutMs = (timeScale = 1): number => Math.max(1000, Math.round(REQUEST_TIMEOUT_MS * timeScale));

/**
 * Delay before attempt `attempt + 1` once attempt `attempt` (1-based) failed, scaled (`timeScale` < 1 in
 * local drills) and in whole seconds (SQS delays are): undefined after the last attempt.
 */
export const retryDelaySeconds = (attempt: number, timeScale = 1): number | undefined => {
  const next = RETRY_SCHEDULE_SECONDS[attempt];
  if (next === undefined) return undefined;
  return next === 0 ? 0 : Math.max(1, Math.ceil(next * timeScale));
};

/** What one attempt at one event ended in. */
export interface AttemptResult {
  /** The receiver's HTTP status, if it answered. */
  readonly status: number | null;
  readonly latencyMs: number;
  /** Why there was no usable answer: `timeout`, `connection_refused`, `blocked_address`, `dns_failure`, `tls_error`, `network_error`. */
  readonly error: string | null;
}

/** Any 2xx is success; a redirect, any other status or no answer is a failure (retried). */
export const succeeded = (result: AttemptResult): boolean => result.status !== null && result.status >= 200 && result.status < 300;

export const describeFailure = (result: AttemptResult): string => (result.status !== null ? `HTTP ${result.status}` : (result.error ?? 'no answer'));

/** The secrets that sign a message sent at `now`: the current one and those rotated out less than a day ago. */
export const signingSecrets = (endpoint: Pick<WebhookEndpoint, 'secrets'>, now: Date): StoredWebhookSecret[] =>
  endpoint.secrets.filter((secret) => secret.expiresAt === null || Date.parse(secret.expiresAt) > now.getTime());

