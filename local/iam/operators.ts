import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { deployment } from '../../platform/deployment';
import { type FunctionKey, functionName } from '../../platform/functions';
import { OPERATOR_ROLES, type OperatorRole, mcpFunctionRoleName, operatorRoleName } from '../../platform/operator-routes';

/**
 * Locally issued operator credentials: one access key per operator role, written to
 * `<state dir>/operators.json` (mode 0600) like the demo merchants' keys, so that the CLI (`npm run ops`)
 * or any SigV4 client can call the local operator API. They stand for the temporary credentials an
 * operator gets in AWS by assuming the role, and map to the same assumed-role ARN the handlers parse.
 * Kept across restarts while the file is readable; a missing or unreadable file gets new ones.
 */
export const LOCAL_ACCOUNT = '000000000000';

export interface OperatorCredentials {
  readonly role: OperatorRole;
  readonly access_key_id: string;
  readonly secret_access_key: string;
  /** The assumed-role session ARN API Gateway would report for this caller. */
  readonly user_arn: string;
  /**
   * `mcp-function`: the MCP function's execution role acting as `role`, allowed only the tools' routes
   * (platform/operator-routes.ts `mcpRoutesOf`). Absent: an operator's session of the role.
   */
  readonly principal?: 'mcp-function';
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const accessKeyId = (): string => `ASIA${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;

/** The role is the region's own (`xborder-ops-admin-<region>`): the operator API of each region accepts its region's roles. */
export const localOperatorArn = (role: OperatorRole, session = 'local-operator', region: string = deployment.primaryRegion): string =>
  `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${operatorRoleName(role, region)}/${session}`;

const issue = (role: OperatorRole, region: string): OperatorCredentials => ({
  role,
  access_key_id: accessKeyId(),
  secret_access_key: randomBytes(30).toString('base64'),
  user_arn: localOperatorArn(role, undefined, region),
});

/**
 * Credentials standing for an MCP function's execution role (`xborder-mcp-ops-viewer-<region>`, session named
 * after the function as Lambda names it), for tests that run the function's handler against a local operator API
 * (docs/decisions/0045-mcp-server-in-aws.md). Not written to operators.json: the local runtime runs no MCP
 * function (`npm run mcp` is the local MCP server).
 */
export const issueMcpFunctionCredentials = (role: OperatorRole, key: FunctionKey, region: string = deployment.primaryRegion): OperatorCredentials => ({
  role,
  principal: 'mcp-function',
  access_key_id: accessKeyId(),
  secret_access_key: randomBytes(30).toString('base64'),
  user_arn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${mcpFunctionRoleName(role, region)}/${functionName(deployment.appName, key)}`,
});

const isCredentials = (value: unknown): value is OperatorCredentials => {
  const entry = value as Partial<OperatorCredentials> | null;
  return (
    typeof entry?.access_key_id === 'string' &&
    typeof entry.secret_access_key === 'string' &&
    typeof entry.user_arn === 'string' &&
    OPERATOR_ROLES.includes(entry.role as OperatorRole)
  );
};

export const readOperatorCredentials = (file: string): OperatorCredentials[] => {
  if (!existsSync(file)) return [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter(isCredentials) : [];
  } catch {
    return [];
  }
};

/** The credentials of every operator role in a region (the runtime's): those in the file, new ones for any role it lacks. */
export const ensureOperatorCredentials = (file: string, region: string = deployment.primaryRegion): OperatorCredentials[] => {
  const known = readOperatorCredentials(file);
  const credentials = OPERATOR_ROLES.map(
    (role) => known.find((entry) => entry.role === role && entry.user_arn === localOperatorArn(role, undefined, region)) ?? issue(role, region),
  );
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
};
