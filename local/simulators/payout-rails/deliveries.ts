import { createHmac } from 'node:crypto';

/**
 * Signed callbacks from a simulated rail to the platform (Keystone's SOAP notifications, Pulse's
 * webhooks): `<Header>: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, POSTed until the
 * receiver answers 2xx, with exponential back-off (initial delay doubling, capped), at least once and not
 * in order. The platform verifies with lambdas/adapters/channels/acquirer-webhook-signature.ts.
 */
export const sign = (secret: string, payload: string, timestampSeconds: number): string =>
  `t=${timestampSeconds},v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex')}`;

export interface DeliveryOptions {
  readonly url: string;
  readonly secret: string;
  readonly signatureHeader: string;
  readonly contentType: string;
  readonly extraHeaders?: Readonly<Record<string, string>>;
  readonly initialRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly timeoutMs?: number;
  readonly onDelivered?: (id: string) => void;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class CallbackDelivery {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly attempts = new Map<string, number>();

  constructor(private readonly options: DeliveryOptions) {}

  /** Deliver `body` (identified by `id`) now, and again with back-off until it is acknowledged. */
  send(id: string, body: string): void {
    void this.attempt(id, body, 1);
  }

  private async attempt(id: string, body: string, attempt: number): Promise<void> {
    if (this.stopped) return;
    this.attempts.set(id, attempt);
    let ok = false;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'Content-Type': this.options.contentType,
          [this.options.signatureHeader]: sign(this.options.secret, body, Math.floor(Date.now() / 1000)),
          ...this.options.extraHeaders,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.text();
      ok = response.status >= 200 && response.status < 300;
      if (!ok) this.options.log?.('callback refused', { id, status: response.status, attempt });
    } catch (error) {
      this.options.log?.('callback failed', { id, attempt, error: (error as Error).message });
    }
    if (ok) {
      this.options.onDelivered?.(id);
      return;
    }
    if (this.stopped) return;
    const delay = Math.min(this.options.maxRetryDelayMs ?? 30_000, (this.options.initialRetryDelayMs ?? 250) * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(id, body, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Timers a simulator schedules (settlements, returns), all cleared on stop. */
export class Schedule {
  private readonly timers = new Set<NodeJS.Timeout>();

  at(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.max(0, delayMs));
    this.timers.add(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
