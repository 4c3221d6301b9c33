import { type IncomingMessage, createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MCP_AGENT_SHAPE, buildMcpServer } from '../lambdas/adapters/mcp/server';
import { MCP_PATH, answerMcpRequest } from '../lambdas/adapters/mcp/streamable-http';
import { OperatorTargetError, awsOperatorTarget, localOperatorTarget } from '../local/iam/operator-target';
import { OPERATOR_ROLES, type OperatorRole } from '../platform/operator-routes';

/**
 * `npm run -s mcp -- [options]`: the MCP server for AI agents (docs/decisions/0030-mcp-server.md) as a
 * process; the tools themselves are lambdas/adapters/mcp/, which the MCP function in AWS serves too
 * (docs/decisions/0045-mcp-server-in-aws.md). stdout carries the protocol only (stdio transport; `-s` keeps
 * npm's own banner off it); messages go to stderr.
 */
const usage = `Usage: npm run -s mcp -- [options]

Options:
  --role ops_viewer|ops_admin   sign as this operator role (default ops_viewer: read-only; ops_admin lets
                                review_payout and resolve_break act, with confirm: true)
  --agent NAME                  the agent named in audit entries as mcp/NAME (default: agent)
  --state-dir DIR               local runtime state (default .local): runtime.json, operators.json
  --aws --url URL               an operator API in AWS, with the default AWS credentials (a profile assuming
                                the xborder-ops-viewer-<region> or xborder-ops-admin-<region> role)
  --region REGION               signing region in AWS (default: from the URL, else AWS_REGION)
  --http --port N               serve Streamable HTTP on 127.0.0.1:N at /mcp instead of stdio (0: any free
                                port, printed on stderr)`;

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'ops_viewer' },
    agent: { type: 'string', default: 'agent' },
    'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
    aws: { type: 'boolean', default: false },
    url: { type: 'string' },
    region: { type: 'string' },
    http: { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});

/** Node's request as the web-standard Request the transport reads (the body read whole: MCP messages are small). */
const webRequestOf = async (request: IncomingMessage): Promise<Request> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  const method = request.method ?? 'GET';
  return new Request(new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`), {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
};

const main = async (): Promise<void> => {
  if (values.help) {
    console.error(usage);
    return;
  }
  if (!OPERATOR_ROLES.includes(values.role as OperatorRole)) throw new OperatorTargetError(`--role must be one of ${OPERATOR_ROLES.join(', ')}`);
  const role = values.role as OperatorRole;
  // The operator API checks it again (400 operator_agent_invalid); refusing here says so before any agent connects.
  if (!MCP_AGENT_SHAPE.test(values.agent)) throw new OperatorTargetError('--agent must be 1 to 60 letters, digits and ._:- characters');
  const target = values.aws ? await awsOperatorTarget(values.url, values.region) : localOperatorTarget(values['state-dir'], role);
  const options = { target, role, agent: values.agent };

  if (!values.http) {
    await buildMcpServer(options).connect(new StdioServerTransport());
    console.error(`xborder MCP server on stdio, as ${role} against ${target.baseUrl}, agent mcp/${values.agent}`);
    return;
  }
  // Stateless Streamable HTTP, answered exactly as the Lambda function answers (lambdas/adapters/mcp/streamable-http.ts):
  // node's request becomes a web-standard Request, the Response is written back.
  const http = createServer(async (request, response) => {
    try {
      const answer = await answerMcpRequest(await webRequestOf(request), options, (error) =>
        console.error('MCP request failed', error instanceof Error ? error.message : error),
      );
      response.writeHead(answer.status, Object.fromEntries(answer.headers)).end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      console.error('MCP request failed', error instanceof Error ? error.message : error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error' }));
    }
  });
  await new Promise<void>((resolve) => http.listen(Number(values.port), '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  console.error(`xborder MCP server on http://127.0.0.1:${port}${MCP_PATH}, as ${role} against ${target.baseUrl}, agent mcp/${values.agent}`);
  const stop = () => http.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};

main().catch((error: unknown) => {
  console.error(error instanceof OperatorTargetError ? `mcp: ${error.message}\n\n${usage}` : error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(2);
});
