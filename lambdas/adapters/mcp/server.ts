import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { type OperatorResponse, type OperatorTarget, operatorRequest } from '../http/operator-client';
import { idShapes } from '../../domain/ids';
import { PAYMENT_STATUSES } from '../../domain/payment';
import { PAYOUT_STATUSES } from '../../domain/payouts/payout';
import { OPERATOR_AGENT_HEADER, type OperatorRole } from '../../../platform/operator-routes';
import {
  describeBreak,
  describeFailedExecution,
  describePaymentLine,
  describePayoutLine,
  explainPayment,
  explainPayout,
  summarizeAlarms,
} from './explain';

/**
 * The MCP server (docs/decisions/0030-mcp-server.md): operations and compliance tools for AI agents, each
 * one or a few calls to the operator API signed with the credentials it was given. Run as a process by
 * mcp/main.ts (stdio or HTTP) and as a Lambda function behind an IAM-authorized function URL
 * (lambdas/handlers/mcp/serve-mcp.ts, docs/decisions/0045-mcp-server-in-aws.md). Roles, validation,
 * masking and the audit trail are the operator API's; this adds words (what a payment went through, in
 * sentences) and, for the tools that change something, a dry run unless `confirm: true`. Every request
 * names the agent (Operator-Agent: `mcp/<agent>`), which the operator API writes into audit entries next
 * to the authenticated role.
 */
/**
 * An agent's name as the server takes it (`--agent`, or in AWS the caller's role session name): 1 to 60
 * letters, digits and `._:-`, so that `mcp/<agent>` fits the operator API's Operator-Agent header.
 */
export const MCP_AGENT_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,59}$/;

export interface McpServerOptions {
  readonly target: OperatorTarget;
  /** The role of the credentials in `target` (what the server tells the agent; the operator API enforces it). */
  readonly role: OperatorRole;
  /** Who acts, as recorded in audit entries: `mcp/<agent>`. */
  readonly agent: string;
}

type Json = Record<string, any>;

const text = (body: string): CallToolResult => ({ content: [{ type: 'text', text: body }] });

/** A refusal or a failure the agent should see as such (MCP `isError`), with the operator API's problem detail. */
const failed = (what: string, response: OperatorResponse): CallToolResult => ({
  isError: true,
  content: [
    {
      type: 'text',
      text:
        `${what}: HTTP ${response.status}${response.json?.code ? ` ${response.json.code}` : ''}: ${response.json?.detail ?? response.text.slice(0, 500)}` +
        `${response.json?.errors ? `\n${(response.json.errors as { field: string; message: string }[]).map((error) => `- ${error.field} ${error.message}`).join('\n')}` : ''}`,
    },
  ],
});

/** The answer's JSON under the words, so the agent can quote exact ids and amounts. */
const withJson = (words: string, json: unknown): CallToolResult => ({
  content: [
    { type: 'text', text: words },
    { type: 'text', text: JSON.stringify(json, null, 2) },
  ],
});

/** An id argument of one kind, checked against the platform's id shapes before any request. */
const idOf = (kind: keyof typeof idShapes) => z.string().regex(idShapes[kind].pattern, `must be ${idShapes[kind].description}`).describe(idShapes[kind].description);

const limit = z.number().int().min(1).max(100).default(20).describe('how many to list (1 to 100, default 20)');

const confirmArgument = z
  .boolean()
  .default(false)
  .describe('true to do it; without it the tool only says what it would do and changes nothing');

export const buildMcpServer = (options: McpServerOptions): McpServer => {
  const agentHeader = { [OPERATOR_AGENT_HEADER]: `mcp/${options.agent}` };
  const call = (method: 'GET' | 'POST', path: string, extra: { query?: Record<string, string | number | undefined>; body?: unknown } = {}) =>
    operatorRequest({ ...options.target, method, path, query: extra.query, body: extra.body, headers: agentHeader });
  const get = (path: string, query?: Record<string, string | number | undefined>) => call('GET', path, { query });

  const server = new McpServer(
    { name: 'xborder-operations', version: '0.1.0' },
    {
      instructions:
        `Operations and compliance tools over the xborder operator API, signed as ${options.role}. Reading tools change nothing. ` +
        'review_payout and resolve_break need the ops_admin role and confirm: true; without confirm they say what they would do. ' +
        'Card and bank data are never shown beyond a card brand and its last 4 digits.',
    },
  );
  const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;
  const changing = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

  server.registerTool(
    'find_payment',
    {
      title: 'Find payments',
      description: "A merchant's payments, newest first, of one status if given (e.g. requires_attention, failed).",
      inputSchema: { merchant_id: idOf('merchant'), status: z.enum(PAYMENT_STATUSES).optional().describe('only payments in this status'), limit },
      annotations: readOnly,
    },
    async ({ merchant_id, status, limit: count }) => {
      const response = await get('/v1/payments', { merchant: merchant_id, status, limit: count });
      if (response.status !== 200) return failed('Listing payments', response);
      const data = response.json.data as Json[];
      const words = data.length
        ? `${data.length} payment(s) of ${merchant_id}${status ? ` in status ${status}` : ''}${response.json.has_more ? ' (more exist)' : ''}:\n${data.map((payment) => `- ${describePaymentLine(payment)}`).join('\n')}`
        : `No payments of ${merchant_id}${status ? ` in status ${status}` : ''}.`;
      return withJson(words, data);
    },
  );

  server.registerTool(
    'explain_payment',
    {
      title: 'Explain a payment',
      description: 'What happened to a payment, in plain sentences: its timeline with the risk and routing decisions, the workflow executions and the path each took, and its ledger lines.',
      inputSchema: { payment_id: idOf('payment') },
      annotations: readOnly,
    },
    async ({ payment_id }) => {
      const path = `/v1/payments/${payment_id}`;
      const [payment, events, executions, ledger] = await Promise.all([get(path), get(`${path}/events`), get(`${path}/executions`), get(`${path}/ledger_transactions`)]);
      for (const [what, response] of [['Reading the payment', payment], ['Reading its timeline', events], ['Reading its executions', executions], ['Reading its ledger lines', ledger]] as const) {
        if (response.status !== 200) return failed(what, response);
      }
      const story = {
        payment: payment.json as Json,
        events: events.json.data as Json[],
        executions: executions.json.data as Json[],
        unavailable: ((executions.json.unavailable ?? []) as Json[]).map((entry) => `${entry.state_machine} (${entry.reason})`),
        ledgerTransactions: ledger.json.data as Json[],
      };
      return withJson(explainPayment(story), { payment: story.payment, events: story.events, executions: story.executions, ledger_transactions: story.ledgerTransactions });
    },
  );

  server.registerTool(
    'find_payout',
    {
      title: 'Find payouts',
      description: "A merchant's payouts, newest first, of one status if given; without a merchant, every merchant's payouts waiting in review.",
      inputSchema: {
        merchant_id: idOf('merchant').optional(),
        status: z.enum(PAYOUT_STATUSES).optional().describe('only payouts in this status (without merchant_id: in_review only)'),
        limit,
      },
      annotations: readOnly,
    },
    async ({ merchant_id, status, limit: count }) => {
      const response = await get('/v1/payouts', { merchant: merchant_id, status, limit: count });
      if (response.status !== 200) return failed('Listing payouts', response);
      const data = response.json.data as Json[];
      const words = data.length
        ? `${data.length} payout(s)${response.json.has_more ? ' (more exist)' : ''}:\n${data.map((payout) => `- ${describePayoutLine(payout)}`).join('\n')}`
        : 'No payouts found.';
      return withJson(words, data);
    },
  );

  server.registerTool(
    'explain_payout',
    {
      title: 'Explain a payout',
      description: 'A payout in plain sentences: amount, rail, milestones, failure, and its review record: why it was held, the sanctions list entries screening matched (the evidence), and who decided.',
      inputSchema: { payout_id: idOf('payout') },
      annotations: readOnly,
    },
    async ({ payout_id }) => {
      const response = await get(`/v1/payouts/${payout_id}`);
      if (response.status !== 200) return failed('Reading the payout', response);
      return withJson(explainPayout(response.json as Json), response.json);
    },
  );

  server.registerTool(
    'list_attention',
    {
      title: 'What waits for an operator',
      description:
        "Payouts held for review (every merchant), open reconciliation breaks, Standard workflow executions that failed, timed out or were aborted in the last 14 days (redrivable from the console), and with a merchant id also that merchant's payments flagged requires_attention.",
      inputSchema: { merchant_id: idOf('merchant').optional().describe("also list this merchant's payments requiring attention"), limit },
      annotations: readOnly,
    },
    async ({ merchant_id, limit: count }) => {
      const [payouts, breaks, executions, payments] = await Promise.all([
        get('/v1/payouts', { status: 'in_review', limit: count }),
        get('/v1/reconciliation/breaks', { status: 'open', limit: count }),
        get('/v1/executions', { limit: count }),
        merchant_id ? get('/v1/payments', { merchant: merchant_id, status: 'requires_attention', limit: count }) : undefined,
      ]);
      if (payouts.status !== 200) return failed('Listing payouts in review', payouts);
      if (breaks.status !== 200) return failed('Listing open reconciliation breaks', breaks);
      if (executions.status !== 200) return failed('Listing failed workflow executions', executions);
      if (payments && payments.status !== 200) return failed('Listing payments requiring attention', payments);
      const section = (title: string, items: readonly Json[], describe: (item: Json) => string, more: boolean) =>
        [`${title}: ${items.length}${more ? '+' : ''}`, ...items.map((item) => `- ${describe(item)}`)].join('\n');
      const words = [
        section('Payouts waiting for a review decision (review_payout)', payouts.json.data, describePayoutLine, payouts.json.has_more),
        section('Open reconciliation breaks (resolve_break)', breaks.json.data, describeBreak, breaks.json.has_more),
        section('Failed workflow executions (redrive from the console, ops_admin)', executions.json.data, describeFailedExecution, executions.json.has_more || executions.json.truncated),
        ...(payments ? [section(`Payments of ${merchant_id} requiring attention`, payments.json.data, describePaymentLine, payments.json.has_more)] : []),
      ].join('\n\n');
      return withJson(words, {
        payouts_in_review: payouts.json.data,
        open_breaks: breaks.json.data,
        failed_executions: executions.json.data,
        ...(payments ? { payments_requiring_attention: payments.json.data } : {}),
      });
    },
  );

  server.registerTool(
    'verify_audit_chains',
    {
      title: "Verify a merchant's audit log",
      description: "Checks every link of the merchant's audit hash chains (every region) and reports the first broken link of each, if any.",
      inputSchema: { merchant_id: idOf('merchant') },
      annotations: readOnly,
    },
    async ({ merchant_id }) => {
      const response = await get(`/v1/merchants/${merchant_id}/audit_verification`);
      if (response.status !== 200) return failed('Verifying the audit chains', response);
      const chains = (response.json.chains ?? []) as Json[];
      const broken = chains.filter((chain) => chain.broken);
      const words = response.json.ok
        ? `The audit log of ${merchant_id} is intact: ${chains.length} chain(s) checked, every link holds.`
        : `The audit log of ${merchant_id} is BROKEN in ${broken.length} chain(s):\n${broken
            .map((chain) => `- region ${chain.region}, stripe ${chain.stripe}: entry ${chain.broken.seq}, ${chain.broken.reason}`)
            .join('\n')}`;
      return withJson(words, response.json);
    },
  );

  server.registerTool(
    'verify_ledger',
    {
      title: 'Verify the ledger',
      description:
        "Runs the ledger verifier on the region's ledger: every transaction balances per currency, and balances, positions and statement lines match the journal. A difference seen while money moves may be a posting half read: run it again and trust those that persist.",
      inputSchema: {},
      annotations: readOnly,
    },
    async () => {
      const response = await get('/v1/ledger/verification');
      if (response.status !== 200) return failed('Verifying the ledger', response);
      const report = response.json as Json;
      const counts = `${report.transactions} transactions, ${report.accounts} accounts, ${report.positions} positions, ${report.lines} statement lines`;
      const words = !report.complete
        ? `The ledger could not be verified through the API: ${report.detail}`
        : report.ok
          ? `The ledger of ${report.region} is consistent: ${counts}; every transaction balances per currency and balances, positions and lines match the journal.`
          : `The ledger of ${report.region} has ${report.differences.length} difference(s) (${counts}):\n${(report.differences as Json[])
              .map((difference) => `- [${difference.kind}] ${difference.subject}: ${difference.detail}`)
              .join('\n')}\nRun it again: differences that persist are real.`;
      return withJson(words, report);
    },
  );

  server.registerTool(
    'summarize_alarms',
    {
      title: "Summarize the region's alarms",
      description:
        "What is firing in this region, since when, why (CloudWatch's reason) and the runbook section that says what to do; how many alarms are firing, without data and OK; and which have no data and why.",
      inputSchema: {},
      annotations: readOnly,
    },
    async () => {
      const response = await get('/v1/alarms');
      if (response.status !== 200) return failed('Listing the alarms', response);
      return withJson(summarizeAlarms(response.json as Json), { counts: response.json.counts, firing: (response.json.data as Json[]).filter((alarm) => alarm.state === 'ALARM') });
    },
  );

  server.registerTool(
    'review_payout',
    {
      title: 'Decide a payout held for review',
      description:
        'Approve or reject a payout held for review (ops_admin). Without confirm: true it only says what it would do. The decision is written to the audit log with this agent as the actor.',
      inputSchema: {
        payout_id: idOf('payout'),
        decision: z.enum(['approve', 'reject']),
        note: z.string().min(1).max(1_000).optional().describe('why, kept on the payout and in the audit log'),
        confirm: confirmArgument,
      },
      annotations: changing,
    },
    async ({ payout_id, decision, note, confirm }) => {
      if (!confirm) {
        const current = await get(`/v1/payouts/${payout_id}`);
        if (current.status !== 200) return failed('Reading the payout', current);
        return text(
          `Dry run, nothing changed. With confirm: true this would ${decision} payout ${payout_id}${note ? ` with the note "${note}"` : ''}, as ${options.role} ` +
            `(the operator API lets only ops_admin decide), recorded in the audit log with agent mcp/${options.agent}.\n\n${explainPayout(current.json as Json)}`,
        );
      }
      const response = await call('POST', `/v1/payouts/${payout_id}/review`, { body: { decision, ...(note !== undefined ? { note } : {}) } });
      if (response.status !== 200) return failed(`Deciding payout ${payout_id}`, response);
      return withJson(`Done: payout ${payout_id} ${decision === 'approve' ? 'approved' : 'rejected'}.\n\n${explainPayout(response.json as Json)}`, response.json);
    },
  );

  server.registerTool(
    'resolve_break',
    {
      title: 'Resolve a reconciliation break',
      description:
        'Close an open reconciliation break with what was found or done (ops_admin). Without confirm: true it only says what it would do. Written to the audit log with this agent as the actor.',
      inputSchema: {
        break_id: idOf('reconciliation_break'),
        note: z.string().min(1).max(1_000).describe('what was found or done'),
        confirm: confirmArgument,
      },
      annotations: changing,
    },
    async ({ break_id, note, confirm }) => {
      if (!confirm) {
        return text(
          `Dry run, nothing changed. With confirm: true this would resolve reconciliation break ${break_id} with the note "${note}", as ${options.role} ` +
            `(the operator API lets only ops_admin resolve), recorded in the audit log with agent mcp/${options.agent}. list_attention shows the open breaks.`,
        );
      }
      const response = await call('POST', `/v1/reconciliation/breaks/${break_id}/resolve`, { body: { note } });
      if (response.status !== 200) return failed(`Resolving break ${break_id}`, response);
      return withJson(`Done: ${describeBreak(response.json as Json)}`, response.json);
    },
  );

  return server;
};
