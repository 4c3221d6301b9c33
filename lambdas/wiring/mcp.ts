import * as z from 'zod/mini';
import type { OperatorTarget } from '../adapters/http/operator-client';
import { OPERATOR_ROLES, type OperatorRole } from '../../platform/operator-routes';
import { awsRegion, readConfig } from '../shared/config';

/**
 * The composition root of the MCP function (lambdas/handlers/mcp/serve-mcp.ts, decision 0045): which operator
 * role it acts as (`MCP_OPERATOR_ROLE`, set by lib/ from its declaration), the operator API it calls
 * (`OPERATOR_API_URL`, the stage URL lib/ passes in), and the credentials it signs with: its own execution
 * role's, which Lambda puts in the environment.
 */
export interface McpFunctionSetup {
  readonly role: OperatorRole;
  readonly region: string;
  /** The operator API and this function's credentials, read at each request (a warm instance keeps them current). */
  readonly target: () => OperatorTarget;
}

let setup: McpFunctionSetup | undefined;

export const mcpFunctionSetup = (): McpFunctionSetup => {
  if (setup) return setup;
  const config = readConfig({ OPERATOR_API_URL: z.url(), MCP_OPERATOR_ROLE: z.enum(OPERATOR_ROLES) });
  const region = awsRegion();
  setup = {
    role: config.MCP_OPERATOR_ROLE,
    region,
    target: () => {
      const credentials = readConfig({
        AWS_ACCESS_KEY_ID: z.string().check(z.minLength(1)),
        AWS_SECRET_ACCESS_KEY: z.string().check(z.minLength(1)),
        AWS_SESSION_TOKEN: z.optional(z.string()),
      });
      return {
        baseUrl: config.OPERATOR_API_URL,
        region,
        credentials: {
          accessKeyId: credentials.AWS_ACCESS_KEY_ID,
          secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
          ...(credentials.AWS_SESSION_TOKEN ? { sessionToken: credentials.AWS_SESSION_TOKEN } : {}),
        },
      };
    },
  };
  return setup;
};
