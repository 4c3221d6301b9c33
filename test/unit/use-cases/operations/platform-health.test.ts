import type { MetricRequest, MetricSeries, PlatformMetrics } from '../../../../lambdas/ports/platform-metrics';
import { HEALTH_METRICS, readPlatformHealth } from '../../../../lambdas/use-cases/operations/platform-health';

/**
 * The health figures from the metrics (decision 0041): one read, rates from counts over the time that has run,
 * percentiles of the window asked of the store (they do not add up from minutes).
 */
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 11, 7, 10, minute, second));

/** Metrics that answer the given series by request id, and remember what they were asked. */
const metricsAnswering = (series: Record<string, MetricSeries['points']>) => {
  const asked: { requests: readonly MetricRequest[]; start: Date; end: Date }[] = [];
  const metrics: PlatformMetrics = {
    read: async (requests, start, end) => {
      asked.push({ requests, start, end });
      return new Map(requests.map((request) => [request.id, { points: series[request.id] ?? [] }]));
    },
  };
  return { metrics, asked };
};

describe('readPlatformHealth', () => {
  it('asks once for every figure, per minute and over the window that ends with the minute under way', async () => {
    const { metrics, asked } = metricsAnswering({});
    await readPlatformHealth({ metrics, now: () => at(10, 30) }, { minutes: 15 });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ start: at(-4), end: at(11) });
    const byId = Object.fromEntries(asked[0]?.requests.map((request) => [request.id, request]) ?? []);
    expect(byId.requests).toEqual({ id: 'requests', metric: HEALTH_METRICS.requests, stat: 'Sum', periodSeconds: 60 });
    expect(byId.windowLatencyP99).toEqual({ id: 'windowLatencyP99', metric: HEALTH_METRICS.latency, stat: 'p99', periodSeconds: 900 });
    expect(HEALTH_METRICS.requests.dimensions).toEqual({ ApiName: 'xborder-merchant-api', Stage: 'prod', Method: 'POST', Resource: '/v1/payments' });
    expect(HEALTH_METRICS.authorized.dimensions).toEqual({ service: 'xborder-build-events' });
  });

  it('turns counts into rates over the time that has run, and says null where there is nothing to divide', async () => {
    const { metrics } = metricsAnswering({
      requests: [{ at: at(8), value: 120 }, { at: at(10), value: 30 }],
      authorized: [{ at: at(8), value: 90 }, { at: at(10), value: 20 }],
      failedUnauthorized: [{ at: at(8), value: 10 }],
      latencyP50: [{ at: at(8), value: 210 }],
      latencyP99: [{ at: at(8), value: 900 }],
      serverErrors: [{ at: at(10), value: 2 }],
      functionErrors: [{ at: at(9), value: 1 }],
      windowLatencyP50: [{ at: at(8), value: 205 }],
      windowLatencyP99: [{ at: at(8), value: 950 }],
    });
    const health = await readPlatformHealth({ metrics, now: () => at(10, 30) }, { minutes: 3 });
    expect(health.totals).toEqual({
      paymentsRequested: 150,
      authorized: 110,
      failedUnauthorized: 10,
      // 150 requests over the 150 s from 10:08:00 to 10:10:30.
      paymentsPerSecond: 1,
      authorizationRate: 110 / 120,
      latencyP50Ms: 205,
      latencyP99Ms: 950,
      serverErrors: 2,
      functionErrors: 1,
      throttles: 0,
    });
    expect(health.perMinute.map((minute) => [minute.at, minute.paymentsPerSecond, minute.authorizationRate, minute.latencyP50Ms])).toEqual([
      [at(8), 2, 0.9, 210],
      [at(9), 0, null, null],
      // The minute under way: 30 requests in its first 30 s.
      [at(10), 1, 1, null],
    ]);
  });
});
