/**
 * Something that expires and is renewed before it does (decision 0051): the console's ID token (renewed with the
 * refresh token) and the operator role's credentials (renewed from the identity pool). One schedule for both, driven
 * by a clock the unit tests replace:
 * - a value is renewed a quarter of its life before it expires, at most five minutes before (`renewalTime`), by a
 *   timer, so a page left open renews while nobody uses it, and by the next use if the timer was late (a sleeping
 *   laptop, a background tab whose timers the browser slowed);
 * - never sooner than five seconds after it was obtained, so a value that arrives already due (a skewed clock, a
 *   lifetime shorter than that) is not renewed at every use: renewals cannot loop;
 * - one renewal at a time: every use waiting for a renewal shares it;
 * - `renew(stale)` renews now unless the value has already changed since `stale` was handed out (a request refused
 *   for expired credentials retries with the new ones, and does not renew a second time).
 */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A value and its validity, in the clock's milliseconds; `expiresAt` Infinity for a value that does not expire. */
export interface Lease<T> {
  readonly value: T;
  readonly obtainedAt: number;
  readonly expiresAt: number;
}

export const MAX_MARGIN_MS = 5 * 60_000;
export const MIN_INTERVAL_MS = 5_000;
/** Browsers fire a longer timeout at once (a 32-bit delay). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When a lease is renewed: a quarter of its life before its end, at most MAX_MARGIN before, at least MIN_INTERVAL after it began. */
export const renewalTime = (lease: Pick<Lease<unknown>, 'obtainedAt' | 'expiresAt'>): number =>
  Math.max(lease.obtainedAt + MIN_INTERVAL_MS, lease.expiresAt - Math.min(MAX_MARGIN_MS, (lease.expiresAt - lease.obtainedAt) / 4));

export class Renewing<T> {
  #lease: Lease<T> | undefined;
  #renewing: Promise<T> | undefined;
  #timer: unknown;
  #stopped = false;
  readonly #clock: Clock;

  constructor(
    private readonly obtain: () => Promise<Lease<T>>,
    options: { clock?: Clock; initial?: Lease<T> } = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    if (options.initial) this.#keep(options.initial);
  }

  /** The value, renewed first if it is due (or there is none yet). */
  current(): Promise<T> {
    if (this.#lease && this.#clock.now() < renewalTime(this.#lease)) return Promise.resolve(this.#lease.value);
    return this.#renew();
  }

  /** Renews now, unless the value is no longer `stale` (then the newer one); without `stale`, renews now. */
  renew(stale?: T): Promise<T> {
    if (this.#lease && stale !== undefined && this.#lease.value !== stale) return Promise.resolve(this.#lease.value);
    return this.#renew();
  }

  /** Stops the timer (the page signs out, the role's session is replaced). */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
  }

  #renew(): Promise<T> {
    this.#renewing ??= this.obtain()
      .then((lease) => this.#keep(lease).value)
      .finally(() => {
        this.#renewing = undefined;
      });
    return this.#renewing;
  }

  #keep(lease: Lease<T>): Lease<T> {
    this.#lease = lease;
    this.#clock.clearTimeout(this.#timer);
    if (!this.#stopped && Number.isFinite(lease.expiresAt)) {
      const delay = Math.min(MAX_TIMER_MS, Math.max(0, renewalTime(lease) - this.#clock.now()));
      // A scheduled renewal that fails is tried again by the next use; its error is that use's to report.
      this.#timer = this.#clock.setTimeout(() => void this.#renew().catch(() => undefined), delay);
    }
    return lease;
  }
}

/** Whether the operator API refused a request because its credentials or signature had expired (API Gateway's EXPIRED_TOKEN). */
export const refusedForExpiredCredentials = async (response: Response): Promise<boolean> => {
  if (response.status !== 403) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => ({}))) as { code?: unknown };
  return body.code === 'expired_credentials';
};

/**
 * Sends a request with the current credentials; if it is refused for expired credentials, once more with renewed
 * ones (the second answer is the caller's whatever it is: one retry, never a loop).
 */
export const sendWithFreshCredentials = async <C>(credentials: Renewing<C>, send: (credentials: C) => Promise<Response>): Promise<Response> => {
  const used = await credentials.current();
  const response = await send(used);
  if (!(await refusedForExpiredCredentials(response))) return response;
  return send(await credentials.renew(used));
};
