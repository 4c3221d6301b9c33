import { OPERATION_HEADER, RUN_HEADER } from './attribution';

/**
 * The merchant's side of the benchmark and the drills: real HTTP requests to the API, each timed from
 * sending to the last byte of the answer, and recorded per operation for the latency percentiles.
 */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
  readonly latencyMs: number;
}

export interface ApiCall {
  readonly key?: string;
  readonly idempotencyKey?: string;
  readonly body?: unknown;
  /** Sent as-is instead of JSON-serializing `body`. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** The operation this call is part of (payment, conversion, payout): sent as X-Bench-Operation for attribution (bench/lib/attribution.ts). */
  readonly cause?: string;
  /** The mix run this call is part of (its sequence): sent as X-Bench-Run, so what it touches is known per run (bench/lib/hot-partitions.ts). */
  readonly run?: number;
}

export interface LatencySample {
  readonly operation: string;
  readonly status: number;
  readonly latencyMs: number;
}

const CALL_TIMEOUT_MS = 180_000;

export class ApiClient {
  readonly samples: LatencySample[] = [];

  /** `baseUrl` is asked on every call: the crash drill's runtime comes back on another port. */
  constructor(private readonly baseUrl: () => string) {}

  async call(operation: string, method: string, path: string, options: ApiCall = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    if (options.cause !== undefined) headers[OPERATION_HEADER] = options.cause;
    if (options.run !== undefined) headers[RUN_HEADER] = String(options.run);
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const started = performance.now();
    // Bounded: API Gateway answers within 29 s; a call with no answer in 3 minutes fails (a drill reports it) rather than hanging the run.
    const response = await fetch(`${this.baseUrl()}${path}`, { method, headers, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    this.samples.push({ operation, status: response.status, latencyMs });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json, latencyMs };
  }
}

/** The q-quantile (0..1) of the values, nearest-rank; undefined for none. */
export const quantile = (values: readonly number[], q: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
};

export interface LatencySummary {
  readonly count: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
}

const round = (value: number | undefined, digits = 1): number | null => (value === undefined ? null : Number(value.toFixed(digits)));

export const summarizeLatencies = (values: readonly number[]): LatencySummary => ({
  count: values.length,
  p50_ms: round(quantile(values, 0.5)),
  p95_ms: round(quantile(values, 0.95)),
  p99_ms: round(quantile(values, 0.99)),
  max_ms: round(values.length ? Math.max(...values) : undefined),
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Run `work` for each item with at most `concurrency` at once; resolves with the results in order. */
export const pool = async <T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
};

/** A small seeded PRNG (mulberry32): the same seed gives the same mix, cards and amounts. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};
