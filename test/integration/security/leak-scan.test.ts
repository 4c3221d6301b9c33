import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../../platform/tables';
import { type LeakScanReport, scanForLeaks } from '../../e2e/leak-scan';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The e2e leak scan (test/e2e/leak-scan.ts) run on planted data: it must find a card number, an IBAN and a
 * CVC wherever they are planted (a table item, a Step Functions execution's history, the log, an API
 * response), and nothing in data that only looks numeric (ids, timestamps, amounts, hashes, masked values).
 */
let db: IsolatedDynamoDb;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
let stateDir: string;

const clean = {
  id: 'pay_n5vyfd53jod6lhtfkosqv2n5nf',
  amount: 99_999_999_999,
  created_at_ms: 1_796_551_041_000,
  rate: '1.0823456789012345',
  fingerprint: 'v1.9f1c4242424242424242ab77e0',
  hash: '4242424242424242a7c1e0f6b2d9c3e8f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9',
  payment_method: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
  bank_account: { rail: 'sepa', last4: '3000', masked: 'DE89 **** **** **** **30 00' },
  cvc_check: 'pass',
  trace: '1-673f1c2e-3b1f4d0a5e6f7a8b9c0d1e2f',
};

const scan = (logLines: readonly string[], responses: readonly unknown[]): Promise<LeakScanReport> => {
  writeFileSync(join(stateDir, 'runtime.log'), ['banner with 4242424242424242', 'Ctrl-C stops everything.', ...logLines].join('\n'));
  writeFileSync(join(stateDir, 'responses.ndjson'), responses.map((body) => `${JSON.stringify({ method: 'GET', path: '/v1/x', status: 200, body: JSON.stringify(body) })}\n`).join(''));
  return scanForLeaks({
    stateDir,
    logFile: join(stateDir, 'runtime.log'),
    dynamoDbEndpoint: db.endpoint,
    sfnEndpoint: sagas.server.url,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: 'test' },
  });
};

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  sagas = await useAcceptingSagas();
  stateDir = mkdtempSync(join(tmpdir(), 'xborder-leak-scan-'));
});

afterAll(async () => {
  await sagas.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

it('finds nothing in data that only looks numeric', async () => {
  await db.documentClient.send(new PutCommand({ TableName: tableName('payments'), Item: { pk: clean.id, sk: 'payment', ...clean } }));
  await sagas.engine.startExecution({ stateMachineArn: sagas.engine.stateMachineArn('payment'), name: clean.id, input: JSON.stringify(clean) });
  const report = await scan([JSON.stringify({ level: 'INFO', message: 'request handled', ...clean })], [clean]);
  expect(report.hits).toEqual([]);
  expect(report).toMatchObject({ items: expect.any(Number), executions: 1, responses: 1 });
  expect(report.items).toBeGreaterThan(0);
});

it('fails on a card number, an IBAN and a CVC planted in a table, an execution, the log and a response', async () => {
  await db.documentClient.send(new PutCommand({ TableName: tableName('payouts'), Item: { pk: 'po_planted', sk: 'payout', note: 'acct DE89 3704 0044 0532 0130 00' } }));
  await sagas.engine.startExecution({
    stateMachineArn: sagas.engine.stateMachineArn('refund'),
    name: 're_planted',
    input: JSON.stringify({ card: { number: '5555 5555 5555 4444' } }),
  });
  const report = await scan([JSON.stringify({ level: 'INFO', message: 'authorize', request: JSON.stringify({ card: { security_code: '321' } }) })], [{ id: 'x', pan: '4000-0000-0000-0002' }]);
  const where = (prefix: string) => report.hits.filter((hit) => hit.where.startsWith(prefix)).map((hit) => hit.needle);
  expect(where('DynamoDB xborder-payouts')).toEqual(['iban DE8937…3000']);
  expect(where('Step Functions re_planted')).toContain('card_number 555555…4444');
  expect(where('runtime log')).toEqual(['cvc security_code=…']);
  expect(where('API response')).toEqual(['card_number 400000…0002']);
  // The scan's report never repeats what it found.
  expect(JSON.stringify(report)).not.toMatch(/5555555555554444|DE89370400440532013000|4000000000000002|"321"/);
});
