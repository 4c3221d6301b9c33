/**
 * The platform's metrics as CloudWatch keeps them (GetMetricData): the same API in AWS and locally, where
 * local/cloudwatch.ts is fed the same metrics (decision 0041). Read-only.
 */
export interface MetricIdentity {
  readonly namespace: string;
  readonly name: string;
  /** Exactly the metric's dimensions: CloudWatch matches the whole set. */
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface MetricRequest {
  /** Unique within one read; starts with a lower-case letter (CloudWatch's rule for query ids). */
  readonly id: string;
  readonly metric: MetricIdentity;
  /** `Sum`, `Average`, `SampleCount`, `p50`, `p99`... */
  readonly stat: string;
  /** A multiple of 60. */
  readonly periodSeconds: number;
}

export interface MetricSeries {
  /** Oldest first; periods without data have no point. */
  readonly points: readonly { readonly at: Date; readonly value: number }[];
}

export interface PlatformMetrics {
  /** All requests in one call, between `start` (inclusive) and `end` (exclusive). */
  read(requests: readonly MetricRequest[], start: Date, end: Date): Promise<ReadonlyMap<string, MetricSeries>>;
}
