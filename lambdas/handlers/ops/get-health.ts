import * as z from 'zod/mini';
import { operatorQueryEndpoint } from '../../shared/http/operator-endpoint';
import { HEALTH_MINUTES, type HealthFigures, readPlatformHealth } from '../../use-cases/operations/platform-health';
import { platformMetrics } from '../../wiring/operations';

/**
 * Operator API: GET /v1/health?minutes= (ops_viewer): the platform's health over the last 1 to 180 minutes
 * (default 15) from its CloudWatch metrics, for the console's health panel (decisions 0033 item 3, 0041):
 * payments per second, the authorization rate, the latency of payment creation (p50, p99), server errors,
 * Lambda errors and throttles, in total and per minute.
 */
const metrics = platformMetrics();

const minutesMessage = `must be an integer from ${HEALTH_MINUTES.min} to ${HEALTH_MINUTES.max}`;
const query = z.strictObject({
  minutes: z._default(
    z.coerce
      .number({ error: minutesMessage })
      .check(z.multipleOf(1, { error: minutesMessage }), z.minimum(HEALTH_MINUTES.min, { error: minutesMessage }), z.maximum(HEALTH_MINUTES.max, { error: minutesMessage })),
    HEALTH_MINUTES.default,
  ),
});

const round = (value: number | null, digits: number): number | null => (value === null ? null : Number(value.toFixed(digits)));

const presentFigures = (figures: HealthFigures) => ({
  payments_per_second: round(figures.paymentsPerSecond, 4),
  authorization_rate: round(figures.authorizationRate, 4),
  latency_p50_ms: round(figures.latencyP50Ms, 1),
  latency_p99_ms: round(figures.latencyP99Ms, 1),
  server_errors: figures.serverErrors,
  function_errors: figures.functionErrors,
  throttles: figures.throttles,
});

export const handler = operatorQueryEndpoint({
  operation: 'opsGetHealth',
  query,
  handle: async (request) => {
    const health = await readPlatformHealth({ metrics, now: () => new Date() }, { minutes: request.query.minutes });
    return {
      status: 200,
      body: {
        object: 'platform_health',
        start: health.start.toISOString(),
        end: health.end.toISOString(),
        minutes: health.minutes,
        totals: {
          payments_requested: health.totals.paymentsRequested,
          payments_authorized: health.totals.authorized,
          payments_failed_unauthorized: health.totals.failedUnauthorized,
          ...presentFigures(health.totals),
        },
        per_minute: health.perMinute.map((minute) => ({ at: minute.at.toISOString(), ...presentFigures(minute) })),
      },
    };
  },
});
