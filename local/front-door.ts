import { type IncomingMessage, type Server, type ServerResponse, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local stand-in for the merchant API's Route 53 failover record (decision 0024 item 4, 0036): an HTTP
 * proxy on 127.0.0.1 that forwards every request to the first region whose health check passes, in order
 * (primary, then secondary). Each region is checked every `intervalMs` with GET `healthPath` (as Route 53's
 * HTTPS check asks `/prod/v1/openapi.json`); `failureThreshold` consecutive failures make a region unhealthy
 * and as many consecutive successes healthy again (Route 53's FailureThreshold, 3 by default, for both). A
 * request to a region that stops answering before the failover gets its connection reset, as a client whose
 * DNS answer still names a lost region sees it. Hand-written (about a hundred lines over node:http) rather than
 * a proxy library: what matters here is the health-driven choice, which no proxy package models as Route 53 does.
 */
export interface FrontDoorTarget {
  readonly region: string;
  readonly url: string;
}

export interface FrontDoorOptions {
  /** A server already listening (local/ports.ts listeningHttpServer), so its URL could be handed out first. */
  readonly server: Server;
  readonly targets: readonly FrontDoorTarget[];
  readonly healthPath?: string;
  readonly intervalMs?: number;
  readonly failureThreshold?: number;
  readonly onFailover?: (from: string | undefined, to: string | undefined) => void;
}

export interface FrontDoor {
  readonly url: string;
  /** The region requests go to now (undefined: no region is healthy). */
  active(): string | undefined;
  /** Every change of the active region, with when it happened. */
  readonly failovers: { readonly at: number; readonly from: string | undefined; readonly to: string | undefined }[];
  stop(): Promise<void>;
}

export const DEFAULT_HEALTH_PATH = '/v1/openapi.json';

export const startFrontDoor = (options: FrontDoorOptions): FrontDoor => {
  const healthPath = options.healthPath ?? DEFAULT_HEALTH_PATH;
  const intervalMs = options.intervalMs ?? 1_000;
  const threshold = options.failureThreshold ?? 3;
  const health = options.targets.map(() => ({ healthy: true, failures: 0, successes: 0 }));
  const failovers: FrontDoor['failovers'] = [];
  const activeIndex = () => health.findIndex((entry) => entry.healthy);
  let active = activeIndex();
  let stopped = false;

  const check = async (index: number) => {
    const target = options.targets[index]!;
    let ok = false;
    try {
      // Route 53 waits 4 s for an answer; a check here waits 2 s (or the interval, when longer).
      const response = await fetch(`${target.url}${healthPath}`, { signal: AbortSignal.timeout(Math.max(2_000, intervalMs)) });
      await response.arrayBuffer();
      ok = response.ok;
    } catch {
      ok = false;
    }
    const entry = health[index]!;
    if (ok) {
      entry.failures = 0;
      entry.successes += 1;
      if (!entry.healthy && entry.successes >= threshold) entry.healthy = true;
    } else {
      entry.successes = 0;
      entry.failures += 1;
      if (entry.healthy && entry.failures >= threshold) entry.healthy = false;
    }
  };
  const round = async () => {
    await Promise.all(options.targets.map((_, index) => check(index)));
    const next = activeIndex();
    if (next !== active && !stopped) {
      const from = options.targets[active]?.region;
      const to = options.targets[next]?.region;
      active = next;
      failovers.push({ at: Date.now(), from, to });
      options.onFailover?.(from, to);
    }
  };
  // One round at a time: a round slower than the interval (a loaded machine) is not queued behind itself.
  let checking: Promise<void> | undefined;
  const timer = setInterval(() => {
    checking ??= round().finally(() => {
      checking = undefined;
    });
  }, intervalMs);

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const target = options.targets[active];
    if (!target) {
      incoming.socket.destroy();
      return;
    }
    const url = new URL(incoming.url ?? '/', target.url);
    const upstream = httpRequest(
      url,
      { method: incoming.method, headers: { ...incoming.headers, host: url.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    // The region went away under the request: the client sees its connection end, as with a lost region.
    upstream.on('error', () => incoming.socket.destroy());
    incoming.pipe(upstream);
  };
  options.server.on('request', forward);
  const { port } = options.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    active: () => options.targets[active]?.region,
    failovers,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await checking;
      options.server.off('request', forward);
      options.server.closeAllConnections();
      await new Promise((closed) => options.server.close(closed));
    },
  };
};
