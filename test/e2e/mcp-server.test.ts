import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { operatorRequest } from '../../lambdas/adapters/http/operator-client';
import { localOperatorArn, type OperatorCredentials } from '../../local/iam/operators';
import type { OperatorRole } from '../../platform/operator-routes';
import { api, eventually, failedRecoveryExecution, freshTestCard } from '../support/e2e';
import { findLeaks } from '../support/leak-detectors';
import { repositoryRoot } from './global-setup';

/**
 * Issue 18, item 3: the MCP server (mcp/, `npm run mcp`) driven by the MCP SDK's own client against
 * `npm start` (global-setup.ts): over stdio as the server's entry is spawned, and over Streamable HTTP.
 * A settled card payment and a payout held for a sanctions match, made through the merchant API; the
 * agent lists the tools, explains both, sees the payout waiting, and decides it: refused without
 * confirm (a dry run) and without ops_admin (the operator API's 403), done with both and audited with
 * the agent as the actor. Every tool answer is checked for card and bank data and appended to the
 * responses the suite's leak scan reads.
 */
const stateDir = process.env.E2E_STATE_DIR as string;
const runtime = JSON.parse(readFileSync(join(stateDir, 'runtime.json'), 'utf8')) as { operatorApiUrl: string; sfnEndpoint: string };
const operators = JSON.parse(readFileSync(join(stateDir, 'operators.json'), 'utf8')) as OperatorCredentials[];
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');
/** The explanations as an agent reads them, kept for a look (like the console's screenshots). */
const artifacts = join(repositoryRoot, 'test-artifacts', 'mcp');

const asOperator = (role: OperatorRole, method: 'GET' | 'POST', path: string, body?: unknown) => {
  const operator = operators.find((candidate) => candidate.role === role) as OperatorCredentials;
  return operatorRequest({
    baseUrl: runtime.operatorApiUrl,
    credentials: { accessKeyId: operator.access_key_id, secretAccessKey: operator.secret_access_key },
    method,
    path,
    body,
  });
};

/** A client of the server's stdio entry (what `npm run -s mcp -- ...` runs), as one role and agent. */
const stdioClient = async (role: OperatorRole, agent: string): Promise<Client> => {
  const client = new Client({ name: `e2e-${agent}`, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: tsx,
      args: ['mcp/main.ts', '--state-dir', stateDir, '--role', role, '--agent', agent],
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'ignore',
    }),
  );
  return client;
};

interface ToolAnswer {
  readonly isError: boolean;
  readonly text: string;
}

/** Calls a tool; its whole answer is checked for leaks here and kept for the suite's leak scan. */
const callTool = async (client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> => {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text?: string }[]).map((part) => part.text ?? '').join('\n');
  appendFileSync(join(stateDir, 'responses.ndjson'), `${JSON.stringify({ method: 'MCP', path: name, status: result.isError ? 400 : 200, body: text })}\n`);
  expect({ name, leaks: findLeaks(JSON.stringify(result)) }).toEqual({ name, leaks: [] });
  return { isError: result.isError === true, text };
};

let merchantId: string;
let paymentId: string;
/** The card the payment was made with: its number never leaves unmasked, its last four digits do. */
const card = freshTestCard();
let payoutId: string;
let viewer: Client;
let admin: Client;

beforeAll(async () => {
  const onboarded = await asOperator('ops_admin', 'POST', '/v1/merchants', { name: 'Agent Story Traders' });
  expect(onboarded.status).toBe(201);
  merchantId = onboarded.json.id as string;
  const key = onboarded.json.api_key.secret as string;
  const post = (path: string, body: unknown) => api('POST', path, { key, idempotencyKey: randomUUID(), body });

  const created = await post('/v1/payments', { amount: 250_000, currency: 'USD', payment_method: card });
  expect(created.status).toBe(201);
  paymentId = created.json.id as string;
  const settled = await eventually(
    () => api('GET', '/v1/balances', { key }),
    (got) => (got.json.available as { currency: string; amount: number }[]).some((balance) => balance.currency === 'USD' && balance.amount >= 10_000),
    20_000,
  );
  expect(settled.status).toBe(200);
  const beneficiary = await post('/v1/beneficiaries', {
    name: 'ALVAREZ QUINTERO, Jose Manuel',
    entity_type: 'individual',
    country: 'PA',
    currency: 'USD',
    bank_account: { rail: 'swift', bic: 'BOFAUS3N', account_number: '123456789012' },
  });
  expect(beneficiary.status).toBe(201);
  const payout = await post('/v1/payouts', { beneficiary_id: beneficiary.json.id, amount: 10_000, currency: 'USD', reference: 'Agent story' });
  expect(payout.json.status).toBe('in_review');
  payoutId = payout.json.id as string;

  [viewer, admin] = await Promise.all([stdioClient('ops_viewer', 'e2e-viewer'), stdioClient('ops_admin', 'e2e-admin')]);
}, 120_000); // a settled payment, then two servers started by tsx: slow on a loaded machine

afterAll(async () => {
  await Promise.all([viewer?.close(), admin?.close()]);
});

const payoutStatus = async (): Promise<string> => (await asOperator('ops_viewer', 'GET', `/v1/payouts/${payoutId}`)).json.status as string;

describe('the MCP server over stdio, with the SDK client', () => {
  it('offers the operations and compliance tools, each with an input schema, the changing ones not read-only', async () => {
    const { tools } = await viewer.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'explain_payment',
        'explain_payout',
        'find_payment',
        'find_payout',
        'list_attention',
        'resolve_break',
        'review_payout',
        'summarize_alarms',
        'verify_audit_chains',
        'verify_ledger',
      ].sort(),
    );
    for (const tool of tools) expect({ name: tool.name, type: tool.inputSchema.type }).toEqual({ name: tool.name, type: 'object' });
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('review_payout')?.inputSchema.properties).toHaveProperty('confirm');
    expect(byName.get('review_payout')?.annotations?.readOnlyHint).toBe(false);
    expect(byName.get('explain_payment')?.annotations?.readOnlyHint).toBe(true);
  });

  it('explains a real payment: its timeline with the routing decision, its executions, its ledger lines, the card masked', async () => {
    const settledPayment = await eventually(
      () => callTool(viewer, 'explain_payment', { payment_id: paymentId }),
      (answer) => answer.text.includes('settlement') || answer.text.includes('settle'),
      20_000,
    );
    const { isError, text } = settledPayment;
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'explain_payment.txt'), text);
    expect(isError).toBe(false);
    expect(text).toContain(`Payment ${paymentId} of merchant ${merchantId}: 2500.00 USD, status succeeded`);
    expect(text).toContain(`ending ${card.card.number.slice(-4)}`);
    expect(text).toMatch(/risk screening approved it and routing chose channel \w+/);
    expect(text).toMatch(/Workflow \w+ \(execution [^)]+\) succeeded, .*path: \w+/);
    expect(text).toMatch(/Ledger:\n- .*debit .* 2500\.00 USD/);
    expect(text).not.toContain(card.card.number);

    const found = await callTool(viewer, 'find_payment', { merchant_id: merchantId, status: 'succeeded' });
    expect(found.text).toContain(paymentId);
    const refused = await viewer.callTool({ name: 'explain_payment', arguments: { payment_id: 'not-a-payment' } }).catch((error: Error) => ({ isError: true, content: [{ type: 'text', text: error.message }] }));
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('payment_id');
  });

  it('shows the payout waiting for an operator with the sanctions match as evidence, bank data masked', async () => {
    // A failed Standard execution the attention list must show.
    const failedName = `pay_mcp${Date.now()}-1`;
    await failedRecoveryExecution(runtime.sfnEndpoint, failedName);

    const attention = await callTool(viewer, 'list_attention', { merchant_id: merchantId });
    expect(attention.isError).toBe(false);
    expect(attention.text).toMatch(new RegExp(`Payouts waiting for a review decision \\(review_payout\\): \\d+\\+?\\n(- .*\\n)*- ${payoutId}: 100\\.00 USD of merchant ${merchantId}, in_review`));
    expect(attention.text).toContain(`Payments of ${merchantId} requiring attention: 0`);
    // The failed Standard executions the console can redrive, each in a line, as the operator API lists them.
    expect(attention.text).toMatch(/Failed workflow executions \(redrive from the console, ops_admin\): \d+\+?/);
    const listed = JSON.parse(attention.text.slice(attention.text.indexOf('\n{') + 1)) as { failed_executions: { state_machine: string; name: string; status: string }[] };
    expect(listed.failed_executions.map((execution) => execution.name)).toContain(failedName);
    for (const execution of listed.failed_executions) expect(attention.text).toContain(`- ${execution.state_machine} ${execution.name}: ${execution.status}`);
    expect(attention.text).toMatch(new RegExp(`- sagaRecovery ${failedName}: FAILED at \\w+`));

    const explained = await callTool(viewer, 'explain_payout', { payout_id: payoutId });
    expect(explained.text).toContain(`Payout ${payoutId} of merchant ${merchantId}: 100.00 USD`);
    expect(explained.text).toMatch(/Screening matches \(evidence\), list [^\n]+:\n- sanctions list entry \S+, listed name "[^"]*QUINTERO[^"]*", match score [\d.]+, programs \S+/);
    expect(explained.text).toContain('Decision: waiting for an operator');
    expect(explained.text).not.toContain('123456789012');
  });

  it('refuses to decide without confirm (a dry run) and without ops_admin (the operator API says 403); nothing changes', async () => {
    const dryRun = await callTool(admin, 'review_payout', { payout_id: payoutId, decision: 'approve', note: 'Not the listed person' });
    expect(dryRun.isError).toBe(false);
    expect(dryRun.text).toMatch(/^Dry run, nothing changed\. With confirm: true this would approve payout/);
    expect(await payoutStatus()).toBe('in_review');

    const asViewer = await callTool(viewer, 'review_payout', { payout_id: payoutId, decision: 'approve', note: 'Not the listed person', confirm: true });
    expect(asViewer.isError).toBe(true);
    expect(asViewer.text).toMatch(/^Deciding payout \S+: HTTP 403 forbidden: /);
    expect(await payoutStatus()).toBe('in_review');

    const breakDryRun = await callTool(viewer, 'resolve_break', { break_id: `brk_${'a'.repeat(26)}`, note: 'checked' });
    expect(breakDryRun.text).toMatch(/^Dry run, nothing changed/);
  });

  it('decides with ops_admin and confirm: true, and the audit log names the agent as the actor', async () => {
    const decided = await callTool(admin, 'review_payout', { payout_id: payoutId, decision: 'approve', note: 'Not the listed person', confirm: true });
    expect(decided.isError).toBe(false);
    expect(decided.text).toMatch(/^Done: payout \S+ approved\./);
    expect(decided.text).toMatch(/Decision: approve by ops_admin\/\S+ at \S+, note: Not the listed person\./);
    expect(await payoutStatus()).not.toBe('in_review');

    const audit = await asOperator('ops_viewer', 'GET', `/v1/merchants/${merchantId}/audit_entries`);
    const review = (audit.json.data as { action: string; actor: unknown; target: unknown }[]).find((entry) => entry.action === 'payout.review');
    expect(review).toMatchObject({
      actor: { type: 'operator', role: 'ops_admin', arn: localOperatorArn('ops_admin'), agent: 'mcp/e2e-admin' },
      target: { type: 'payout', id: payoutId },
    });
    // resolve_break goes through to the operator API the same way (an unknown break: its 404, nothing resolved).
    const unknownBreak = await callTool(admin, 'resolve_break', { break_id: `brk_${'b'.repeat(26)}`, note: 'checked', confirm: true });
    expect(unknownBreak.isError).toBe(true);
    expect(unknownBreak.text).toMatch(/^Resolving break brk_b+: HTTP 404 /);

    const verified = await callTool(viewer, 'verify_audit_chains', { merchant_id: merchantId });
    expect(verified.text).toMatch(new RegExp(`^The audit log of ${merchantId} is intact: \\d+ chain\\(s\\) checked`));
  });

  it("summarizes the region's alarms: a failed Standard execution made through the runtime is firing, with why and the runbook step", async () => {
    // The alarm watches 1-minute periods and the local CloudWatch's newest is the minute under way: fail and read in one minute.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 25_000) await new Promise((wait) => setTimeout(wait, left + 50));
    await failedRecoveryExecution(runtime.sfnEndpoint, `pay_alarm${Date.now()}-1`);
    const summary = await callTool(viewer, 'summarize_alarms', {});
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'summarize_alarms.txt'), summary.text);
    expect(summary.isError).toBe(false);
    expect(summary.text).toMatch(/^\d+ alarms? (is|are) firing\. \d+ firing, \d+ without data, \d+ OK \(\d+ alarms in all\)\./);
    expect(summary.text).toMatch(/FIRING xborder-sagaRecovery-ExecutionsFailed \(metric\) since \S+ \(/);
    expect(summary.text).toContain('What to do: follow docs/runbooks.md, section "A standard workflow failed or timed out".');
    // The same data for operators: the route the tool calls.
    const report = await asOperator('ops_viewer', 'GET', '/v1/alarms');
    expect(report.status).toBe(200);
    expect((report.json.data as { name: string; state: string }[]).find((alarm) => alarm.name === 'xborder-sagaRecovery-ExecutionsFailed')?.state).toBe('ALARM');
  });

  it('runs the ledger verifier', async () => {
    // Other suites post while this runs: a difference may be a posting half read, so ask until one run is clean.
    const verified = await eventually(
      () => callTool(viewer, 'verify_ledger', {}),
      (answer) => answer.text.includes(' is consistent: '),
      10_000,
    );
    expect(verified.isError).toBe(false);
    expect(verified.text).toMatch(/^The ledger of [a-z0-9-]+ is consistent: [1-9]\d* transactions/);
  });
});

describe('the MCP server over Streamable HTTP (stateless), with the SDK client', () => {
  let server: ChildProcess;
  let url: URL;

  beforeAll(async () => {
    server = spawn(tsx, ['mcp/main.ts', '--state-dir', stateDir, '--http', '--port', '0', '--agent', 'e2e-http'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    url = await new Promise<URL>((resolve, reject) => {
      let stderr = '';
      server.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
        if (match) resolve(new URL(match[1] as string));
      });
      server.on('exit', (code) => reject(new Error(`the MCP server exited (${code}): ${stderr}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('answers POST on /mcp only: 405 for another method, 404 elsewhere (as the MCP function in AWS answers)', async () => {
    const get = await fetch(url);
    expect({ status: get.status, allow: get.headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
    const elsewhere = await fetch(new URL('/other', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(elsewhere.status).toBe(404);
  });

  it('lists the tools and answers a call on /mcp', async () => {
    const client = new Client({ name: 'e2e-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url));
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('explain_payout');
      const answer = await callTool(client, 'explain_payout', { payout_id: payoutId });
      expect(answer.text).toContain(`Payout ${payoutId}`);
    } finally {
      await client.close();
    }
  });
});
