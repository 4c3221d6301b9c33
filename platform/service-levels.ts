/**
 * The platform's service-level objectives, declared once: lib/constructs/service-levels.ts turns each into
 * its metrics, multi-window burn-rate alarms and dashboard widgets (docs/operations.md, "Service levels";
 * docs/runbooks.md, "Error budget burning").
 *
 * Both are about `POST /v1/payments`, the call a checkout waits on, measured by API Gateway (so a function
 * that times out, is throttled or crashes counts against them, which the function's own metrics would miss),
 * per region, over a 30-day window.
 */
export interface ServiceLevelObjective {
  readonly description: string;
  /** The share of requests that must be good over the window (0.9995 = 99.95 %). */
  readonly objective: number;
  readonly windowDays: number;
  /** The merchant API route it measures (platform/routes.ts). */
  readonly route: { readonly method: 'POST'; readonly path: string };
  /** A request is bad when it answers 5xx (availability) or takes longer than this (latency). */
  readonly bad: { readonly kind: 'server_error' } | { readonly kind: 'slower_than'; readonly milliseconds: number };
}

export const serviceLevels = {
  paymentCreationAvailability: {
    description: 'Payment creation answers without a server error',
    objective: 0.9995,
    windowDays: 30,
    route: { method: 'POST', path: '/v1/payments' },
    bad: { kind: 'server_error' },
  },
  paymentCreationLatency: {
    description: 'Payment creation answers within 1 second',
    objective: 0.99,
    windowDays: 30,
    route: { method: 'POST', path: '/v1/payments' },
    bad: { kind: 'slower_than', milliseconds: 1_000 },
  },
} as const satisfies Record<string, ServiceLevelObjective>;

export type ServiceLevelKey = keyof typeof serviceLevels;

/**
 * Multi-window, multi-burn-rate alerting (Google's SRE workbook, "Alerting on SLOs"): an alert fires when the
 * error budget burns at `burnRate` times the sustainable rate over the long window AND still over the short
 * one (so it stops soon after the burning does). 14.4 over an hour spends 2 % of a 30-day budget; 6 over six
 * hours, 5 %: both page. 3 over a day, 10 %: a ticket, not a page. CloudWatch alarms look back at most a day,
 * so the workbook's three-day window is left out.
 */
export const burnRateWindows = [
  { name: 'Fast', longMinutes: 60, shortMinutes: 5, burnRate: 14.4, severity: 'page' },
  { name: 'Medium', longMinutes: 360, shortMinutes: 30, burnRate: 6, severity: 'page' },
  { name: 'Slow', longMinutes: 1_440, shortMinutes: 120, burnRate: 3, severity: 'ticket' },
] as const;

/** Operational thresholds that page, besides the SLOs (lib/constructs/service-levels.ts). */
export const operationalThresholds = {
  /** Merchant API 5xx share over 5 minutes, every route. */
  apiServerErrorShare: 0.01,
  /** Merchant API p99 latency (ms) for 3 of 5 minutes, every route. */
  apiP99LatencyMs: 2_000,
  /**
   * Authorization rate over 15 minutes: payments authorized ÷ (authorized + failed unauthorized), measured
   * from the payments stream (build-events). The bench's mix declines 10 % on purpose; a real card mix
   * authorizes 85–95 %. Below 70 % an acquirer, the router or risk is failing payments.
   */
  authorizationRateMin: 0.7,
  /** Below this many decided payments in the window the rate says nothing (no page at 3 a.m. on 2 declines). */
  authorizationRateMinVolume: 50,
  /** Lambda errors ÷ invocations in the region over 5 minutes (task errors the ASL retries count too). */
  lambdaErrorShare: 0.05,
} as const;

/**
 * The log line the webhook deliverer writes for a delivery task with failed attempts (never on success), with
 * `merchant_id`, `endpoint_id`, `failed`, `failure` and `endpoint_disabled`: the delivery dashboard's
 * failing-endpoints table (lib/constructs/service-levels.ts) queries it with CloudWatch Logs Insights, so a
 * per-endpoint view costs no per-endpoint metric.
 */
export const WEBHOOK_ATTEMPTS_FAILED_MESSAGE = 'webhook attempts failed';
