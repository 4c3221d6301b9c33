import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { type McpServerOptions, buildMcpServer } from './server';

/** Where the MCP endpoint answers, locally (`npm run mcp -- --http`) and behind the function URL in AWS. */
export const MCP_PATH = '/mcp';

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * One MCP request over Streamable HTTP, statelessly: a new server and transport per request (the SDK's
 * pattern for servers with no session state), so any process, or any Lambda instance behind the function
 * URL, can answer any request. The SDK's web-standard transport (Request in, Response out) with JSON answers,
 * no event streams: every tool answers once. POST to /mcp only: 404 elsewhere, 405 for another method.
 * mcp/main.ts (`--http`) and the Lambda handler (lambdas/handlers/mcp/serve-mcp.ts) both answer through it.
 */
export const answerMcpRequest = async (request: Request, options: McpServerOptions, onError: (error: unknown) => void): Promise<Response> => {
  if (new URL(request.url).pathname !== MCP_PATH) return jsonResponse(404, { error: `not found: the MCP endpoint is ${MCP_PATH}` });
  if (request.method !== 'POST') return jsonResponse(405, { error: 'stateless server: POST only' }, { allow: 'POST' });
  const server = buildMcpServer(options);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    // With JSON answers the response is complete when this resolves, so closing afterwards cuts nothing short.
    return await transport.handleRequest(request);
  } catch (error) {
    onError(error);
    return jsonResponse(500, { error: 'internal error' });
  } finally {
    await transport.close();
    await server.close();
  }
};
