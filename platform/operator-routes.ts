import { type ConsoleConfig, consoleContentSecurityPolicy } from './console-config';
import { deployment } from './deployment';
import type { RouteDeclaration } from './routes';

/**
 * The operator API, declared once: a REST API of its own, apart from the merchant API, authorized by IAM
 * (SigV4). Each route names the operator roles allowed to call it. lib/ builds the API and one IAM role
 * per operator role whose only permission is execute-api:Invoke on exactly its routes; local/ serves the
 * same routes on their own port and applies the same role-to-routes rule to locally issued operator
 * credentials (.local/operators.json). The handlers check the caller's role against this table too.
 */
export const OPERATOR_ROLES = ['ops_viewer', 'ops_admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/**
 * The header in which a software agent acting with operator credentials names itself (the MCP server sends
 * `mcp/<agent>`, docs/decisions/0030-mcp-server.md); the handlers record it in audit entries next to the
 * authenticated role. Signed with the request; it attributes, never authorizes.
 */
export const OPERATOR_AGENT_HEADER = 'Operator-Agent';
export const OPERATOR_AGENT_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

export interface OperatorRouteDeclaration extends RouteDeclaration {
  readonly roles: readonly OperatorRole[];
}

const viewers: readonly OperatorRole[] = ['ops_viewer', 'ops_admin'];
const admins: readonly OperatorRole[] = ['ops_admin'];

export const operatorRoutes = [
  { method: 'POST', path: '/v1/merchants', function: 'opsOnboardMerchant', roles: admins },
  { method: 'GET', path: '/v1/merchants/{id}', function: 'opsGetMerchant', roles: viewers, params: { id: 'merchant' } },
  { method: 'POST', path: '/v1/merchants/{id}/api_keys', function: 'opsCreateApiKey', roles: admins, params: { id: 'merchant' } },
  { method: 'POST', path: '/v1/merchants/{id}/api_keys/{key_id}/revoke', function: 'opsRevokeApiKey', roles: admins, params: { id: 'merchant', key_id: 'api_key' } },
  { method: 'POST', path: '/v1/merchants/{id}/payout_limits', function: 'opsSetPayoutLimits', roles: admins, params: { id: 'merchant' } },
  { method: 'GET', path: '/v1/merchants/{id}/routing_rules', function: 'opsGetRoutingRules', roles: viewers, params: { id: 'merchant' } },
  { method: 'POST', path: '/v1/merchants/{id}/routing_rules', function: 'opsSetRoutingRules', roles: admins, params: { id: 'merchant' } },
  { method: 'GET', path: '/v1/merchants/{id}/risk_rules', function: 'opsGetRiskRules', roles: viewers, params: { id: 'merchant' } },
  { method: 'POST', path: '/v1/merchants/{id}/risk_rules', function: 'opsSetRiskRules', roles: admins, params: { id: 'merchant' } },
  { method: 'GET', path: '/v1/merchants/{id}/audit_entries', function: 'opsListAuditEntries', roles: viewers, params: { id: 'merchant' } },
  { method: 'GET', path: '/v1/merchants/{id}/audit_verification', function: 'opsVerifyAuditChains', roles: viewers, params: { id: 'merchant' } },
  { method: 'POST', path: '/v1/merchants/{id}/home_region_moves', function: 'opsStartHomeRegionMove', roles: admins, params: { id: 'merchant' } },
  { method: 'GET', path: '/v1/ledger/verification', function: 'opsVerifyLedger', roles: viewers },
  { method: 'GET', path: '/v1/payments', function: 'opsListPayments', roles: viewers },
  { method: 'GET', path: '/v1/payments/{id}', function: 'opsGetPayment', roles: viewers, params: { id: 'payment' } },
  { method: 'POST', path: '/v1/payments/{id}/review', function: 'opsReviewPayment', roles: admins, params: { id: 'payment' } },
  { method: 'GET', path: '/v1/payments/{id}/events', function: 'opsListPaymentEvents', roles: viewers, params: { id: 'payment' } },
  { method: 'GET', path: '/v1/payments/{id}/ledger_transactions', function: 'opsListPaymentLedgerTransactions', roles: viewers, params: { id: 'payment' } },
  { method: 'GET', path: '/v1/payments/{id}/executions', function: 'opsListPaymentExecutions', roles: viewers, params: { id: 'payment' } },
  { method: 'GET', path: '/v1/payouts', function: 'opsListPayouts', roles: viewers },
  { method: 'GET', path: '/v1/payouts/{id}', function: 'opsGetPayout', roles: viewers, params: { id: 'payout' } },
  { method: 'POST', path: '/v1/payouts/{id}/review', function: 'opsReviewPayout', roles: admins, params: { id: 'payout' } },
  { method: 'GET', path: '/v1/executions', function: 'opsListFailedExecutions', roles: viewers },
  { method: 'GET', path: '/v1/health', function: 'opsGetHealth', roles: viewers },
  { method: 'GET', path: '/v1/alarms', function: 'opsListAlarms', roles: viewers },
  { method: 'POST', path: '/v1/executions/redrive', function: 'opsRedriveExecution', roles: admins },
  { method: 'GET', path: '/v1/reconciliation/breaks', function: 'opsListReconciliationBreaks', roles: viewers },
  {
    method: 'POST',
    path: '/v1/reconciliation/breaks/{id}/resolve',
    function: 'opsResolveReconciliationBreak',
    roles: admins,
    params: { id: 'reconciliation_break' },
  },
] as const satisfies readonly OperatorRouteDeclaration[];

/**
 * The ops console's static files, served by the operator API's own origin under this path (decision 0022):
 * locally by local/console-site.ts, in AWS by `GET /console` and `GET /console/{file}` from S3
 * (lib/constructs/operator-console.ts), each with the same security headers (in AWS the CSP adds the sign-in's
 * Cognito origins), and in AWS beside them the sign-in's `config.json` (platform/console-config.ts).
 */
export const CONSOLE_PATH = '/console';
export const CONSOLE_FILES = ['index.html', 'console.js', 'console.css'] as const;
/** The headers of every console response; in AWS the CSP also names the Cognito origins of the sign-in (platform/console-config.ts). */
export const consoleSecurityHeaders = (signIn?: Pick<ConsoleConfig, 'loginUrl' | 'identityUrl'>) =>
  ({
    'Content-Security-Policy': consoleContentSecurityPolicy(signIn),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  }) as const;
/** Locally: no sign-in origins, the page talks to its own origin only. */
export const CONSOLE_SECURITY_HEADERS = consoleSecurityHeaders();

/** The routes one role may call. */
export const operatorRoutesOf = (role: OperatorRole): OperatorRouteDeclaration[] =>
  (operatorRoutes as readonly OperatorRouteDeclaration[]).filter((route) => route.roles.includes(role));

/** The declared route of a method and resource path, if any. */
export const operatorRouteFor = (method: string, resourcePath: string): OperatorRouteDeclaration | undefined =>
  (operatorRoutes as readonly OperatorRouteDeclaration[]).find((route) => route.method === method && route.path === resourcePath);

/**
 * The IAM role of an operator role in one region, e.g. `xborder-ops-admin-us-east-1`. IAM is global and
 * each region's API stack creates its own pair, so the name carries the region.
 */
export const operatorRoleName = (role: OperatorRole, region: string): string =>
  `${deployment.appName}-${role.replace('_', '-')}-${region}`;

/**
 * The operator routes the MCP server's tools call (lambdas/adapters/mcp/server.ts), by their functions. The MCP
 * function of a role in AWS may invoke exactly these of its role's routes, nothing else (its IAM policy,
 * lib/constructs/mcp-function-url.ts; docs/decisions/0045-mcp-server-in-aws.md); a tool that calls another
 * route must be added here.
 */
export const MCP_TOOL_FUNCTIONS = [
  'opsListPayments',
  'opsGetPayment',
  'opsListPaymentEvents',
  'opsListPaymentExecutions',
  'opsListPaymentLedgerTransactions',
  'opsListPayouts',
  'opsGetPayout',
  'opsListReconciliationBreaks',
  'opsListFailedExecutions',
  'opsVerifyAuditChains',
  'opsVerifyLedger',
  'opsListAlarms',
  'opsReviewPayout',
  'opsResolveReconciliationBreak',
] as const satisfies readonly (typeof operatorRoutes)[number]['function'][];

/** The routes the MCP function acting as `role` may call: its role's routes that the tools use. */
export const mcpRoutesOf = (role: OperatorRole): OperatorRouteDeclaration[] =>
  operatorRoutesOf(role).filter((route) => (MCP_TOOL_FUNCTIONS as readonly string[]).includes(route.function));

/**
 * The execution role of the MCP function that acts as an operator role in one region, e.g.
 * `xborder-mcp-ops-viewer-us-east-1`: named, like the operator roles, so the operator API's resource policy and
 * the handlers can name it without a reference across stacks.
 */
export const mcpFunctionRoleName = (role: OperatorRole, region: string): string =>
  `${deployment.appName}-mcp-${role.replace('_', '-')}-${region}`;

/**
 * Who signed an operator API request: a person's (or an agent's) session of an operator role, or the MCP
 * function acting as that role with its own execution role, allowed fewer routes (`mcpRoutesOf`).
 */
export interface OperatorCaller {
  readonly role: OperatorRole;
  readonly session: string;
  readonly principal: 'operator' | 'mcp-function';
}

/** The operator role behind an assumed-role session ARN (`arn:aws:sts::<account>:assumed-role/<name>/<session>`). */
export const operatorRoleOfArn = (arn: string, region: string): OperatorCaller | undefined => {
  const match = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const session = match[2] as string;
  const operator = OPERATOR_ROLES.find((candidate) => operatorRoleName(candidate, region) === match[1]);
  if (operator) return { role: operator, session, principal: 'operator' };
  const viaMcp = OPERATOR_ROLES.find((candidate) => mcpFunctionRoleName(candidate, region) === match[1]);
  return viaMcp ? { role: viaMcp, session, principal: 'mcp-function' } : undefined;
};

/** Whether a caller's IAM policy allows a route (the handlers check it again, as the local emulator does IAM's part). */
export const operatorMayCall = (caller: Pick<OperatorCaller, 'role' | 'principal'>, route: OperatorRouteDeclaration): boolean =>
  caller.principal === 'mcp-function' ? mcpRoutesOf(caller.role).includes(route) : route.roles.includes(caller.role);
