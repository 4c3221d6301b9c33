import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { localOperatorTarget } from '../../local/iam/operator-target';
import { type StartedRuntime, type TwoRegionRuntimeFile, startTwoRegionProcess, stopRuntimeProcess } from '../../local/runtime-process';
import { deployment } from '../../platform/deployment';
import { tableName } from '../../platform/tables';
import { request } from '../support/http';

/**
 * `npm start -- --regions 2` as a process (decision 0036): two runtimes, each with its own DynamoDB Local, the
 * replicator between them and the front door before them. A merchant homed in each region (one moved to the
 * secondary by the operator's home-region move, whose AwaitReplication reads the secondary's DynamoDB Local),
 * payments written in both regions (through the front door and at each region's own port), read back through
 * the front door; then the primary's runtime and its DynamoDB Local are killed and the front door fails over.
 */
const primary = deployment.primaryRegion;
const secondary = deployment.secondaryRegion;
let started: StartedRuntime & { regions: TwoRegionRuntimeFile };

const local = { accessKeyId: 'local', secretAccessKey: 'local' };
const payment = () => ({ amount: 1500, currency: 'USD', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '123' } } });
const waitFor = async <T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
};

beforeAll(async () => {
  started = await startTwoRegionProcess({ extraArgs: ['--quiet', '--replication-lag-ms', '500', '--health-check-interval-ms', '500', '--health-check-failures', '2'] });
}, 300_000);
afterAll(async () => {
  if (started) {
    await stopRuntimeProcess(started, 'SIGKILL');
    for (const region of started.regions.regions) {
      for (const pid of [region.pid, region.pids.dynamoDbLocal]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(started.stateDir, { recursive: true, force: true });
  }
});

it('writes in both regions, reads back through the front door, and fails over when the primary is lost', async () => {
  const [east, west] = started.regions.regions as [TwoRegionRuntimeFile['regions'][number], TwoRegionRuntimeFile['regions'][number]];
  expect([east.region, west.region]).toEqual([primary, secondary]);
  const frontDoor = started.regions.apiUrl;
  const admin = localOperatorTarget(east.stateDir, 'ops_admin');
  const asAdmin = (method: 'GET' | 'POST', path: string, body?: unknown) => operatorRequest({ ...admin, method, path, body });

  // Two merchants onboarded in the primary; the second moved to the secondary by the operator's workflow.
  const onboard = async (name: string) => {
    const answer = await asAdmin('POST', '/v1/merchants', { name });
    expect(answer.status).toBe(201);
    return { id: answer.json.id as string, key: answer.json.api_key.secret as string };
  };
  const homedEast = await onboard('Homed East');
  const homedWest = await onboard('Homed West');
  // The move reads the merchant (and the secondary its API key) once replicated.
  await waitFor(async () => ((await request(west.apiUrl, 'GET', '/v1/payments', { key: homedWest.key })).status === 200 ? true : undefined), 30_000, 'the key in the secondary');
  const move = await asAdmin('POST', `/v1/merchants/${homedWest.id}/home_region_moves`, { region: secondary });
  expect(move).toMatchObject({ status: 202, json: { target_region: secondary, status: 'started' } });
  const sfn = new SFNClient({ endpoint: east.sfnEndpoint, region: primary, credentials: local });
  const status = await waitFor(
    async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: move.json.execution_arn }));
      return described.status === 'RUNNING' ? undefined : described.status;
    },
    150_000,
    'the home-region move',
  );
  expect(status).toBe('SUCCEEDED');
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: move.json.execution_arn, maxResults: 1000 }));
  expect(history.events?.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean)).toEqual(['BeginMove', 'Drain', 'Drained', 'FenceLedger', 'WaitOutPostings', 'AwaitReplication', 'ForcedRepair', 'Switch', 'ForcedAdoption', 'Moved']);
  sfn.destroy();

  // Through the front door (the primary): the primary's merchant pays; the secondary's is sent to its home.
  const east1 = await request(frontDoor, 'POST', '/v1/payments', { key: homedEast.key, idempotencyKey: randomUUID(), body: payment() });
  expect(east1).toMatchObject({ status: 201, json: { status: 'succeeded' } });
  const misdirected = await waitFor(async () => {
    const answer = await request(frontDoor, 'POST', '/v1/payments', { key: homedWest.key, idempotencyKey: randomUUID(), body: payment() });
    // The switch is written in the secondary and reaches the primary by replication.
    return answer.status === 421 ? answer : undefined;
  }, 30_000, 'the switched marker in the primary');
  expect(misdirected.headers.get('home-region')).toBe(secondary);
  // At each region's own port: the home pays, the other region refuses.
  const west1 = await request(west.apiUrl, 'POST', '/v1/payments', { key: homedWest.key, idempotencyKey: randomUUID(), body: payment() });
  expect(west1).toMatchObject({ status: 201, json: { status: 'succeeded' } });
  const east2 = await request(east.apiUrl, 'POST', '/v1/payments', { key: homedEast.key, idempotencyKey: randomUUID(), body: payment() });
  expect(east2).toMatchObject({ status: 201, json: { status: 'succeeded' } });
  expect((await request(west.apiUrl, 'POST', '/v1/payments', { key: homedEast.key, idempotencyKey: randomUUID(), body: payment() })).status).toBe(421);

  // The acquirer settles the secondary's capture and sends `capture.settled` to the merchant API's one name: the
  // front door, so the primary. The primary forwards it to the merchant's home (decision 0039), where the
  // settlement moves the funds from pending to available, once. (Before, the primary answered 503 until the
  // acquirer gave up: the funds stayed pending.)
  const usd = (list: { currency: string; amount: number }[]) => list.find((entry) => entry.currency === 'USD')?.amount ?? 0;
  const settled = await waitFor(
    async () => {
      const balance = await request(west.apiUrl, 'GET', '/v1/balances', { key: homedWest.key });
      return balance.status === 200 && usd(balance.json.pending) === 0 && usd(balance.json.available) > 0 ? balance.json : undefined;
    },
    60_000,
    "the west capture's settlement, forwarded from the primary",
  );
  const ledgerLines = await request(west.apiUrl, 'GET', '/v1/balance_transactions?limit=10', { key: homedWest.key });
  expect(ledgerLines.status).toBe(200);
  const capturedNet = (ledgerLines.json.data as { source: string; net: number; currency: string }[]).filter((line) => line.source === west1.json.id).reduce((sum, line) => sum + line.net, 0);
  expect(capturedNet).toBeGreaterThan(0);
  expect(usd(settled.available)).toBe(capturedNet);

  // The secondary's merchant pays a supplier over PIX. Pulse's webhook reaches the merchant API's one name (the
  // front door, so the primary), which forwards it to the payout's home (decision 0049): the payout confirms there,
  // in seconds. (Before, the primary applied it itself: its ledger posting refused, the home's confirmation wait
  // held the payout for its five days.)
  const asWest = (method: 'GET' | 'POST', path: string, body?: unknown) =>
    request(west.apiUrl, method, path, { key: homedWest.key, ...(method === 'POST' ? { idempotencyKey: randomUUID() } : {}), ...(body === undefined ? {} : { body }) });
  const quote = await asWest('POST', '/v1/fx/quotes', { sell_currency: 'USD', buy_currency: 'BRL', sell_amount: 1_000, validity: 'MIN_15' });
  expect(quote.status).toBe(201);
  expect((await asWest('POST', '/v1/conversions', { quote_id: quote.json.id })).status).toBe(201);
  const supplier = await asWest('POST', '/v1/beneficiaries', { name: 'Ana Souza', entity_type: 'individual', country: 'BR', currency: 'BRL', bank_account: { rail: 'pix', pix_key: '52998224725' } });
  expect(supplier.status).toBe(201);
  const payout = await asWest('POST', '/v1/payouts', { beneficiary_id: supplier.json.id, amount: 1_000, currency: 'BRL', reference: 'Supplier invoice 49' });
  expect(payout).toMatchObject({ status: 201, json: { currency: 'BRL' } });
  const paidOut = await waitFor(
    async () => {
      const answer = await asWest('GET', `/v1/payouts/${String(payout.json.id)}`);
      return answer.json?.status === 'processing' || answer.json?.status === 'pending' ? undefined : answer.json;
    },
    45_000,
    "the west payout's confirmation, forwarded from the primary",
  );
  expect(paidOut).toMatchObject({ status: 'paid', amount: 1_000, currency: 'BRL' });

  // Read back through the front door: the secondary's payment, replicated to the primary, answers as written.
  // Replication is per item and eventually consistent: an earlier state of a payment may answer first, so each read
  // is repeated until it shows the payment as its home answered it (a timeout fails the test).
  const readBack = (key: string, expected: Record<string, unknown>, url = frontDoor) => async () => {
    const answer = await request(url, 'GET', `/v1/payments/${String(expected.id)}`, { key });
    return answer.status === 200 && JSON.stringify(answer.json) === JSON.stringify(expected) ? answer.json : undefined;
  };
  expect(await waitFor(readBack(homedWest.key, west1.json), 30_000, 'the west payment in the primary')).toEqual(west1.json);
  expect(await waitFor(readBack(homedEast.key, east2.json), 10_000, 'the east payment')).toEqual(east2.json);
  // And the primary's payments reached the secondary.
  for (const created of [east1, east2]) {
    expect(await waitFor(readBack(homedEast.key, created.json, west.apiUrl), 30_000, 'an east payment in the secondary')).toEqual(created.json);
  }

  // Regional tables are not replicated: no idempotency record of one region is in the other.
  const scanKeys = async (endpoint: string, region: string) => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region, credentials: local }));
    const items = (await client.send(new ScanCommand({ TableName: tableName('idempotency') }))).Items ?? [];
    client.destroy();
    return new Set(items.map((item) => JSON.stringify(item.id ?? item)));
  };
  const [eastKeys, westKeys] = [await scanKeys(east.dynamoDbEndpoint, primary), await scanKeys(west.dynamoDbEndpoint, secondary)];
  expect(eastKeys.size).toBeGreaterThan(0);
  expect(westKeys.size).toBeGreaterThan(0);
  expect([...westKeys].filter((key) => eastKeys.has(key))).toEqual([]);

  // The primary is lost: its runtime and its DynamoDB Local, killed.
  process.kill(east.pid, 'SIGKILL');
  process.kill(east.pids.dynamoDbLocal, 'SIGKILL');
  // The front door fails over: replicated objects of both merchants still answer, from the secondary.
  expect(await waitFor(readBack(homedEast.key, east1.json), 30_000, 'the failover')).toEqual(east1.json);
  expect(await waitFor(readBack(homedWest.key, west1.json), 10_000, 'the west payment after the failover')).toEqual(west1.json);
  // The secondary's merchant pays through the front door now; the lost region's merchants wait for their move.
  expect(await request(frontDoor, 'POST', '/v1/payments', { key: homedWest.key, idempotencyKey: randomUUID(), body: payment() })).toMatchObject({ status: 201, json: { status: 'succeeded' } });
  const stillHomedEast = await request(frontDoor, 'POST', '/v1/payments', { key: homedEast.key, idempotencyKey: randomUUID(), body: payment() });
  expect(stillHomedEast.status).toBe(421);
  expect(stillHomedEast.headers.get('home-region')).toBe(primary);

  // Stopping the two-region platform stops the surviving region too.
  expect(await stopRuntimeProcess(started, 'SIGTERM')).toBe(0);
  await waitFor(async () => {
    try {
      process.kill(west.pids.dynamoDbLocal, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 20_000, "the secondary's DynamoDB Local to stop");
}, 420_000);
