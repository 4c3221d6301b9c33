import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../lambdas/adapters/dynamodb/audit-log';
import { type ChainId, type ChainReport, ChainVerifier } from '../lambdas/domain/audit';
import { verifyAuditChains } from '../lambdas/use-cases/audit-trail';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * `npm run audit:verify`: checks every link of the audit log's hash chains and reports the first broken
 * link of each chain (exit 1), or proves them intact (exit 0). docs/decisions/0008-audit-log.md.
 *   --merchant ID      one merchant's chains (every stripe, both regions); default: every chain in the table
 *   --endpoint URL     a DynamoDB endpoint
 *   --aws              AWS with the default credentials and region (AWS_REGION, or --region)
 *   (neither)          the local runtime's DynamoDB from <state-dir>/runtime.json if `npm start` wrote one, else AWS
 *   --state-dir DIR    default .local
 *   --region REGION    default AWS_REGION, else the primary region
 *   --table NAME       default the declared audit table
 *   --json             print the reports as JSON
 * Each chain's head (last good seq and hash) is printed: compare it with the log lines carrying that
 * chain's `audit_chain` (the anchors, docs/operations.md) to detect a chain whose tail was cut or rewritten.
 */
const { values } = parseArgs({
  options: {
    merchant: { type: 'string' },
    endpoint: { type: 'string' },
    aws: { type: 'boolean', default: false },
    'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
    region: { type: 'string' },
    table: { type: 'string', default: tableName('audit') },
    json: { type: 'boolean', default: false },
  },
});

const target = (): { endpoint?: string; label: string } => {
  if (values.endpoint) return { endpoint: values.endpoint, label: values.endpoint };
  if (values.aws) return { label: 'AWS' };
  const runtimeFile = resolve(values['state-dir'], 'runtime.json');
  if (existsSync(runtimeFile)) {
    const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { dynamoDbEndpoint?: string };
    if (runtime.dynamoDbEndpoint) return { endpoint: runtime.dynamoDbEndpoint, label: `local runtime (${runtime.dynamoDbEndpoint}, from ${runtimeFile})` };
  }
  return { label: 'AWS' };
};

/** Every chain that holds at least one entry (a parallel scan of the keys only). */
const discoverChains = async (client: DynamoDBDocumentClient, table: string): Promise<ChainId[]> => {
  const keys = new Set<string>();
  const segments = 4;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: table, Segment: segment, TotalSegments: segments, ProjectionExpression: 'pk', ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) keys.add(item.pk as string);
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return [...keys]
    .map((key) => /^chain#([^#]+)#([^#]+)#(\d+)$/.exec(key))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ merchantId: match[1] as string, region: match[2] as string, stripe: Number(match[3]) }))
    .sort((a, b) => `${a.merchantId}/${a.region}/${String(a.stripe).padStart(3, '0')}`.localeCompare(`${b.merchantId}/${b.region}/${String(b.stripe).padStart(3, '0')}`));
};

const main = async (): Promise<number> => {
  const { endpoint, label } = target();
  const region = values.region ?? (process.env.AWS_REGION || deployment.primaryRegion);
  const client = new DynamoDBClient({
    region,
    ...(endpoint
      ? { endpoint, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local' } }
      : {}),
  });
  const documentClient = DynamoDBDocumentClient.from(client);
  const log = new DynamoDbAuditLog(documentClient, values.table, region);
  let reports: ChainReport[];
  if (values.merchant) {
    reports = await verifyAuditChains({ audit: log }, { merchantId: values.merchant, regions: [deployment.primaryRegion, deployment.secondaryRegion] });
  } else {
    reports = [];
    for (const chain of await discoverChains(documentClient, values.table)) {
      const verifier = new ChainVerifier(chain);
      for await (const entry of log.read(chain)) if (!verifier.check(entry)) break;
      reports.push(verifier.report());
    }
  }
  client.destroy();
  const brokenReports = reports.filter((report) => report.broken !== null);
  const written = reports.filter((report) => report.entries > 0 || report.broken);
  if (values.json) {
    console.log(JSON.stringify({ target: label, table: values.table, ok: brokenReports.length === 0, chains: written }, null, 2));
  } else {
    console.log(`Audit log ${values.table} on ${label}${values.merchant ? `, merchant ${values.merchant}` : ''}`);
    const entries = reports.reduce((sum, report) => sum + report.entries, 0);
    console.log(`  ${written.length} chain(s) with entries, ${entries} entries checked`);
    for (const report of written) {
      const chain = `${report.merchant_id} ${report.region}/${report.stripe}`;
      if (report.broken) {
        console.log(`  - BROKEN ${chain}: first broken link at seq ${report.broken.seq} (${report.broken.reason}): ${report.broken.detail}`);
      } else {
        console.log(`  - ok     ${chain}: ${report.entries} entries, head seq ${report.head?.seq} ${report.head?.hash}`);
      }
    }
    console.log(brokenReports.length === 0 ? '  OK: every link holds.' : `  ${brokenReports.length} broken chain(s).`);
  }
  return brokenReports.length === 0 ? 0 : 1;
};

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  });
