import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { LambdaFunctionURLEventWithIAMAuthorizer, LambdaFunctionURLResult } from 'aws-lambda';
import { DynamoDbReconciliationRepository } from '../../../lambdas/adapters/dynamodb/reconciliation-repository';
import { operatorRequest } from '../../../lambdas/adapters/http/operator-client';
import { breakId } from '../../../lambdas/domain/reconciliation/matching';
import { serveMcp } from '../../../lambdas/handlers/mcp/serve-mcp';
import type { McpFunctionSetup } from '../../../lambdas/wiring/mcp';
import { LOCAL_ACCOUNT, type OperatorCredentials, issueMcpFunctionCredentials, localOperatorArn } from '../../../local/iam/operators';
import { deployment } from '../../../platform/deployment';
import type { OperatorRole } from '../../../platform/operator-routes';
import { tableName } from '../../../platform/tables';
import { type IsolatedDynamoDb, useIsolatedDynamoDb } from '../../support/dynamodb';
import { type TestKms, useLocalKms } from '../../support/kms';
import { findLeaks } from '../../support/leak-detectors';
import { type LocalApis, startLocalApis } from '../../support/local-apis';
import { useAcceptingSagas } from '../../support/sagas';

/**
 * The MCP function of decision 0045 (lambdas/handlers/mcp/serve-mcp.ts), driven as Lambda drives it behind its
 * function URL: the SDK's own Client, over a fetch that turns each request into the function URL event (payload
 * 2.0, AWS_IAM: the caller's identity in requestContext.authorizer.iam) and the handler's result back into a
 * response. The handler calls the local operator API (real SigV4 check, real handlers on DynamoDB Local) with
 * credentials standing for its execution role, which the local emulator allows exactly the tools' routes of its
 * role, as the function's IAM policy does in AWS.
 */
let db: IsolatedDynamoDb;
let kms: TestKms;
let apis: LocalApis;
let sagas: Awaited<ReturnType<typeof useAcceptingSagas>>;
const region = deployment.primaryRegion;
const functionRoles = { ops_viewer: issueMcpFunctionCredentials('ops_viewer', 'opsMcpViewer'), ops_admin: issueMcpFunctionCredentials('ops_admin', 'opsMcpAdmin') };

/** The handler of the MCP function acting as `role`, set up against the local operator API. */
const mcpFunction = (role: OperatorRole) => {
  const credentials = functionRoles[role];
  const setup: McpFunctionSetup = {
    role,
    region,
    target: () => ({ baseUrl: apis.operatorUrl, region, credentials: { accessKeyId: credentials.access_key_id, secretAccessKey: credentials.secret_access_key } }),
  };
  return serveMcp(() => setup);
};

/** The event a Lambda function URL with AuthType AWS_IAM sends for a request signed by `callerArn`. */
const functionUrlEvent = async (request: Request, callerArn: string): Promise<LambdaFunctionURLEventWithIAMAuthorizer> => {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.method === 'GET' ? '' : await request.text();
  const session = callerArn.split('/').pop() as string;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: url.hostname.split('.')[0] as string,
      authorizer: {
        iam: {
          accessKey: 'ASIALOCALMCPCALLER00',
          accountId: LOCAL_ACCOUNT,
          callerId: `AROALOCALMCPCALLER:${session}`,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: callerArn,
          userId: `AROALOCALMCPCALLER:${session}`,
        },
      },
      domainName: url.host,
      domainPrefix: url.hostname.split('.')[0] as string,
      http: { method: request.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: request.headers.get('user-agent') ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
    // As AWS sends it: principalOrgId and cognitoIdentity are null for a role session (the types say string).
  } as unknown as LambdaFunctionURLEventWithIAMAuthorizer;
};

const FUNCTION_URL = 'https://mcp0example0id.lambda-url.us-east-1.on.aws';

/** A fetch that hands every request to the handler, as the function URL does, for `callerArn`. */
const fetchThrough =
  (handler: ReturnType<typeof mcpFunction>, callerArn: string) =>
  async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const result = (await handler(await functionUrlEvent(new Request(input, init), callerArn))) as Exclude<LambdaFunctionURLResult, string>;
    return new Response(result.body ? result.body : null, { status: result.statusCode, headers: result.headers as Record<string, string> });
  };

const connect = async (role: OperatorRole, callerArn: string): Promise<Client> => {
  const client = new Client({ name: 'integration-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${FUNCTION_URL}/mcp`), { fetch: fetchThrough(mcpFunction(role), callerArn) }));
  return client;
};

const callTool = async (client: Client, name: string, args: Record<string, unknown>) => {
  const result = await client.callTool({ name, arguments: args });
  expect({ name, leaks: findLeaks(JSON.stringify(result)) }).toEqual({ name, leaks: [] });
  return { isError: result.isError === true, text: (result.content as { text?: string }[]).map((part) => part.text ?? '').join('\n') };
};

let merchantId: string;
const openBreakId = breakId('atlas', 'atlas-usd-9', 'fee_mismatch', 'pay_mcp', 'capture');
let viewer: Client;
let admin: Client;
const agent = 'claude-desktop.ops-1';

beforeAll(async () => {
  db = await useIsolatedDynamoDb();
  kms = await useLocalKms();
  sagas = await useAcceptingSagas();
  apis = await startLocalApis({ principals: Object.values(functionRoles) });
  const onboarded = await apis.asOperator('ops_admin', 'POST', '/v1/merchants', { body: { name: 'Agent Function Traders' } });
  expect(onboarded.status).toBe(201);
  merchantId = onboarded.json.id;
  const reports = new DynamoDbReconciliationRepository(db.documentClient, tableName('reconciliation'));
  expect(
    await reports.recordBreaks([
      {
        id: openBreakId,
        kind: 'fee_mismatch',
        status: 'open',
        channel: 'atlas',
        batchId: 'atlas-usd-9',
        reportSha256: 'c'.repeat(64),
        reference: 'pay_mcp',
        theirReference: 'cap_pay_mcp',
        merchantId,
        currency: 'USD',
        expected: 320,
        actual: 400,
        lineNumber: 3,
        detail: 'fee_mismatch on pay_mcp',
        detectedAt: '2026-12-07T10:00:00.000Z',
        resolvedAt: null,
        resolvedBy: null,
        resolutionNote: null,
      },
    ]),
  ).toBe(1);
  viewer = await connect('ops_viewer', localOperatorArn('ops_viewer', agent, region));
  admin = await connect('ops_admin', localOperatorArn('ops_admin', agent, region));
});

afterAll(async () => {
  await viewer?.close();
  await admin?.close();
  await apis.stop();
  await kms.stop();
  await sagas.stop();
});

const breakStatus = async () => (await apis.asOperator('ops_viewer', 'GET', '/v1/reconciliation/breaks', { query: { status: 'open' } })).json.data.map((each: { id: string }) => each.id);

it('lists the tools and answers read tools through the function URL event', async () => {
  expect((await viewer.listTools()).tools.map((tool) => tool.name).sort()).toEqual(
    ['explain_payment', 'explain_payout', 'find_payment', 'find_payout', 'list_attention', 'resolve_break', 'review_payout', 'summarize_alarms', 'verify_audit_chains', 'verify_ledger'].sort(),
  );
  const verified = await callTool(viewer, 'verify_audit_chains', { merchant_id: merchantId });
  expect(verified).toMatchObject({ isError: false, text: expect.stringMatching(new RegExp(`^The audit log of ${merchantId} is intact: \\d+ chain\\(s\\) checked, every link holds`)) });
  const attention = await callTool(viewer, 'find_payout', {});
  expect(attention).toMatchObject({ isError: false, text: expect.stringMatching(/^No payouts found\./) });
});

it("refuses a change as the viewer function: the operator API answers 403 to its role, and the break stays open", async () => {
  const refused = await callTool(viewer, 'resolve_break', { break_id: openBreakId, note: 'Acquirer refunds the fee', confirm: true });
  expect(refused.isError).toBe(true);
  expect(refused.text).toMatch(new RegExp(`^Resolving break ${openBreakId}: HTTP 403 `));
  expect(await breakStatus()).toContain(openBreakId);
});

it('acts through the admin function, and the audit entry names the agent (the caller\'s session) and the function\'s role', async () => {
  const resolved = await callTool(admin, 'resolve_break', { break_id: openBreakId, note: 'Acquirer refunds the fee', confirm: true });
  expect(resolved).toMatchObject({ isError: false, text: expect.stringMatching(/^Done: /) });
  expect(await breakStatus()).not.toContain(openBreakId);
  const audit = await apis.asOperator('ops_viewer', 'GET', `/v1/merchants/${merchantId}/audit_entries`);
  expect(audit.json.data[0]).toMatchObject({
    action: 'reconciliation_break.resolve',
    actor: { type: 'operator', role: 'ops_admin', arn: functionRoles.ops_admin.user_arn, agent: `mcp/${agent}` },
    target: { type: 'reconciliation_break', id: openBreakId },
  });
});

it("lets the functions' roles call no operator route their tools do not use (the IAM policy, as the emulator applies it)", async () => {
  const as = (role: OperatorRole, method: 'GET' | 'POST', path: string, body?: unknown) =>
    operatorRequest({ baseUrl: apis.operatorUrl, credentials: { accessKeyId: functionRoles[role].access_key_id, secretAccessKey: functionRoles[role].secret_access_key }, method, path, body });
  expect((await as('ops_admin', 'POST', '/v1/merchants', { name: 'Not by an agent' })).status).toBe(403);
  expect((await as('ops_admin', 'GET', `/v1/merchants/${merchantId}`)).status).toBe(403);
  expect((await as('ops_viewer', 'GET', `/v1/merchants/${merchantId}/audit_verification`)).status).toBe(200);
});

describe('the function URL adapter', () => {
  const initialize = () =>
    new Request(`${FUNCTION_URL}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
  const answer = async (role: OperatorRole, request: Request, callerArn: string) =>
    (await mcpFunction(role)(await functionUrlEvent(request, callerArn))) as Exclude<LambdaFunctionURLResult, string>;

  it('answers 405 to another method and 404 off /mcp, as `npm run mcp -- --http` does', async () => {
    const caller = localOperatorArn('ops_viewer', agent, region);
    expect(await answer('ops_viewer', new Request(`${FUNCTION_URL}/mcp`), caller)).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
    expect(await answer('ops_viewer', new Request(`${FUNCTION_URL}/other`, { method: 'POST', body: '{}' }), caller)).toMatchObject({ statusCode: 404 });
    expect(await answer('ops_viewer', initialize(), caller)).toMatchObject({ statusCode: 200 });
  });

  it.each([
    ['a session of the other operator role', 'ops_admin' as OperatorRole, localOperatorArn('ops_viewer', agent, region)],
    ['an MCP function role itself', 'ops_viewer' as OperatorRole, functionRoles.ops_viewer.user_arn],
    ['an IAM user', 'ops_viewer' as OperatorRole, `arn:aws:iam::${LOCAL_ACCOUNT}:user/someone`],
    ['a session named with characters an agent name may not hold', 'ops_viewer' as OperatorRole, localOperatorArn('ops_viewer', 'someone@example.com', region)],
  ])('refuses %s (403, saying what to sign as) and calls nothing', async (_what, role, callerArn) => {
    const refused = await answer(role, initialize(), callerArn);
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body as string).error).toMatch(/session/);
  });
});
