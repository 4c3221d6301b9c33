import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { buildMcpServer } from '../../../lambdas/adapters/mcp/server';
import { type LocalCloudWatch, startLocalCloudWatch } from '../../../local/cloudwatch';
import type { StepFunctionsEngine } from '../../../local/step-functions';
import { deployment } from '../../../platform/deployment';
import { useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { useFailingRecoverySagas } from '../../support/sagas';
import { type LocalApis, startLocalApis } from '../../support/local-apis';

/**
 * GET /v1/alarms (decision 0050) over real HTTP with SigV4 roles: a Standard workflow execution fails in the local
 * Step Functions engine, which publishes ExecutionsFailed to the local CloudWatch as Step Functions does in AWS;
 * the stand-in's `<app>-sagaRecovery-ExecutionsFailed` alarm (declared in platform/alarms.ts, deployed by lib/)
 * goes to ALARM, and the operator route reads it back with the AWS SDK's DescribeAlarms through the local IAM
 * check: firing first, since when, why, the runbook section, and the count in each state.
 */
let kms: TestKms;
let apis: LocalApis;
let cloudWatch: LocalCloudWatch;
let engine: StepFunctionsEngine;
let stopEngine: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await useIsolatedDynamoDb();
  kms = await useLocalKms();
  cloudWatch = await startLocalCloudWatch();
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.url;
  ({ engine, stop: stopEngine } = await useFailingRecoverySagas({ failing: () => true, metrics: cloudWatch.store }));
  apis = await startLocalApis({ metrics: cloudWatch.store });
});

afterAll(async () => {
  await apis?.stop();
  await stopEngine?.();
  await cloudWatch?.stop();
  delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
  await kms?.stop();
});

/**
 * The alarm watches 1-minute periods, and the local CloudWatch's newest period is the minute under way: the failure
 * and the reads that expect it firing must fall in one minute, so a test that starts late in a minute waits for the next.
 */
const startOfAFreshMinute = async (secondsNeeded = 20) => {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < secondsNeeded * 1000) await new Promise((wait) => setTimeout(wait, left + 50));
};

type Alarm = { object: string; name: string; kind: string; state: string; since: string; reason: string; description: string; runbook: { document: string; section: string } | null };
const failedExecutions = `${deployment.appName}-sagaRecovery-ExecutionsFailed`;

it('reports a failed Standard execution as its alarm firing, first, since when, why and where the runbook says what to do', async () => {
  const quiet = await apis.asOperator('ops_viewer', 'GET', '/v1/alarms');
  expect(quiet.status).toBe(200);
  expect(quiet.json.counts.alarm).toBe(0);
  expect((quiet.json.data as Alarm[]).find((alarm) => alarm.name === failedExecutions)).toMatchObject({ state: 'OK', reason: expect.stringContaining('[NonBreaching]') });

  // A real failure: the recovery's Charge task fails, the engine closes the execution FAILED.
  await startOfAFreshMinute();
  const before = Date.now();
  const { executionArn } = await engine.startExecution({ stateMachineArn: engine.stateMachineArn('sagaRecovery'), name: 'pay_alarmed_1-1765000000000', input: '{}' });
  expect(await engine.waitForExecution(executionArn as string)).toMatchObject({ status: 'FAILED', error: 'PaymentDeclinedError' });

  const answer = await apis.asOperator('ops_viewer', 'GET', '/v1/alarms');
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({ object: 'alarm_report', counts: { alarm: 1 } });
  const [first] = answer.json.data as Alarm[];
  expect(first).toMatchObject({
    object: 'alarm',
    name: failedExecutions,
    kind: 'metric',
    state: 'ALARM',
    reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoint \[1\.0 \(.+\)\] was greater than or equal to the threshold \(1\.0\)/),
    description: expect.stringContaining('ExecutionsFailed on the sagaRecovery workflow'),
    runbook: { document: 'docs/runbooks.md', section: 'A standard workflow failed or timed out' },
  });
  expect(Date.parse(first?.since ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  const all = answer.json.data as Alarm[];
  expect(answer.json.counts.alarm + answer.json.counts.insufficient_data + answer.json.counts.ok).toBe(all.length);
  // What only AWS evaluates says so; a composite is listed with its kind.
  expect(all.find((alarm) => alarm.name === `${deployment.appName}-ApiServerErrors`)).toMatchObject({ state: 'INSUFFICIENT_DATA', reason: expect.stringContaining('Metric math') });
  expect(all.find((alarm) => alarm.name === `${deployment.appName}-PaymentCreationAvailabilityBurnFast`)).toMatchObject({ kind: 'composite', runbook: { section: 'Error budget burning' } });
  expect(all.every((alarm) => alarm.runbook !== null)).toBe(true);

  const firing = await apis.asOperator('ops_admin', 'GET', '/v1/alarms', { query: { state: 'ALARM' } });
  expect((firing.json.data as Alarm[]).map((alarm) => alarm.name)).toEqual([failedExecutions]);
  expect(firing.json.counts).toEqual({ alarm: 1, insufficient_data: 0, ok: 0 });

  // The MCP tool, with the SDK's own client, as the viewer: the same alarm in words, with the runbook step.
  const viewer = apis.operators.find((operator) => operator.role === 'ops_viewer');
  const server = buildMcpServer({
    target: { baseUrl: apis.operatorUrl, credentials: { accessKeyId: viewer?.access_key_id as string, secretAccessKey: viewer?.secret_access_key as string }, region: deployment.primaryRegion },
    role: 'ops_viewer',
    agent: 'alarms-test',
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'alarms-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    const tool = (await client.listTools()).tools.find((candidate) => candidate.name === 'summarize_alarms');
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    const result = await client.callTool({ name: 'summarize_alarms', arguments: {} });
    const [words, json] = (result.content as { text: string }[]).map((part) => part.text);
    expect(result.isError).toBeFalsy();
    expect(words).toMatch(/^1 alarm is firing\. 1 firing, \d+ without data, \d+ OK \(\d+ alarms in all\)\./);
    expect(words).toContain(`FIRING ${failedExecutions} (metric) since ${first?.since}`);
    expect(words).toContain('What it means: ExecutionsFailed on the sagaRecovery workflow');
    expect(words).toContain('Why: Threshold Crossed: 1 out of the last 1 datapoint');
    expect(words).toContain('What to do: follow docs/runbooks.md, section "A standard workflow failed or timed out".');
    expect(words).toContain(`- ${deployment.appName}-ApiServerErrors: Not evaluated locally: Metric math`);
    expect(JSON.parse(json as string)).toMatchObject({ counts: { alarm: 1 }, firing: [{ name: failedExecutions }] });
  } finally {
    await client.close();
  }
});

it('refuses an unknown state or parameter with 422 naming it', async () => {
  const state = await apis.asOperator('ops_viewer', 'GET', '/v1/alarms', { query: { state: 'FIRING' } });
  expect(state.json).toMatchObject({ status: 422, code: 'validation_error', errors: [{ field: 'state', message: 'must be one of ALARM, INSUFFICIENT_DATA, OK' }] });
  const unknown = await apis.asOperator('ops_viewer', 'GET', '/v1/alarms', { query: { region: 'us-west-2' } });
  expect(unknown.status).toBe(422);
  expect(unknown.text).toContain('region');
});
