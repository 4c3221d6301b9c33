import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type HistoryEvent, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT } from '../../local/step-functions/arns';
import { deployment } from '../../platform/deployment';
import { stateMachineKeys, stateMachineName } from '../../platform/state-machines';
import { tableName } from '../../platform/tables';
import { findLeaks } from '../support/leak-detectors';

/**
 * Issue 5's leak test, by shape since issue 13. After the whole e2e suite has run against the runtime (cards
 * of every test number, beneficiaries on every rail, payouts, refunds, webhooks from the acquirers and the
 * banks), look for any card number (13-19 digits passing Luhn), any IBAN (country, length and mod 97) and
 * any CVC spelling holding a value (test/support/leak-detectors.ts says exactly what counts and what does
 * not), plus the beneficiary account numbers the suite used (they have no checksum to find them by), in:
 *   - every item of every table except the vault (which holds only envelope ciphertext), including the
 *     idempotency records (stored responses), the local Step Functions' executions and the card holds: a hold's
 *     only secret is one envelope ciphertext (binary, which no detector can read as a card number), while its
 *     metadata, its tombstone and the velocity counters beside it are in clear, so they are scanned like the rest;
 *   - every Step Functions execution's input, output and history event, read through the SFN API;
 *   - every line the runtime logged while serving (at INFO: the suite runs it with --verbose);
 *   - every API response the suite received (test/support/e2e.ts records them).
 * The acquirer and bank simulators are not scanned: they stand for the outside world, which must see the
 * numbers (an acquirer authorizes a card number; a bank file carries the account).
 *
 * Run by test/e2e/global-teardown.ts; a hit fails `npm test` and names where it was found (masked).
 */

/** The account identifiers the e2e suite gives beneficiaries (test/e2e/payouts-story.test.ts) that no checksum shape finds. */
export const ACCOUNT_NUMBERS = [
  '9876543210', // Canadian EFT account
  '000123456789', // ACH account
  '123456789012', // SWIFT account
  '032180000118359719', // SPEI CLABE
  '52998224725', // PIX key (CPF)
];

export interface LeakHit {
  readonly where: string;
  readonly needle: string;
}

export interface LeakScanReport {
  readonly items: number;
  readonly tables: number;
  readonly executions: number;
  readonly historyEvents: number;
  readonly logLines: number;
  readonly responses: number;
  readonly hits: readonly LeakHit[];
}

/** Every leak in one text: by shape (card numbers, IBANs, CVCs), and the suite's account numbers. */
export const leaksIn = (text: string, where: string, hits: LeakHit[]) => {
  for (const leak of findLeaks(text)) hits.push({ where, needle: `${leak.kind} ${leak.found}` });
  const compact = text.replace(/\s/g, '');
  for (const needle of ACCOUNT_NUMBERS) {
    if (compact.includes(needle)) hits.push({ where, needle: `account number ${needle.slice(0, 2)}…${needle.slice(-2)}` });
  }
};

export const scanForLeaks = async (options: {
  readonly stateDir: string;
  readonly logFile: string;
  readonly dynamoDbEndpoint: string;
  readonly sfnEndpoint: string;
  /** DynamoDB Local keeps one database per access key: the runtime's is `local`. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): Promise<LeakScanReport> => {
  const hits: LeakHit[] = [];
  const credentials = options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' };
  const region = deployment.primaryRegion;
  const dynamoDb = new DynamoDBClient({ region, endpoint: options.dynamoDbEndpoint, credentials });
  const sfn = new SFNClient({ region, endpoint: options.sfnEndpoint, credentials });
  let items = 0;
  let tables = 0;
  let executions = 0;
  let historyEvents = 0;
  try {
    const vault = tableName('vault');
    const { TableNames = [] } = await dynamoDb.send(new ListTablesCommand({}));
    for (const table of TableNames.filter((name) => name !== vault)) {
      tables += 1;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamoDb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey as never }));
        for (const item of page.Items ?? []) {
          items += 1;
          leaksIn(JSON.stringify(item), `DynamoDB ${table} ${JSON.stringify({ pk: item.pk, sk: item.sk })}`, hits);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }

    for (const key of stateMachineKeys) {
      const stateMachineArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName(key)}`;
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 1000 }));
        for (const execution of page.executions ?? []) {
          executions += 1;
          let historyToken: string | undefined;
          do {
            const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, nextToken: historyToken, maxResults: 1000, includeExecutionData: true }));
            for (const event of history.events ?? ([] as HistoryEvent[])) {
              historyEvents += 1;
              leaksIn(JSON.stringify(event), `Step Functions ${execution.name} event ${event.id} (${event.type})`, hits);
            }
            historyToken = history.nextToken;
          } while (historyToken);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
  } finally {
    dynamoDb.destroy();
    sfn.destroy();
  }

  // The start-up banner shows the 4242 test card in its example request; what follows it is the serving log.
  const log = readFileSync(options.logFile, 'utf8');
  const serving = log.slice(Math.max(0, log.indexOf('Ctrl-C stops everything.')));
  const logLines = serving.split('\n');
  logLines.forEach((line, index) => leaksIn(line, `runtime log line ${index + 1} after the banner`, hits));

  const responsesFile = join(options.stateDir, 'responses.ndjson');
  const responses = existsSync(responsesFile) ? readFileSync(responsesFile, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of responses) {
    const response = JSON.parse(line) as { method: string; path: string; status: number; body: string };
    leaksIn(response.body, `API response ${response.method} ${response.path} ${response.status}`, hits);
  }

  return { items, tables, executions, historyEvents, logLines: logLines.length, responses: responses.length, hits };
};

/** Runs the scan, writes the report beside the runtime's state (kept on failure) and throws on any hit. */
export const assertNoLeaks = async (options: Parameters<typeof scanForLeaks>[0]): Promise<LeakScanReport> => {
  const report = await scanForLeaks(options);
  const summary =
    `leak scan: ${report.items} DynamoDB items in ${report.tables} tables (vault excluded), ${report.executions} executions / ` +
    `${report.historyEvents} history events, ${report.logLines} log lines, ${report.responses} API responses: ${report.hits.length} hits`;
  console.log(`\n${summary}`);
  writeFileSync(join(options.stateDir, 'leak-scan.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (report.hits.length > 0) {
    throw new Error(`${summary}\n${report.hits.slice(0, 50).map((hit) => `  ${hit.needle} in ${hit.where}`).join('\n')}`);
  }
  return report;
};
