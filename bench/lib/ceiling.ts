import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { ensureTables } from '../../local/tables';
import { deployment } from '../../platform/deployment';
import { WRITE_OPERATIONS, type RecordedRequest } from './capacity-proxy';

/**
 * The ceiling of this machine for the payment write pattern: the DynamoDB requests the platform made
 * during the measured run (recorded by the counting proxy, in order, the platform's tables only) are
 * replayed straight against a fresh in-memory DynamoDB Local with the same tables, by `concurrency`
 * workers taking them in order, with nothing else running. payments/s = payments in the run ÷ replay
 * time: how fast this machine could go if DynamoDB Local were the only work a payment needed. The run's
 * own payments/s divided by it says how far the rest (handlers, engine, HTTP, simulators) is from it.
 *
 * A fresh JVM is slow until its JIT has warmed up, so the start of the write pattern is first replayed
 * into a separate set of tables (DynamoDB Local keeps tables per access key), unmeasured; each measured
 * pattern then gets its own empty tables. To bound the time it takes, a pattern longer than
 * `maxRequests` is replayed from its start up to that many requests, and counts as that share of the
 * run's payments (requests are recorded in order, so a prefix is a whole stretch of the run).
 */
export interface CeilingResult {
  readonly pattern: 'writes' | 'all';
  readonly requests: number;
  /** Requests of this pattern in the run; `requests` is all of them or the first `maxRequests`. */
  readonly requests_in_run: number;
  /** The run's payments times requests ÷ requests_in_run. */
  readonly payments_equivalent: number;
  readonly by_operation: Record<string, number>;
  readonly seconds: number;
  readonly requests_per_second: number;
  readonly payments_per_second: number;
  /** Requests DynamoDB Local refused in the replay (conditions that held differently on a fresh database). */
  readonly refused: number;
}

export interface CeilingReport {
  readonly concurrency: number;
  readonly writes: CeilingResult;
  readonly all_requests: CeilingResult;
}

const WRITES = new Set<string>(WRITE_OPERATIONS);

export const replayCeiling = async (
  recorded: readonly RecordedRequest[],
  options: { readonly payments: number; readonly concurrency: number; readonly platformTables: ReadonlySet<string>; readonly maxRequests?: number },
): Promise<CeilingReport> => {
  const platform = recorded.filter((request) => request.tables.length > 0 && request.tables.every((table) => options.platformTables.has(table)));
  const writes = platform.filter((request) => WRITES.has(request.operation));
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const dynamoDb = await startDynamoDbLocal({ sharedDb: false });
  try {
    const replay = async (namespace: string, requests: readonly RecordedRequest[]) => {
      await ensureTables(new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: deployment.primaryRegion, credentials: { accessKeyId: namespace, secretAccessKey: 'local' } }));
      const authorization = `AWS4-HMAC-SHA256 Credential=${namespace}/20260101/${deployment.primaryRegion}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`;
      let next = 0;
      let refused = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < requests.length) {
            const request = requests[next] as RecordedRequest;
            next += 1;
            const response = await fetch(dynamoDb.endpoint, {
              method: 'POST',
              headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `DynamoDB_20120810.${request.operation}`, Authorization: authorization },
              body: request.body,
            });
            await response.arrayBuffer();
            if (!response.ok) refused += 1;
          }
        }),
      );
      return { seconds: (performance.now() - started) / 1000, refused };
    };
    const measure = async (pattern: CeilingResult['pattern'], all: readonly RecordedRequest[]): Promise<CeilingResult> => {
      const requests = all.slice(0, limit);
      const measured = await replay(pattern, requests);
      const byOperation: Record<string, number> = {};
      for (const request of requests) byOperation[request.operation] = (byOperation[request.operation] ?? 0) + 1;
      const payments = all.length ? (options.payments * requests.length) / all.length : 0;
      return {
        pattern,
        requests: requests.length,
        requests_in_run: all.length,
        payments_equivalent: payments,
        by_operation: byOperation,
        seconds: measured.seconds,
        requests_per_second: requests.length / measured.seconds,
        payments_per_second: payments / measured.seconds,
        refused: measured.refused,
      };
    };
    await replay('warmup', writes.slice(0, Math.min(limit, 3_000)));
    const writesResult = await measure('writes', writes);
    const allResult = await measure('all', platform);
    return { concurrency: options.concurrency, writes: writesResult, all_requests: allResult };
  } finally {
    await dynamoDb.stop();
  }
};
