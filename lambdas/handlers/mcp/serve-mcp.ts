import type { LambdaFunctionURLEventWithIAMAuthorizer, LambdaFunctionURLResult } from 'aws-lambda';
import { MCP_AGENT_SHAPE } from '../../adapters/mcp/server';
import { answerMcpRequest } from '../../adapters/mcp/streamable-http';
import { operatorRoleOfArn } from '../../../platform/operator-routes';
import { logger } from '../../shared/powertools';
import { type McpFunctionSetup, mcpFunctionSetup } from '../../wiring/mcp';

/**
 * The MCP server in AWS (docs/decisions/0045-mcp-server-in-aws.md): the same tools as `npm run mcp`, served
 * statelessly over Streamable HTTP behind a Lambda function URL whose AuthType is AWS_IAM. Lambda has checked
 * the caller's SigV4 signature and that its resource policy lets the caller's role invoke this function (the
 * operator role this function acts as, no other); this adapter checks that again from the request context and
 * takes the agent's name from the caller's role session name, turns the function URL event into the
 * web-standard Request the SDK's transport reads, and its Response into the function URL result.
 *
 * The tools call the operator API with this function's own execution role (`xborder-mcp-<role>-<region>`,
 * allowed exactly the tools' routes of its role), naming the agent in `Operator-Agent: mcp/<session name>`,
 * which the operator API writes into every audit entry. Request and response bodies are not logged.
 */
type McpEvent = LambdaFunctionURLEventWithIAMAuthorizer;

const refusal = (status: number, error: string): LambdaFunctionURLResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error }),
});

/**
 * The agent a caller is: a session of the operator role this function acts as, named with 1 to 60 letters,
 * digits and `._:-` (`aws sts assume-role --role-session-name claude-desktop`, so STS vouches for the name in
 * the ARN). Anything else is refused, with what to do.
 */
export const agentOfCaller = (userArn: string | undefined, setup: Pick<McpFunctionSetup, 'role' | 'region'>): { readonly agent: string } | { readonly refused: string } => {
  const caller = userArn ? operatorRoleOfArn(userArn, setup.region) : undefined;
  if (!caller || caller.principal !== 'operator' || caller.role !== setup.role) {
    return { refused: `This MCP server acts as ${setup.role}: sign with a session of the ${setup.role} operator role, named after the agent.` };
  }
  if (!MCP_AGENT_SHAPE.test(caller.session)) {
    return {
      refused:
        'The role session name names the agent in audit entries (mcp/<session name>): assume the role with a session name of 1 to 60 letters, digits and ._- characters, starting with a letter or digit.',
    };
  }
  return { agent: caller.session };
};

/** The function URL event as the Request the transport reads (headers arrive lower-cased, repeated ones joined by commas). */
const requestOf = (event: McpEvent): Request => {
  const { method } = event.requestContext.http;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return new Request(`https://${event.requestContext.domainName}${event.rawPath}${query}`, {
    method,
    headers,
    ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
  });
};

/** The handler of an MCP function, given how it is set up (the wiring in AWS; a test's own against a local operator API). */
export const serveMcp =
  (setupOf: () => McpFunctionSetup) =>
  async (event: McpEvent): Promise<LambdaFunctionURLResult> => {
    const setup = setupOf();
    const callerArn = event.requestContext.authorizer?.iam?.userArn;
    const caller = agentOfCaller(callerArn, setup);
    if ('refused' in caller) {
      logger.warn('MCP caller refused', { caller_arn: callerArn, role: setup.role });
      return refusal(403, caller.refused);
    }
    const response = await answerMcpRequest(requestOf(event), { target: setup.target(), role: setup.role, agent: caller.agent }, (error) =>
      logger.error('MCP request failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) }),
    );
    logger.info('MCP request', { caller_arn: callerArn, operator_agent: `mcp/${caller.agent}`, role: setup.role, status: response.status });
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  };

export const handler = serveMcp(mcpFunctionSetup);
