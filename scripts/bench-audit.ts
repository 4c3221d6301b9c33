import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../lambdas/adapters/dynamodb/audit-log';
import { AUDIT_STRIPES, type AuditRecord } from '../lambdas/domain/audit';
import { verifyAuditChains } from '../lambdas/use-cases/audit-trail';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startDynamoDbFaultProxy } from '../local/faults/dynamodb-fault-proxy';
import { ensureTables } from '../local/tables';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * `npm run bench:audit`: how fast one merchant's audit log takes appends as concurrency grows, with one chain
 * per merchant and region (--stripes 1) and with the declared AUDIT_STRIPES chains
 * (docs/decisions/0008-audit-log.md). Each scenario runs --appends appends to a fresh merchant from
 * `--concurrency` workers, each worker its own adapter instance (one per Lambda instance, so no shared
 * head cache), against its own DynamoDB Local. Every request goes through the fault proxy with
 * --rtt-ms of added latency, standing for the network round trip to DynamoDB that makes races likely
 * in AWS (DynamoDB Local answers in about a millisecond and serializes requests, which hides them).
 * Reports appends/s, lost races and head queries per append, p50/p99 latency, and verifies every chain.
 */
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,4,16,32' },
    stripes: { type: 'string', default: `1,${AUDIT_STRIPES}` },
    appends: { type: 'string', default: '400' },
    'rtt-ms': { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results/audit.json' },
  },
});
const levels = values.concurrency.split(',').map(Number);
const stripeCounts = values.stripes.split(',').map(Number);
const total = Number(values.appends);
const rttMs = Number(values['rtt-ms']);

const record = (merchantId: string, index: number): AuditRecord => ({
  merchant_id: merchantId,
  actor: { type: 'merchant', merchant_id: merchantId, api_key: 'key_benchbenchbenchbe' },
  action: 'payment.create',
  target: { type: 'payment', id: `pay_${index}` },
  request_id: `req-${index}`,
  command_id: `cmd_${index}`,
  before: null,
  after: { id: `pay_${index}`, object: 'payment', status: 'processing', amount: 1999, currency: 'BRL', metadata: { order: `A-${index}` } },
});

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const main = async () => {
  const dynamoDb = await startDynamoDbLocal({ port: 0 });
  const proxy = await startDynamoDbFaultProxy(dynamoDb.endpoint);
  if (rttMs > 0) proxy.inject({ operation: 'PutItem', delayMs: rttMs });
  if (rttMs > 0) proxy.inject({ operation: 'Query', delayMs: rttMs });
  const client = new DynamoDBClient({ endpoint: proxy.endpoint, region: deployment.primaryRegion, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await ensureTables(client, ['audit']);
  const results = [];
  try {
    for (const stripes of stripeCounts) for (const concurrency of levels) {
      const merchantId = `mer_bench_s${stripes}_c${concurrency}`;
      const workers = Array.from({ length: concurrency }, () => new DynamoDbAuditLog(documentClient, tableName('audit'), deployment.primaryRegion, undefined, stripes));
      const latencies: number[] = [];
      let failed = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        workers.map(async (log) => {
          while (next < total) {
            const index = next++;
            const begun = performance.now();
            try {
              await log.append(record(merchantId, index));
              latencies.push(performance.now() - begun);
            } catch (error) {
              // Starved: lost every race it tried (AuditAppendContendedError). Counted, not fatal.
              if (!(error instanceof Error && error.name === 'AuditAppendContendedError')) throw error;
              failed += 1;
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const reports = await verifyAuditChains({ audit: workers[0] as DynamoDbAuditLog }, { merchantId, regions: [deployment.primaryRegion] });
      const sum = (field: 'conflicts' | 'headQueries') => workers.reduce((count, log) => count + log.stats[field], 0);
      latencies.sort((a, b) => a - b);
      const result = {
        stripes,
        concurrency,
        appends: total,
        rttMs,
        appendsPerSecond: Math.round((total - failed) / seconds),
        starvedAppends: failed,
        lostRacesPerAppend: Number((sum('conflicts') / total).toFixed(2)),
        headQueriesPerAppend: Number((sum('headQueries') / total).toFixed(2)),
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
        chainsUsed: reports.filter((report) => report.entries > 0).length,
        chainsIntact: reports.every((report) => report.broken === null) && reports.reduce((sum, report) => sum + report.entries, 0) === total - failed,
      };
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    client.destroy();
    await proxy.stop();
    await dynamoDb.stop();
  }
  const out = resolve(values.out);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
