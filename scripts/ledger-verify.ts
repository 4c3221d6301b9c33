import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyLedger } from '../lambdas/adapters/dynamodb/ledger-verifier';
import { deployment } from '../platform/deployment';
import { tableName } from '../platform/tables';

/**
 * `npm run ledger:verify`: proves the ledger consistent or lists every difference (exit 1).
 *   --endpoint URL     a DynamoDB endpoint (DynamoDB Local, the fault proxy...)
 *   --aws              AWS with the default credentials and region (AWS_REGION, or --region)
 *   (neither)          the local runtime's DynamoDB from <state-dir>/runtime.json if `npm start` wrote
 *                      one, else AWS
 *   --state-dir DIR    default .local
 *   --region REGION    default AWS_REGION, else the primary region
 *   --table NAME       default the declared ledger table
 *   --json             print the report as JSON
 *   --balances         also print the platform and channel balances derived from the journal, per writing
 *                      region and in all (they have no balance items: docs/decisions/0013-ledger-lean-postings.md)
 */
const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    aws: { type: 'boolean', default: false },
    'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
    region: { type: 'string' },
    table: { type: 'string', default: tableName('ledger') },
    json: { type: 'boolean', default: false },
    balances: { type: 'boolean', default: false },
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

const main = async (): Promise<number> => {
  const { endpoint, label } = target();
  const region = values.region ?? process.env.AWS_REGION ?? deployment.primaryRegion;
  const client = new DynamoDBClient({
    region,
    ...(endpoint
      ? { endpoint, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' } }
      : {}),
  });
  const documentClient = DynamoDBDocumentClient.from(client);
  const report = await verifyLedger(documentClient, values.table);
  if (values.json) {
    console.log(JSON.stringify({ target: label, region, table: values.table, ...report }, null, 2));
  } else {
    console.log(`Ledger ${values.table} on ${label} (${region})`);
    console.log(`  ${report.transactions} transactions, ${report.accounts} accounts, ${report.positions} positions, ${report.lines} statement lines`);
    if (values.balances) {
      console.log('  Platform and channel balances from the journal (normal side), per writing region:');
      for (const row of report.derivedBalances) {
        console.log(`    ${row.region.padEnd(14)} ${row.account.padEnd(48)} ${String(row.balance).padStart(16)}  (debits ${row.debits}, credits ${row.credits})`);
      }
    }
    if (report.differences.length === 0) {
      console.log('  OK: every transaction balances per currency; balance items, positions and lines match the journal.');
    } else {
      console.log(`  ${report.differences.length} difference(s):`);
      for (const difference of report.differences) console.log(`  - [${difference.kind}] ${difference.subject}: ${difference.detail}`);
    }
  }
  client.destroy();
  return report.differences.length === 0 ? 0 : 1;
};

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  });
