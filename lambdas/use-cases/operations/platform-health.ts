import { deployment } from '../../../platform/deployment';
import { functionName } from '../../../platform/functions';
import { merchantApiName } from '../../../platform/routes';
import type { MetricIdentity, MetricRequest, MetricSeries, PlatformMetrics } from '../../ports/platform-metrics';

/** The window an operator may ask for: the last 1 to 180 minutes (CloudWatch keeps 1-minute data 15 days). */
export const HEALTH_MINUTES = { min: 1, max: 180, default: 15 } as const;

const MINUTE_MS = 60_000;

/**
 * Where each figure comes from (decision 0033 item 3): API Gateway's per-method metrics of the merchant API's
 * `POST /v1/payments` (the stage has detailed metrics on: lib/constructs/merchant-api.ts), the events builder's
 * authorization counts (namespace the app, dimension `service` the function's name: lambdas/handlers/streams/
 * build-events.ts), and the region's Lambda totals (no dimension: every function of the account and region).
 */
const paymentCreation = { ApiName: merchantApiName(), Stage: deployment.apiStageName, Method: 'POST', Resource: '/v1/payments' };
const eventsBuilder = { service: functionName(deployment.appName, 'buildEvents') };
export const HEALTH_METRICS = {
  requests: { namespace: 'AWS/ApiGateway', name: 'Count', dimensions: paymentCreation },
  latency: { namespace: 'AWS/ApiGateway', name: 'Latency', dimensions: paymentCreation },
  serverErrors: { namespace: 'AWS/ApiGateway', name: '5XXError', dimensions: paymentCreation },
  authorized: { namespace: deployment.appName, name: 'PaymentsAuthorized', dimensions: eventsBuilder },
  failedUnauthorized: { namespace: deployment.appName, name: 'PaymentsFailedUnauthorized', dimensions: eventsBuilder },
  functionErrors: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: {} },
  throttles: { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: {} },
} as const satisfies Record<string, MetricIdentity>;

export interface HealthFigures {
  /** Payment creations asked of the merchant API per second (every POST /v1/payments, whatever its answer). */
  readonly paymentsPerSecond: number;
  /** Authorized / (authorized + failed unauthorized); null without any. */
  readonly authorizationRate: number | null;
  /** API Gateway's latency of POST /v1/payments, milliseconds; null without requests. */
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** 5xx answers of POST /v1/payments. */
  readonly serverErrors: number;
  /** Lambda invocations that failed, any function of the region. */
  readonly functionErrors: number;
  readonly throttles: number;
}

export interface PlatformHealth {
  readonly start: Date;
  readonly end: Date;
  readonly minutes: number;
  readonly totals: HealthFigures & { readonly paymentsRequested: number; readonly authorized: number; readonly failedUnauthorized: number };
  /** One entry per minute of the window, oldest first; the last is the minute under way. */
  readonly perMinute: readonly (HealthFigures & { readonly at: Date })[];
}

const sumOf = (series: MetricSeries | undefined, from = -Infinity, to = Infinity): number =>
  (series?.points ?? []).filter((point) => point.at.getTime() >= from && point.at.getTime() < to).reduce((total, point) => total + point.value, 0);

const valueAt = (series: MetricSeries | undefined, at: number): number | null => series?.points.find((point) => point.at.getTime() === at)?.value ?? null;

const rate = (authorized: number, failed: number): number | null => (authorized + failed > 0 ? authorized / (authorized + failed) : null);

/**
 * Operators: the platform's health over the last `minutes` (the console's health panel, the operator API's
 * GET /v1/health).
 * 1. One metrics read (GetMetricData in AWS): for each minute of the window, the payment creations, their
 *    latency's p50 and p99, their 5xx answers, the authorizations and the failed ones, the Lambda errors and
 *    throttles; and the latency percentiles over the whole window (percentiles do not add up from minutes).
 * 2. Rates from the counts: per second over the time the minute (or the window) has run so far, the
 *    authorization rate as authorized over decided.
 * The window ends with the minute under way, so a payment made seconds ago already counts.
 */
export const readPlatformHealth = async (
  deps: { readonly metrics: PlatformMetrics; readonly now: () => Date },
  query: { readonly minutes: number },
): Promise<PlatformHealth> => {
  const now = deps.now().getTime();
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - query.minutes * MINUTE_MS;
  const windowSeconds = query.minutes * 60;
  const perMinute = (id: string, metric: MetricIdentity, stat: string): MetricRequest => ({ id, metric, stat, periodSeconds: 60 });
  const series = await deps.metrics.read(
    [
      perMinute('requests', HEALTH_METRICS.requests, 'Sum'),
      perMinute('latencyP50', HEALTH_METRICS.latency, 'p50'),
      perMinute('latencyP99', HEALTH_METRICS.latency, 'p99'),
      perMinute('serverErrors', HEALTH_METRICS.serverErrors, 'Sum'),
      perMinute('authorized', HEALTH_METRICS.authorized, 'Sum'),
      perMinute('failedUnauthorized', HEALTH_METRICS.failedUnauthorized, 'Sum'),
      perMinute('functionErrors', HEALTH_METRICS.functionErrors, 'Sum'),
      perMinute('throttles', HEALTH_METRICS.throttles, 'Sum'),
      { id: 'windowLatencyP50', metric: HEALTH_METRICS.latency, stat: 'p50', periodSeconds: windowSeconds },
      { id: 'windowLatencyP99', metric: HEALTH_METRICS.latency, stat: 'p99', periodSeconds: windowSeconds },
    ],
    new Date(start),
    new Date(end),
  );
  const elapsedSeconds = (from: number, to: number) => Math.max(1, (Math.min(to, now) - from) / 1000);
  const figuresBetween = (from: number, to: number) => {
    const authorized = sumOf(series.get('authorized'), from, to);
    const failedUnauthorized = sumOf(series.get('failedUnauthorized'), from, to);
    const paymentsRequested = sumOf(series.get('requests'), from, to);
    return {
      paymentsRequested,
      authorized,
      failedUnauthorized,
      paymentsPerSecond: paymentsRequested / elapsedSeconds(from, to),
      authorizationRate: rate(authorized, failedUnauthorized),
      serverErrors: sumOf(series.get('serverErrors'), from, to),
      functionErrors: sumOf(series.get('functionErrors'), from, to),
      throttles: sumOf(series.get('throttles'), from, to),
    };
  };
  const minutes = Array.from({ length: query.minutes }, (_, index) => start + index * MINUTE_MS).map((at) => {
    const { paymentsRequested: _requested, authorized: _authorized, failedUnauthorized: _failed, ...figures } = figuresBetween(at, at + MINUTE_MS);
    return { at: new Date(at), ...figures, latencyP50Ms: valueAt(series.get('latencyP50'), at), latencyP99Ms: valueAt(series.get('latencyP99'), at) };
  });
  return {
    start: new Date(start),
    end: new Date(end),
    minutes: query.minutes,
    totals: {
      ...figuresBetween(start, end),
      latencyP50Ms: series.get('windowLatencyP50')?.points[0]?.value ?? null,
      latencyP99Ms: series.get('windowLatencyP99')?.points[0]?.value ?? null,
    },
    perMinute: minutes,
  };
};
