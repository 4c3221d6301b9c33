import { type CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricRequest, MetricSeries, PlatformMetrics } from '../../ports/platform-metrics';

/**
 * PlatformMetrics on CloudWatch's GetMetricData: one call for all the requests (up to 500 of them; the health
 * route asks about a dozen), following NextToken when CloudWatch pages the datapoints.
 */
export class CloudWatchPlatformMetrics implements PlatformMetrics {
  constructor(private readonly client: CloudWatchClient) {}

  async read(requests: readonly MetricRequest[], start: Date, end: Date): Promise<ReadonlyMap<string, MetricSeries>> {
    const points = new Map<string, { at: Date; value: number }[]>(requests.map((request) => [request.id, []]));
    let nextToken: string | undefined;
    do {
      const answer = await this.client.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
          MetricDataQueries: requests.map((request) => ({
            Id: request.id,
            MetricStat: {
              Metric: {
                Namespace: request.metric.namespace,
                MetricName: request.metric.name,
                Dimensions: Object.entries(request.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: request.periodSeconds,
              Stat: request.stat,
            },
          })),
        }),
      );
      for (const result of answer.MetricDataResults ?? []) collect(points, result);
      nextToken = answer.NextToken;
    } while (nextToken);
    return new Map([...points].map(([id, series]) => [id, { points: series.sort((a, b) => a.at.getTime() - b.at.getTime()) }]));
  }
}

const collect = (points: Map<string, { at: Date; value: number }[]>, result: MetricDataResult): void => {
  const series = points.get(result.Id ?? '');
  if (!series) return;
  (result.Timestamps ?? []).forEach((at, index) => {
    const value = result.Values?.[index];
    if (value !== undefined) series.push({ at, value });
  });
};
