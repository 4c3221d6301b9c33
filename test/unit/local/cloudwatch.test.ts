import { MetricStatError, MetricStore, embeddedMetricsOf, getMetricData, statisticOf } from '../../../local/cloudwatch';

/**
 * The local CloudWatch (decision 0041): statistics as CloudWatch defines them, EMF lines read as the
 * specification lays them out, GetMetricData's wire shape (epoch seconds, newest first by default).
 */
const MINUTE = 60_000;
const at = (minute: number, second = 0) => Date.UTC(2026, 11, 7, 10, minute, second);

describe('statisticOf', () => {
  it.each([
    ['Sum', [1, 2, 3, 4], 10],
    ['SampleCount', [1, 2, 3, 4], 4],
    ['Average', [1, 2, 3, 4], 2.5],
    ['Minimum', [3, 1, 2], 1],
    ['Maximum', [3, 1, 2], 3],
    ['p50', [40, 10, 30, 20], 20],
    ['p99', Array.from({ length: 100 }, (_, index) => index + 1), 99],
    ['p99', [5, 700], 700],
    ['p100', [5, 700], 700],
  ])('%s of %j is %d', (stat, values, expected) => {
    expect(statisticOf(stat, values)).toBe(expected);
  });

  it('has no datapoint without samples, and refuses a statistic it does not know', () => {
    expect(statisticOf('Sum', [])).toBeUndefined();
    expect(() => statisticOf('tm99', [1])).toThrow(MetricStatError);
  });
});

describe('MetricStore', () => {
  const metric = { namespace: 'AWS/ApiGateway', name: 'Latency', dimensions: { ApiName: 'a', Stage: 'prod' } };

  it('aggregates samples into the asked periods, only for exactly the asked dimensions', () => {
    const store = new MetricStore();
    store.record({ ...metric, timestamp: at(0, 10), values: [10] });
    store.record({ ...metric, timestamp: at(0, 50), values: [30] });
    store.record({ ...metric, timestamp: at(2, 5), values: [100, 200] });
    store.record({ ...metric, dimensions: { ApiName: 'a' }, timestamp: at(0, 10), values: [9999] });
    const minute = store.query({ ...metric, periodSeconds: 60, stat: 'Sum' }, new Date(at(0)), new Date(at(3)));
    expect(minute).toEqual({ timestamps: [new Date(at(0)), new Date(at(2))], values: [40, 300] });
    const whole = store.query({ ...metric, periodSeconds: 180, stat: 'Maximum' }, new Date(at(0)), new Date(at(3)));
    expect(whole).toEqual({ timestamps: [new Date(at(0))], values: [200] });
    expect(store.query({ ...metric, dimensions: {}, periodSeconds: 60, stat: 'Sum' }, new Date(at(0)), new Date(at(3))).values).toEqual([]);
  });

  it('forgets what is older than its retention, and refuses periods that are not whole minutes', () => {
    const store = new MetricStore(10);
    store.record({ ...metric, timestamp: at(0), values: [1] });
    store.record({ ...metric, timestamp: at(0) + 11 * MINUTE, values: [2] });
    expect(store.query({ ...metric, periodSeconds: 60, stat: 'Sum' }, new Date(at(0)), new Date(at(15))).values).toEqual([2]);
    expect(() => store.query({ ...metric, periodSeconds: 30, stat: 'Sum' }, new Date(at(0)), new Date(at(1)))).toThrow('multiple of 60');
  });
});

describe('embeddedMetricsOf', () => {
  const line = JSON.stringify({
    _aws: { Timestamp: at(1), CloudWatchMetrics: [{ Namespace: 'xborder', Dimensions: [['service']], Metrics: [{ Name: 'PaymentsAuthorized', Unit: 'Count' }, { Name: 'Latencies', Unit: 'Milliseconds' }] }] },
    service: 'xborder-local',
    PaymentsAuthorized: 3,
    Latencies: [12, 15],
    table: 'payments',
  });

  it('reads each metric with its dimension values and timestamp; the writing function names the service', () => {
    expect(embeddedMetricsOf(line, 'xborder-build-events')).toEqual([
      { namespace: 'xborder', name: 'PaymentsAuthorized', dimensions: { service: 'xborder-build-events' }, timestamp: at(1), values: [3] },
      { namespace: 'xborder', name: 'Latencies', dimensions: { service: 'xborder-build-events' }, timestamp: at(1), values: [12, 15] },
    ]);
    expect(embeddedMetricsOf(line)[0]?.dimensions).toEqual({ service: 'xborder-local' });
  });

  it('reads nothing from a line that is not EMF', () => {
    expect(embeddedMetricsOf('{"level":"INFO","message":"request handled"}')).toEqual([]);
    expect(embeddedMetricsOf('{"_aws": broken')).toEqual([]);
    expect(embeddedMetricsOf('plain text with "_aws"')).toEqual([]);
  });
});

describe('getMetricData', () => {
  it("answers in CloudWatch's wire shape: epoch seconds, newest first unless asked otherwise; refuses metric math", () => {
    const store = new MetricStore();
    const metric = { namespace: 'AWS/Lambda', name: 'Errors', dimensions: {} };
    store.record({ ...metric, timestamp: at(0), values: [1] });
    store.record({ ...metric, timestamp: at(1), values: [1, 1] });
    const query = { Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' } };
    const window = { StartTime: at(0) / 1000, EndTime: at(2) / 1000 };
    expect(getMetricData(store, { MetricDataQueries: [query], ...window })).toEqual({
      MetricDataResults: [{ Id: 'errors', Label: 'Errors', Timestamps: [at(1) / 1000, at(0) / 1000], Values: [2, 1], StatusCode: 'Complete' }],
      Messages: [],
    });
    const ascending = getMetricData(store, { MetricDataQueries: [query], ...window, ScanBy: 'TimestampAscending' }) as { MetricDataResults: { Values: number[] }[] };
    expect(ascending.MetricDataResults[0]?.Values).toEqual([1, 2]);
    expect(() => getMetricData(store, { MetricDataQueries: [{ Id: 'rate', Expression: 'm1 / m2' }], ...window })).toThrow(MetricStatError);
  });
});
