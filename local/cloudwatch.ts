import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AlarmDeclaration, declaredAlarmContext, platformAlarms } from '../platform/alarms';
import { deployment } from '../platform/deployment';
import { functionName } from '../platform/functions';
import { type DescribeAlarmsInput, LocalAlarms } from './cloudwatch-alarms';
import { readBody } from './http-body';
import { invocationIdentity } from './iam/function-permissions';
import { listenLocally } from './ports';

/**
 * A CloudWatch metrics stand-in on 127.0.0.1 (decision 0041): the metrics the platform emits in AWS, kept in
 * memory per minute, and `GetMetricData` answered in CloudWatch's own protocol (AWS JSON 1.0,
 * `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, timestamps as epoch seconds), so the operator
 * API's health route runs the AWS SDK's own client unchanged through `AWS_ENDPOINT_URL_CLOUDWATCH`.
 *
 * Fed with what CloudWatch receives in AWS:
 * - the functions' embedded-metric-format lines (Powertools metrics: the events builder's `PaymentsAuthorized`,
 *   `PaymentsFailedUnauthorized`, the endpoints' `ServerErrors`...), taken from the process's stdout as the
 *   Lambda service takes them from a function's output (`tapEmbeddedMetrics`); the `service` dimension is the
 *   writing function's name, as lib/ sets POWERTOOLS_SERVICE_NAME per function (locally all functions share one
 *   process environment, so the invocation's identity says which function wrote the line);
 * - API Gateway's per-method `Count`, `Latency`, `5XXError` and `4XXError` of each request the merchant API
 *   emulator serves (local/api-gateway.ts), with the stage's detailed-metrics dimensions;
 * - Lambda's `Errors` of each failed invocation (local/lambda-host.ts), account-wide and per function.
 *
 * - Step Functions' `ExecutionsStarted`, `ExecutionsSucceeded`, `ExecutionsFailed`, `ExecutionsTimedOut` and
 *   `ExecutionsAborted` of each execution the local engine runs (local/step-functions/engine.ts).
 *
 * It also holds the platform's alarms (platform/alarms.ts, the same declarations lib/ deploys), evaluates them
 * every minute and on every read, and answers `DescribeAlarms` (local/cloudwatch-alarms.ts, decision 0050).
 *
 * Only `MetricStat` queries (no metric math, no SEARCH), periods that are whole minutes, statistics Sum,
 * SampleCount, Average, Minimum, Maximum and percentiles `pNN` (nearest rank over the samples, where CloudWatch
 * estimates). Buckets start at StartTime rounded down to the minute. Data older than `retentionMinutes` is
 * dropped. Signatures are not verified (like the local KMS).
 */
export interface MetricDatum {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly values: readonly number[];
}

export interface MetricStatQuery {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly periodSeconds: number;
  readonly stat: string;
}

interface MinuteBucket {
  readonly values: number[];
}

const MINUTE_MS = 60_000;
const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;

/** A series is a namespace, a name and exactly one set of dimensions, as in CloudWatch. */
const seriesKey = (namespace: string, name: string, dimensions: Readonly<Record<string, string>>): string =>
  JSON.stringify([namespace, name, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);

export class MetricStatError extends Error {
  override readonly name = 'InvalidParameterValueException';
}

/** The statistic of one bucket's samples, or undefined when CloudWatch would return no datapoint. */
export const statisticOf = (stat: string, values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  switch (stat) {
    case 'Sum':
      return values.reduce((total, value) => total + value, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((total, value) => total + value, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
  }
  const percentile = PERCENTILE.exec(stat);
  if (!percentile) throw new MetricStatError(`The statistic ${stat} is not supported by the local CloudWatch`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
};

export class MetricStore {
  private readonly series = new Map<string, Map<number, MinuteBucket>>();

  constructor(private readonly retentionMinutes = 24 * 60) {}

  record(datum: MetricDatum): void {
    if (datum.values.length === 0) return;
    const key = seriesKey(datum.namespace, datum.name, datum.dimensions);
    let buckets = this.series.get(key);
    if (!buckets) {
      buckets = new Map();
      this.series.set(key, buckets);
    }
    const minute = Math.floor(datum.timestamp / MINUTE_MS) * MINUTE_MS;
    let bucket = buckets.get(minute);
    if (!bucket) {
      bucket = { values: [] };
      buckets.set(minute, bucket);
      this.expire(buckets, minute);
    }
    bucket.values.push(...datum.values);
  }

  private expire(buckets: Map<number, MinuteBucket>, newest: number): void {
    const oldest = newest - this.retentionMinutes * MINUTE_MS;
    for (const minute of buckets.keys()) if (minute < oldest) buckets.delete(minute);
  }

  /** The datapoints of one query between start (inclusive) and end (exclusive), oldest first; empty periods have none. */
  query(query: MetricStatQuery, start: Date, end: Date): { timestamps: Date[]; values: number[] } {
    if (!Number.isInteger(query.periodSeconds) || query.periodSeconds <= 0 || query.periodSeconds % 60 !== 0) {
      throw new MetricStatError(`The period ${query.periodSeconds} must be a multiple of 60 seconds`);
    }
    statisticOf(query.stat, [0]);
    const buckets = this.series.get(seriesKey(query.namespace, query.name, query.dimensions));
    const periodMs = query.periodSeconds * 1000;
    const first = Math.floor(start.getTime() / MINUTE_MS) * MINUTE_MS;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let periodStart = first; periodStart < end.getTime(); periodStart += periodMs) {
      const samples: number[] = [];
      for (let minute = periodStart; minute < periodStart + periodMs && minute < end.getTime(); minute += MINUTE_MS) {
        const bucket = buckets?.get(minute);
        if (bucket) samples.push(...bucket.values);
      }
      const value = statisticOf(query.stat, samples);
      if (value === undefined) continue;
      timestamps.push(new Date(periodStart));
      values.push(value);
    }
    return { timestamps, values };
  }
}

/**
 * The metrics of one embedded-metric-format line (the CloudWatch EMF specification: `_aws.CloudWatchMetrics`
 * directives, each metric's value or values at the top level, each dimension set's values too), or none if the
 * line is not one. `service`, when given, replaces the `service` dimension (see above).
 */
export const embeddedMetricsOf = (line: string, service?: string): MetricDatum[] => {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return [];
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const metadata = record._aws as { Timestamp?: number; CloudWatchMetrics?: unknown } | undefined;
  if (!metadata || !Array.isArray(metadata.CloudWatchMetrics)) return [];
  const timestamp = typeof metadata.Timestamp === 'number' ? metadata.Timestamp : Date.now();
  const fields = service !== undefined && 'service' in record ? { ...record, service } : record;
  const data: MetricDatum[] = [];
  for (const directive of metadata.CloudWatchMetrics as { Namespace?: string; Dimensions?: string[][]; Metrics?: { Name?: string }[] }[]) {
    if (typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets = Array.isArray(directive.Dimensions) && directive.Dimensions.length ? directive.Dimensions : [[]];
    for (const set of dimensionSets) {
      const dimensions = Object.fromEntries(set.map((name) => [name, String(fields[name])]));
      for (const metric of directive.Metrics) {
        if (typeof metric.Name !== 'string') continue;
        const raw = fields[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
        if (values.length) data.push({ namespace: directive.Namespace, name: metric.Name, dimensions, timestamp, values });
      }
    }
  }
  return data;
};

/**
 * Takes the EMF lines out of the process's stdout into the store, as Lambda hands them to CloudWatch (a line
 * written inside a function's invocation carries that function's name as `service`). They are not printed
 * unless `keepLines` (the bench counts them as log bytes); everything else passes through. Returns the undo.
 */
export const tapEmbeddedMetrics = (store: MetricStore, options: { readonly keepLines?: boolean } = {}): (() => void) => {
  const stdout = process.stdout;
  const original = stdout.write;
  const tapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
    if (text.includes('"_aws"')) {
      const key = invocationIdentity.getStore();
      const service = key ? functionName(deployment.appName, key) : undefined;
      const lines = text.split('\n');
      const kept: string[] = [];
      for (const line of lines) {
        const metrics = embeddedMetricsOf(line, service);
        for (const datum of metrics) store.record(datum);
        if (!metrics.length || options.keepLines) kept.push(line);
      }
      const passed = kept.join('\n');
      if (!passed.trim()) {
        const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(this, passed, ...rest);
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  stdout.write = tapped as typeof stdout.write;
  return () => {
    if (stdout.write === tapped) stdout.write = original;
  };
};

export interface LocalCloudWatch {
  /** AWS_ENDPOINT_URL_CLOUDWATCH. */
  readonly url: string;
  readonly store: MetricStore;
  readonly alarms: LocalAlarms;
  stop(): Promise<void>;
}

const TARGET = 'GraniteServiceVersion20100801.';

interface WireQuery {
  Id?: string;
  Label?: string;
  ReturnData?: boolean;
  Expression?: string;
  MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }; Period?: number; Stat?: string };
}

const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
};

const sendError = (response: ServerResponse, type: string, message: string): void =>
  send(response, 400, { __type: type, message }, { 'x-amzn-ErrorType': type });

/** GetMetricData's answer for the store: one result per query that returns data, newest first unless ScanBy says otherwise. */
export const getMetricData = (store: MetricStore, input: Record<string, unknown>): Record<string, unknown> => {
  const queries = (Array.isArray(input.MetricDataQueries) ? input.MetricDataQueries : []) as WireQuery[];
  if (queries.length === 0 || queries.length > 500) throw new MetricStatError('MetricDataQueries must hold 1 to 500 queries');
  if (typeof input.StartTime !== 'number' || typeof input.EndTime !== 'number' || input.StartTime >= input.EndTime) {
    throw new MetricStatError('StartTime must be before EndTime');
  }
  const start = new Date(input.StartTime * 1000);
  const end = new Date(input.EndTime * 1000);
  const ascending = input.ScanBy === 'TimestampAscending';
  const results = queries
    .filter((query) => query.ReturnData !== false)
    .map((query) => {
      if (!query.Id || !query.MetricStat?.Metric?.Namespace || !query.MetricStat.Metric.MetricName || !query.MetricStat.Stat || !query.MetricStat.Period) {
        throw new MetricStatError(`Query ${query.Id ?? '?'}: the local CloudWatch answers MetricStat queries only (no Expression)`);
      }
      const { Metric, Period, Stat } = query.MetricStat;
      const dimensions = Object.fromEntries((Metric.Dimensions ?? []).map((dimension) => [String(dimension.Name), String(dimension.Value)]));
      const data = store.query({ namespace: Metric.Namespace as string, name: Metric.MetricName as string, dimensions, periodSeconds: Period, stat: Stat }, start, end);
      const order = ascending ? data.timestamps.map((_, index) => index) : data.timestamps.map((_, index) => data.timestamps.length - 1 - index);
      return {
        Id: query.Id,
        Label: query.Label ?? Metric.MetricName,
        Timestamps: order.map((index) => (data.timestamps[index] as Date).getTime() / 1000),
        Values: order.map((index) => data.values[index] as number),
        StatusCode: 'Complete',
      };
    });
  return { MetricDataResults: results, Messages: [] };
};

export const startLocalCloudWatch = async (
  options: {
    readonly port?: number;
    readonly store?: MetricStore;
    /** The region whose alarms it holds (default the primary). */
    readonly region?: string;
    /** Default: every alarm platform/alarms.ts declares for the region. */
    readonly alarms?: readonly AlarmDeclaration[];
  } = {},
): Promise<LocalCloudWatch> => {
  const store = options.store ?? new MetricStore();
  const region = options.region ?? deployment.primaryRegion;
  const alarms = new LocalAlarms(store, options.alarms ?? platformAlarms(declaredAlarmContext(region)), { region });
  alarms.start();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    readBody(request, { maxBytes: 1024 * 1024, tooLarge: () => new MetricStatError('request too large') })
      .then((body) => {
        const input = JSON.parse(body || '{}') as Record<string, unknown>;
        if (request.method === 'POST' && target === `${TARGET}GetMetricData`) send(response, 200, getMetricData(store, input));
        else if (request.method === 'POST' && target === `${TARGET}DescribeAlarms`) send(response, 200, alarms.describe(input as DescribeAlarmsInput));
        else sendError(response, 'UnknownOperationException', `The local CloudWatch answers GetMetricData and DescribeAlarms only, not ${target || request.method}`);
      })
      .catch((error: unknown) => {
        if (error instanceof MetricStatError) sendError(response, error.name, error.message);
        else sendError(response, 'InternalServiceError', error instanceof Error ? error.message : String(error));
      });
  });
  const url = await listenLocally(server, options.port);
  return {
    url,
    store,
    alarms,
    stop: () =>
      new Promise<void>((resolve) => {
        alarms.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
