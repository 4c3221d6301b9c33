import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { type AttemptResult, type UrlPolicy, isPublicAddress } from '../../domain/webhooks';
import type { SignedRequest, WebhookSender } from '../../ports/webhook-delivery';

/**
 * Sends webhooks over node:http(s), never following a redirect, reading at most 4 KB of an answer, and,
 * under the `public` policy (AWS), connecting only to public addresses: the host name is resolved when the
 * connection is made and every address it resolves to is checked (domain/webhooks.ts `isPublicAddress`)
 * before one of them is connected to, so a name that pointed somewhere public when the endpoint was
 * registered cannot later lead the request to 127.0.0.1 (the Lambda runtime API), 169.254.169.254 or a
 * private network (DNS rebinding). Connections are kept alive per function instance.
 */
class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, then refuse the whole name if any address it resolves to is not public. */
export const publicOnlyLookup = (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
  const all = typeof options === 'object' && options.all === true;
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, all ? [] : '', 0);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((entry) => !isPublicAddress(entry.address))) {
      return callback(new BlockedAddressError(`${hostname} resolves to an address webhooks may not reach`), all ? [] : '', 0);
    }
    if (all) return callback(null, list);
    const first = list[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

const MAX_ANSWER_BYTES = 4096;

const errorCode = (error: unknown, timedOut: boolean): string => {
  if (timedOut) return 'timeout';
  const code = String((error as { code?: unknown })?.code ?? '');
  if (code === 'EBLOCKED') return 'blocked_address';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns_failure';
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SSL') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return 'tls_error';
  return 'network_error';
};

export class NodeWebhookSender implements WebhookSender {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(private readonly policy: UrlPolicy) {
    const lookup = policy === 'public' ? publicOnlyLookup : undefined;
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ...(lookup ? { lookup } : {}) } as https.AgentOptions);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, ...(lookup ? { lookup } : {}) } as http.AgentOptions);
  }

  send(request: SignedRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve({ status: null, latencyMs: 0, error: 'invalid_url' });
    }
    const secure = url.protocol === 'https:';
    if (this.policy === 'public') {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (!secure || (isIP(host) && !isPublicAddress(host))) return Promise.resolve({ status: null, latencyMs: 0, error: 'blocked_address' });
    }
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let timedOut = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const outgoing = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        },
        (response) => {
          let read = 0;
          const done = () => finish({ status: response.statusCode ?? null, latencyMs: elapsed(), error: null });
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) {
              done();
              response.destroy();
            }
          });
          response.on('end', done);
          response.on('error', done);
          response.on('close', done);
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        outgoing.destroy(new Error('timeout'));
      }, request.timeoutMs);
      outgoing.on('error', (error) => finish({ status: null, latencyMs: elapsed(), error: errorCode(error, timedOut) }));
      outgoing.end(request.body);
    });
  }
}
